"""Whether evaluating a stored value can do anything but produce it.

A store the rewrite left unused (``context = {"type": kind}`` before the ``if`` that
read it went) is deleted only when deleting it cannot change what the program
does: its value is a literal, a name, an attribute read of a local, a display
(list, tuple, set, dict) or comprehension of such, or a comparison or boolean
of them. A call, a subscript (``KeyError``), an operator on objects, an
f-string, ``await`` or ``yield`` may do something: such a store is kept and
reported.
"""

from __future__ import annotations

from collections.abc import Collection

import libcst as cst

LITERALS = (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.Imaginary)


def is_pure(node: cst.BaseExpression, local_names: Collection[str]) -> bool:
    """``node`` evaluates without side effects (see the module's docstring);
    ``local_names`` are the function's parameters and locals (attribute reads of
    them count as pure; of a module, they might import or compute)."""
    if isinstance(node, LITERALS):
        return not isinstance(node, cst.ConcatenatedString) or all(
            is_pure(part, local_names) for part in (node.left, node.right)
        )
    if isinstance(node, cst.Name):
        return True
    if isinstance(node, cst.Attribute):
        root: cst.BaseExpression = node
        while isinstance(root, cst.Attribute):
            root = root.value
        return isinstance(root, cst.Name) and root.value in local_names
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        return all(
            isinstance(e, cst.Element) and is_pure(e.value, local_names) for e in node.elements
        )
    if isinstance(node, cst.Dict):
        return all(
            isinstance(e, cst.DictElement)
            and is_pure(e.key, local_names)
            and is_pure(e.value, local_names)
            for e in node.elements
        )
    if isinstance(node, (cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp)):
        return _pure_comprehension(node, local_names)
    if isinstance(node, cst.BooleanOperation):
        return is_pure(node.left, local_names) and is_pure(node.right, local_names)
    if isinstance(node, cst.UnaryOperation):
        return isinstance(node.operator, cst.Not) and is_pure(node.expression, local_names)
    if isinstance(node, cst.Comparison):
        return is_pure(node.left, local_names) and all(
            is_pure(c.comparator, local_names) for c in node.comparisons
        )
    return False


def is_fresh(node: cst.BaseExpression, local_names: Collection[str]) -> bool:
    """``node`` is pure and makes a new object no one else holds (a literal, a display,
    a comprehension): ``x += ...`` on it changes nothing outside ``x``."""
    fresh = (
        *LITERALS,
        cst.List,
        cst.Tuple,
        cst.Set,
        cst.Dict,
        cst.ListComp,
        cst.SetComp,
        cst.DictComp,
    )
    return isinstance(node, fresh) and is_pure(node, local_names)


def _pure_comprehension(
    node: cst.ListComp | cst.SetComp | cst.GeneratorExp | cst.DictComp,
    local_names: Collection[str],
) -> bool:
    clause: cst.CompFor | None = node.for_in
    bound: set[str] = set(local_names)
    while clause is not None:
        if clause.asynchronous is not None or not is_pure(clause.iter, bound):
            return False
        bound |= bound_names(clause.target)
        if not all(is_pure(i.test, bound) for i in clause.ifs):
            return False
        clause = clause.inner_for_in
    if isinstance(node, cst.DictComp):
        return is_pure(node.key, bound) and is_pure(node.value, bound)
    return is_pure(node.elt, bound)


def bound_names(target: cst.BaseExpression) -> set[str]:
    """The names a store's target binds: ``a``, ``(a, *b)``; none for ``x.y``, ``x[0]``."""
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return {n for e in target.elements for n in bound_names(e.value)}
    if isinstance(target, cst.StarredElement):
        return bound_names(target.value)
    return set()


def local_names(function: cst.FunctionDef) -> frozenset[str]:
    """The names ``function`` binds itself: parameters, and targets of its own stores."""
    collector = LocalNames()
    function.params.visit(collector)
    function.body.visit(collector)
    return frozenset(collector.names)


class LocalNames(cst.CSTVisitor):
    """Names bound in one function's own scope (nested definitions by their name only);
    a store target whose id is in ``skipped`` is not counted."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.skipped: set[int] = set()

    def _bind(self, target: cst.BaseExpression) -> None:
        if id(target) not in self.skipped:
            self.names |= bound_names(target)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.names.add(node.name.value)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.names.add(node.name.value)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Param(self, node: cst.Param) -> None:
        self._bind(node.name)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._bind(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._bind(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self._bind(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._bind(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._bind(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target)
