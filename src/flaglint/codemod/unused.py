"""Locals and function-level imports the rewrite left unused, removed with it.

Only names the rewrite orphaned go: used before it in the function, unused
after it. Such a local was computed for the removed code alone (the flag
read's ``context = {"schema": account}``, a value only the removed branch
printed), so its assignment goes with that code, calls included, as a
reviewer would delete it (a kept ``x = f()`` would be an unused local). A local
only ever set afresh and augmented (``n = 0``, ``n += 1``) that only the removed
code read goes too, its ``+=`` only when the added value has no side effect (see
``side_effects``; else it stays, named for a human). Parameters are never
removed (callers pass them): they are named for a human.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from flaglint.codemod.dead_stores import drop_dead_stores
from flaglint.codemod.side_effects import LocalNames, is_fresh, is_pure, local_names

SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def drop_orphaned_locals(
    original: cst.FunctionDef, updated: cst.FunctionDef
) -> tuple[cst.FunctionDef, list[str], list[str], list[str]]:
    """``updated`` without what only the removed code used; its parameters left unused;
    the locals left unused but kept because their value may do something (a dead store
    whose value calls); the locals deleted although their value called something (an
    orphan, ``trail = AuditTrail(cart)``: its call no longer runs, the user is told)."""
    if not isinstance(updated.body, cst.IndentedBlock):
        return updated, [], [], []
    # Locals only ever set fresh and augmented (``n = 0 ... n += 1``): ``n += 1`` is no
    # read. One augmented by a call (``n += cost(x)``) is held: kept whole, named.
    counters, held = accumulators(updated)
    before = _loads(original.body, counters)
    node = updated
    kept: set[str] = set()
    calls: set[str] = set()
    names = local_names(original)
    for _ in range(8):  # each pass may orphan the names the dropped statements used
        after = _loads(node.body, counters)
        orphaned = {name for name, count in before.items() if count and not after.get(name)}
        if not orphaned:
            break
        cleaner = _BlockCleaner(orphaned, counters)
        body = node.body.visit(cleaner)
        calls |= {name for name, value in cleaner.dropped if not is_pure(value, names)}
        if not cleaner.changed:
            break
        assert isinstance(body, cst.BaseSuite)
        node = node.with_changes(body=body)
    node, dead_kept = drop_dead_stores(original, node)
    after = _loads(node.body, counters)
    params = [p.name.value for p in _params(node.params)]
    unused = [p for p in params if before.get(p) and not after.get(p)]
    was, now = _loads(original.body, held), _loads(node.body, held)
    kept |= {name for name in held if was.get(name) and not now.get(name)}
    return node, unused, sorted((kept - set(params)) | set(dead_kept)), sorted(calls)


def accumulators(function: cst.FunctionDef) -> tuple[frozenset[str], frozenset[str]]:
    """Locals of ``function`` only ever stored a fresh value (``n = 0``, ``items = []``)
    or augmented (``n += 1``): augmenting one changes nothing else. Those augmented
    only by values without side effects, then the others (``n += cost(x)``)."""
    stores = _Stores(local_names(function))
    function.params.visit(stores)
    function.body.visit(stores)
    found = {n for n in stores.augmented if n not in stores.names}
    return frozenset(found - stores.impure), frozenset(found & stores.impure)


class _Stores(LocalNames):
    """Per local: augmented, or bound any way but a fresh single-target store
    (``names``: parameters, loops, ``with ... as``, other stores, ``global``)."""

    def __init__(self, local_names: frozenset[str]) -> None:
        super().__init__()
        self.local_names = local_names
        self.augmented: set[str] = set()
        self.impure: set[str] = set()  # augmented by a value that may do something

    def visit_Assign(self, node: cst.Assign) -> None:
        target = node.targets[0].target if len(node.targets) == 1 else None
        if isinstance(target, cst.Name) and is_fresh(node.value, self.local_names):
            self.skipped.add(id(target))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self.augmented.add(node.target.value)
            if not is_pure(node.value, self.local_names):
                self.impure.add(node.target.value)

    def visit_Global(self, node: cst.Global) -> None:
        self.names |= {item.name.value for item in node.names}

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.names |= {item.name.value for item in node.names}


def _params(params: cst.Parameters) -> list[cst.Param]:
    found = [*params.posonly_params, *params.params, *params.kwonly_params]
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            found.append(star)
    return found


class _BlockCleaner(cst.CSTTransformer):
    """Drops imports and single-name assignments of orphaned names, in this scope only."""

    def __init__(self, orphaned: set[str], counters: frozenset[str]) -> None:
        super().__init__()
        self.orphaned = orphaned
        self.counters = counters
        self.changed = False
        self.dropped: list[tuple[str, cst.BaseExpression]] = []  # (name, value) deleted

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        if len(updated_node.body) != 1:
            return updated_node
        small = updated_node.body[0]
        if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(
            small.names, cst.ImportStar
        ):
            names = list(small.names)
            kept = [a for a in names if local_name(a) not in self.orphaned]
            if len(kept) == len(names):
                return updated_node
            self.changed = True
            if not kept:
                return cst.RemoveFromParent()
            if isinstance(names[-1].comma, cst.MaybeSentinel):
                kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return updated_node.with_changes(body=[small.with_changes(names=kept)])
        if isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
            if small.target.value in self.orphaned and small.target.value in self.counters:
                self.changed = True
                return cst.RemoveFromParent()
            return updated_node
        if not (
            isinstance(small, cst.Assign)
            and len(small.targets) == 1
            and isinstance(small.targets[0].target, cst.Name)
            and small.targets[0].target.value in self.orphaned
        ):
            return updated_node
        self.changed = True
        self.dropped.append((small.targets[0].target.value, small.value))
        return cst.RemoveFromParent()

    def leave_NamedExpr(
        self, original_node: cst.NamedExpr, updated_node: cst.NamedExpr
    ) -> cst.BaseExpression:
        # ``(x := f())`` whose x only the removed code read: ``f()``.
        target = updated_node.target
        if not (isinstance(target, cst.Name) and target.value in self.orphaned):
            return updated_node
        self.changed = True
        value = updated_node.value
        if updated_node.lpar and not value.lpar:
            return value.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)
        return value

    def leave_UnaryOperation(
        self, original_node: cst.UnaryOperation, updated_node: cst.UnaryOperation
    ) -> cst.UnaryOperation:
        # ``not (x := f())`` that lost its x reads ``not f()``.
        inner = updated_node.expression
        if (
            isinstance(original_node.expression, cst.NamedExpr)
            and isinstance(inner, (cst.Name, cst.Attribute, cst.Call, cst.Subscript))
            and inner.lpar
        ):
            return updated_node.with_changes(expression=inner.with_changes(lpar=[], rpar=[]))
        return updated_node

    def leave_If(self, original_node: cst.If, updated_node: cst.If) -> cst.If:
        # ``if x: (a local only the removed code used) else: ...`` now reads ``if not x: ...``.
        return invert_emptied(original_node, updated_node)

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if updated_node.body:
            return updated_node
        return updated_node.with_changes(body=[cst.SimpleStatementLine(body=[cst.Pass()])])


def local_name(alias: cst.ImportAlias) -> str:
    """The name an import binds: ``x`` for ``import x.y``, ``z`` for ``... as z``."""
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    name: cst.BaseExpression = alias.name
    while isinstance(name, cst.Attribute):
        name = name.value
    return name.value if isinstance(name, cst.Name) else ""


def _loads(node: cst.CSTNode, counters: frozenset[str] = frozenset()) -> dict[str, int]:
    """How often each name is used, not counting where it is bound.

    A local's own assignment does not use it (``x = f(x)`` uses the older x,
    which counts), nor does an import or a parameter; strings count as uses of
    any name they spell, for ``locals()`` and templates. Nor does ``n += 1`` use
    ``n`` when ``n`` is one of ``counters`` (see :func:`accumulators`).
    """
    counter = _LoadCounter(counters)
    node.visit(counter)
    for text in counter.strings:
        for name in list(counter.counts):
            if name in text:
                counter.counts[name] += 1
    return counter.counts


class _LoadCounter(cst.CSTVisitor):
    def __init__(self, counters: frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.counters = counters
        self.counts: dict[str, int] = {}
        self.strings: list[str] = []
        self.excluding: list[str] = []

    def _add(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Assign(self, node: cst.Assign) -> bool:
        single = len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name)
        if not single:
            return True
        target = node.targets[0].target
        assert isinstance(target, cst.Name)
        # ``x = f(x)`` keeps x alive only if x is used elsewhere.
        self.excluding.append(target.value)
        node.value.visit(self)
        self.excluding.pop()
        return False

    def visit_AugAssign(self, node: cst.AugAssign) -> bool:
        if isinstance(node.target, cst.Name) and node.target.value in self.counters:
            node.value.visit(self)
            return False
        return True

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_NamedExpr(self, node: cst.NamedExpr) -> bool:
        # ``(x := f())`` binds x, as an assignment does; it does not use it.
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False

    def visit_Param(self, node: cst.Param) -> bool:
        for part in (node.annotation, node.default):
            if part is not None:
                part.visit(self)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        if node.value not in self.excluding:
            self._add(node.value)

    def visit_Global(self, node: cst.Global) -> bool:
        # A global or nonlocal name is not this function's to drop.
        for item in node.names:
            self._add(item.name.value)
        return False

    def visit_Nonlocal(self, node: cst.Nonlocal) -> bool:
        for item in node.names:
            self._add(item.name.value)
        return False

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self.strings.append(node.value)


def names_in(statements: Sequence[cst.CSTNode]) -> dict[str, int]:
    """Uses per name across some statements (see :func:`_loads`)."""
    total: dict[str, int] = {}
    for statement in statements:
        for name, count in _loads(statement).items():
            total[name] = total.get(name, 0) + count
    return total


def bare_pass(stmt: cst.BaseStatement) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and all(isinstance(small, cst.Pass) for small in stmt.body)
        and stmt.trailing_whitespace.comment is None
        and all(line.comment is None for line in stmt.leading_lines)
    )


def invert_emptied(original: cst.If, node: cst.If) -> cst.If:
    """``if x: pass else: body``, left by the rewrite, reads ``if not x: body``."""
    if not (
        isinstance(node.orelse, cst.Else)
        and isinstance(node.body, cst.IndentedBlock)
        and len(node.body.body) == 1
        and bare_pass(node.body.body[0])
        and not node.body.footer
        and not (
            isinstance(original.body, cst.IndentedBlock)
            and len(original.body.body) == 1
            and bare_pass(original.body.body[0])
        )
    ):
        return node
    test = node.test
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inverted: cst.BaseExpression = test.expression
        if inverted.lpar and isinstance(inverted, (cst.Name, cst.Attribute, cst.Call)):
            inverted = inverted.with_changes(lpar=[], rpar=[])
    else:
        atomic = isinstance(test, (cst.Name, cst.Attribute, cst.Call, cst.Subscript))
        if not atomic and not test.lpar:
            test = test.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        inverted = cst.UnaryOperation(operator=cst.Not(), expression=test)
    return node.with_changes(test=inverted, body=node.orelse.body, orelse=None)
