"""Calls and the names used as values: the :class:`Call` records and their arguments.

A mixin of :class:`~flaglint.facts.collector.FactCollector`. ``visit_Call`` is
the hottest handler of the collector (a call in every few nodes), which is why
its shared-value and leaf tests are spelt out rather than made as calls.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from flaglint.facts.conditions import Gates
from flaglint.facts.model import Arg, Call, Reference, record
from flaglint.facts.syntax import dotted, fstring_template, is_boolean_expression, plain_dotted


class CallFactsMixin:
    """Calls, their arguments, and references; the collector provides the state below."""

    calls: list[Call]
    references: list[Reference]
    trigger_names: frozenset[str]
    _call_index: dict[int, int]
    _gates: Gates
    _keep_text: dict[str, bool]
    _leaves: frozenset[type]
    _local_consts: list[dict[str, Arg | None]]
    _on_checks: tuple[int, ...]
    _open_loops: list[int]
    _params: list[frozenset[str]]
    _scope_text: str
    _shared: dict[object, object]

    if TYPE_CHECKING:

        @property
        def scope(self) -> str: ...

        def visit(self, node: ast.AST) -> Any: ...
        def generic_visit(self, node: ast.AST) -> None: ...
        def _in_function(self) -> bool: ...
        def _share(self, value: Any) -> Any: ...
        def _loop_call(self, node: ast.Call, index: int) -> None: ...
        def _flow_call(self, node: ast.Call, index: int) -> None: ...

    def visit_Call(self, node: ast.Call) -> None:
        shared = self._shared
        func = node.func
        callee = func.id if func.__class__ is ast.Name else dotted(func)  # type: ignore[attr-defined]
        callee = shared.setdefault((str, callee), callee)  # type: ignore[assignment]
        keep_text = self._keep_text.get(callee)
        if keep_text is None:
            keep_text = self._keep_text[callee] = callee.rpartition(".")[2] in self.trigger_names
        args: list[Arg] = []
        arg_value = self._arg_value
        for position, arg in enumerate(node.args):
            if arg.__class__ is ast.Starred:
                break
            value = arg_value(arg, keep_text, position, None)
            args.append(shared.setdefault((Arg, value), value))  # type: ignore[arg-type]
        for keyword in node.keywords:
            if keyword.arg is not None:
                value = arg_value(keyword.value, keep_text, None, keyword.arg)
                args.append(shared.setdefault((Arg, value), value))  # type: ignore[arg-type]
        calls = self.calls
        index = len(calls)
        self._call_index[id(node)] = index
        arg_tuple = tuple(args)
        calls.append(
            record(
                Call,
                (
                    callee,
                    node.lineno,
                    node.col_offset,
                    node.end_lineno or node.lineno,
                    self._scope_text,
                    shared.setdefault((tuple, arg_tuple), arg_tuple),
                    self._gates,
                    False,  # decorator: set by _decorators
                ),
            )
        )
        if self._open_loops or self._on_checks:
            self._loop_call(node, index)
        leaves = self._leaves
        visit = self.visit
        if func.__class__ not in leaves:
            visit(func)
        for arg in node.args:
            if arg.__class__ not in leaves:
                visit(arg)
        for keyword in node.keywords:
            if keyword.value.__class__ not in leaves:
                visit(keyword.value)
        self._flow_call(node, index)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, ast.Load) and isinstance(node.value, (ast.Name, ast.Attribute)):
            base = plain_dotted(node.value)
            if base is not None and base.rpartition(".")[2] == "environ":
                self._call_index[id(node)] = len(self.calls)
                self.calls.append(
                    Call(
                        callee=f"{base}.__getitem__",
                        line=node.lineno,
                        col=node.col_offset,
                        end_line=node.end_lineno or node.lineno,
                        scope=self.scope,
                        args=(self._arg(node.slice, True, 0, None),),
                        gates=self._gates,
                    )
                )
        self.generic_visit(node)

    def _arg(
        self, node: ast.expr, keep_text: bool, position: int | None, keyword: str | None
    ) -> Arg:
        return self._share(self._arg_value(node, keep_text, position, keyword))

    def _arg_value(
        self, node: ast.expr, keep_text: bool, position: int | None, keyword: str | None
    ) -> Arg:
        kind = node.__class__
        text: str | None = None  # None: "other", its source kept only under keep_text
        if kind is ast.Constant:
            # literal_arg's answers, by exact class (a constant's value is never a subclass).
            value = node.value  # type: ignore[attr-defined]
            value_kind = value.__class__
            if value_kind is str:
                arg_kind, text = "str", value
            elif value_kind is bool:
                arg_kind, text = "bool", str(value)
            elif value_kind is int:
                arg_kind, text = "int", str(value)
            elif value is None:
                arg_kind, text = "none", "None"
        elif kind is ast.Name:
            name = node.id  # type: ignore[attr-defined]
            const = self._local_consts[-1].get(name)
            if const is not None and self._in_function():
                arg_kind, text = const.kind, const.text
            elif name in self._params[-1]:
                arg_kind, text = "param", name
            else:
                arg_kind, text = "name", name
        elif kind is ast.Attribute:
            name = plain_dotted(node)
            if name is not None:
                arg_kind, text = "name", name
        elif kind is ast.Lambda:
            arg_kind, text = "lambda", ""
        elif is_boolean_expression(node):
            arg_kind, text = "boolexpr", ast.unparse(node) if keep_text else ""
        elif kind is ast.JoinedStr:
            text = fstring_template(node)  # type: ignore[arg-type]
            arg_kind = "fstring"
        if text is None:
            arg_kind, text = "other", ast.unparse(node) if keep_text else ""
        return record(Arg, (arg_kind, text, position, keyword))

    # ------------------------------------------------------------- references
    def _note_reference(self, value: ast.expr) -> None:
        """Record names used as values: callbacks, aliases, dispatch tables."""
        kind = value.__class__
        if kind is ast.Name or kind is ast.Attribute:
            name = plain_dotted(value)
            if name is not None:
                self.references.append(record(Reference, (name, self._scope_text, value.lineno)))
        elif kind is ast.Dict:
            for item in value.values:  # type: ignore[attr-defined]
                self._note_reference(item)
        elif kind is ast.List or kind is ast.Tuple or kind is ast.Set:
            for item in value.elts:  # type: ignore[attr-defined]
                self._note_reference(item)

    def visit_Dict(self, node: ast.Dict) -> None:
        self.generic_visit(node)
        for item in node.values:
            if item.__class__ is ast.Name or item.__class__ is ast.Attribute:
                self._note_reference(item)
