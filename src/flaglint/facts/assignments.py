"""Assignments: bindings, local constants and reads, and what each hook of the collector
learns from ``x = value``.

A mixin of :class:`~flaglint.facts.collector.FactCollector`, like the others in
this package: the statements are visited here, and the value-flow, loop and
settings hooks are called from here.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from flaglint.facts.conditions import NO_GATES, Gates
from flaglint.facts.model import Arg, Binding, DuplicateKey
from flaglint.facts.syntax import (
    bitor_members,
    const_int,
    dotted,
    is_boolean_expression,
    literal_arg,
    names_in,
    plain_dotted,
    string_list,
)


class AssignmentFactsMixin:
    """``=``, ``:=``, ``+=`` and annotated assignments; the collector provides the state below."""

    bindings: list[Binding]
    duplicate_keys: list[DuplicateKey]
    dunder_all: list[str]
    _call_index: dict[int, int]
    _local_consts: list[dict[str, Arg | None]]
    _local_reads: list[dict[str, tuple[Gates, Gates]]]
    _scope_kinds: list[str]

    if TYPE_CHECKING:

        @property
        def scope(self) -> str: ...

        def visit(self, node: ast.AST) -> None: ...
        def _in_function(self) -> bool: ...
        def _cond(self, node: ast.expr) -> tuple[Gates, Gates]: ...
        def _note_reference(self, value: ast.expr) -> None: ...
        def _note_value(self, node: ast.expr) -> None: ...
        def _note_assign(self, targets: Sequence[ast.expr], value: ast.expr, line: int) -> None: ...
        def _note_annotation(self, node: ast.AnnAssign, in_class: bool) -> None: ...
        def _flow_assign(self, targets: Sequence[ast.expr], value: ast.expr) -> None: ...
        def _loop_assign(self, names: list[str], value: ast.expr) -> None: ...
        def _loop_count(
            self, target: ast.expr, value: ast.expr | None, op: ast.operator
        ) -> None: ...

    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)
        self._note_reference(node.value)
        self._assign(node.targets, node.value, node.lineno)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._note_annotation(node, self._scope_kinds[-1] == "class")
        self.visit(node.annotation)
        if node.value is None:
            return
        self.visit(node.value)
        self.visit(node.target)
        self._note_reference(node.value)
        self._assign([node.target], node.value, node.lineno)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        self.visit(node.target)
        self._loop_count(node.target, None, node.op)
        self._forget_targets([node.target])

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        self._assign([node.target], node.value, node.lineno)

    def _forget_targets(self, targets: Iterable[ast.expr]) -> None:
        consts, reads = self._local_consts[-1], self._local_reads[-1]
        for target in targets:
            for name in names_in(target):
                consts[name] = None
                reads.pop(name, None)

    def _assign(self, targets: Sequence[ast.expr], value: ast.expr, line: int) -> None:
        self._note_value(value)
        self._note_assign(targets, value, line)
        self._flow_assign(targets, value)
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if len(names) == len(targets):  # plain names, the usual case: nothing to walk
            self._loop_assign(names, value)
        else:
            self._loop_assign([n for t in targets for n in names_in(t)], value)
            self._forget_targets(targets)
        if not names:
            return
        testable = isinstance(
            value, (ast.Call, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.Subscript)
        )
        on, off = self._cond(value) if testable else (NO_GATES, NO_GATES)
        literal = literal_arg(value)
        if self._in_function():
            consts = self._local_consts[-1]
            for name in names:
                # A name assigned twice is not a constant; remember that with None.
                if literal is not None and name not in consts:
                    consts[name] = Arg(literal[0], literal[1])
                else:
                    consts[name] = None
                if on or off:
                    self._local_reads[-1][name] = (on, off)
                else:
                    self._local_reads[-1].pop(name, None)
            return
        kind, text, call = self._binding_value(value, literal)
        scope = self.scope
        if isinstance(value, ast.Dict):
            self._duplicate_keys(scope, names[0], value)
        for name in names:
            if name == "__all__" and not scope:
                self.dunder_all = string_list(value)
            self.bindings.append(Binding(scope, name, line, kind, text, call, on, off))

    def _duplicate_keys(self, scope: str, name: str, value: ast.Dict) -> None:
        first: dict[str, int] = {}
        for key in value.keys:
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            if key.value in first:
                self.duplicate_keys.append(
                    DuplicateKey(
                        scope, name, key.value, key.lineno, key.col_offset, first[key.value]
                    )
                )
            else:
                first[key.value] = key.lineno

    def _binding_value(
        self, value: ast.expr, literal: tuple[str, str] | None
    ) -> tuple[str, str, int]:
        if literal is not None:
            return literal[0], literal[1], -1
        number = const_int(value)
        if number is not None:
            return "int", str(number), -1
        name = plain_dotted(value)
        if name is not None:
            return "name", name, -1
        if isinstance(value, ast.Call):
            callee = dotted(value.func)
            kind = "auto" if callee.rpartition(".")[2] == "auto" else "call"
            return kind, callee, self._call_index.get(id(value), -1)
        if isinstance(value, ast.BinOp) and isinstance(value.op, ast.BitOr):
            members = bitor_members(value)
            if members is not None:
                return "bitor", "|".join(members), -1
        if is_boolean_expression(value):  # ``X = "X" in os.environ``: a boolean setting
            return "boolexpr", "", -1
        return "other", "", -1
