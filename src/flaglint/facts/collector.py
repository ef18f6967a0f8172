"""The fact collector: one pass over a module's syntax tree.

Structural facts (definitions, imports, calls, bindings) and the conditions that
dominate every call are collected here with the standard library's ``ast``:
it is an order of magnitude cheaper than a concrete syntax tree and gives every
position these facts need. Comments, which ``ast`` drops, come from LibCST in
:mod:`flaglint.facts.comments`, only for the files that have comments worth it.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import TypeVar

from flaglint.facts.assignments import AssignmentFactsMixin
from flaglint.facts.calls import CallFactsMixin
from flaglint.facts.conditions import (
    NO_GATES,
    ConditionFactsMixin,
    Gates,
    pattern_polarity,
)
from flaglint.facts.flow import FlowFactsMixin
from flaglint.facts.loops import LoopFactsMixin, iterator_shape
from flaglint.facts.model import (
    Arg,
    Atom,
    Binding,
    Branch,
    Call,
    Definition,
    DuplicateKey,
    Gate,
    Import,
    Reference,
)
from flaglint.facts.settings import SettingsFactsMixin
from flaglint.facts.syntax import (
    always_exits,
    decorator_name,
    docstring,
    dotted,
    is_main_guard,
    parameters,
    prefixed_param,
)
from flaglint.facts.walker import FastVisitor

_T = TypeVar("_T")


class FactCollector(
    AssignmentFactsMixin,
    CallFactsMixin,
    ConditionFactsMixin,
    LoopFactsMixin,
    SettingsFactsMixin,
    FlowFactsMixin,
    FastVisitor,
):
    """Walks one module and fills the fact lists; see :func:`collect`."""

    def __init__(self, module: str, is_package: bool, trigger_names: frozenset[str]) -> None:
        self.module = module
        self.is_package = is_package
        self.trigger_names = trigger_names
        self.calls: list[Call] = []
        self.atoms: list[Atom] = []
        self.bindings: list[Binding] = []
        self.imports: list[Import] = []
        self.definitions: list[Definition] = []
        self.references: list[Reference] = []
        self.duplicate_keys: list[DuplicateKey] = []
        self.dunder_all: list[str] = []
        self.main_guard = False
        # def/class line -> first line of the definition (its first decorator's)
        self.headers: dict[int, int] = {}
        self._gates: Gates = NO_GATES
        self._scope: list[str] = []
        self._scope_kinds: list[str] = ["module"]
        self._call_index: dict[int, int] = {}
        self._cond_cache: dict[int, tuple[Gates, Gates]] = {}
        self._local_reads: list[dict[str, tuple[Gates, Gates]]] = [{}]
        self._local_consts: list[dict[str, Arg | None]] = [{}]
        self._params: list[frozenset[str]] = [frozenset()]
        self._returned: list[list[Gate]] = []
        self._loops_init()
        self.branches: list[Branch] = []
        self._settings_init()
        self._returned_off: list[list[Gate]] = []
        self._literal_returns: list[tuple[list[Gates], list[Gates]]] = []
        self._entry_gates: list[int] = []
        self._flow_init()
        # One object per distinct value, so that a file's pickle stores each once:
        # its cache entry shrinks by ~40% and loads (and lives in memory) that much lighter.
        self._scope_texts: dict[tuple[str, ...], str] = {(): ""}
        self._scope_text = ""
        self._scope_stack: list[str] = []
        self._shared: dict[object, object] = {}
        # callee -> whether its arguments' source is kept (its method is a trigger name)
        self._keep_text: dict[str, bool] = {}

    # ----------------------------------------------------------------- scopes
    @property
    def scope(self) -> str:
        return self._scope_text

    def _enter_scope(self, name: str, kind: str) -> None:
        # The dotted text is made once per scope entered, not per call site
        # that asks for it (every call and binding does).
        self._scope.append(name)
        self._scope_kinds.append(kind)
        names = tuple(self._scope)
        text = self._scope_texts.get(names)
        if text is None:
            text = self._scope_texts[names] = ".".join(names)
        self._scope_stack.append(self._scope_text)
        self._scope_text = text
        self._fscope_update()

    def _leave_scope(self) -> None:
        self._scope.pop()
        self._scope_kinds.pop()
        self._scope_text = self._scope_stack.pop()
        self._fscope_update()

    def _share(self, value: _T) -> _T:
        """The first equal value seen in this file (values are immutable records)."""
        return self._shared.setdefault((value.__class__, value), value)  # type: ignore[return-value]

    def _in_function(self) -> bool:
        return self._scope_kinds[-1] == "function"

    # ----------------------------------------------------------------- blocks
    def visit_Module(self, node: ast.Module) -> None:
        self._block(node.body, NO_GATES)

    def visit_Expr(self, node: ast.Expr) -> None:
        # What generic_visit does, without its loop: a statement of one call is common.
        if node.value.__class__ not in self._leaves:
            self.visit(node.value)

    def _block(self, stmts: Sequence[ast.stmt], extra: Gates, checks: tuple[int, ...] = ()) -> None:
        saved = self._gates
        saved_checks = self._on_checks
        self._gates = saved + extra
        self._on_checks = saved_checks + checks
        for stmt in stmts:
            self.visit(stmt)
            if isinstance(stmt, ast.If):
                # ``if not flag: return`` gates everything after it in the block.
                body_exits = always_exits(stmt.body)
                else_exits = always_exits(stmt.orelse)
                if body_exits and not else_exits:
                    self._gates = self._gates + self._cond(stmt.test)[1]
                elif else_exits and not body_exits:
                    self._gates = self._gates + self._cond(stmt.test)[0]
                if body_exits != else_exits:
                    self._on_checks = self._on_checks + (self._stmt_checks[id(stmt)],)
            elif id(stmt) in self._stmt_checks:
                # After ``try: ... except X: continue`` the body's calls did not raise.
                self._on_checks = self._on_checks + (self._stmt_checks[id(stmt)],)
        self._gates = saved
        self._on_checks = saved_checks

    def visit_If(self, node: ast.If) -> None:
        # An ``elif`` chain is walked in a loop, not by recursion: a flat chain
        # of hundreds of branches is ordinary code, not deep nesting. Each
        # ``elif`` sees the gates and checks ``_block`` would give it.
        saved, saved_checks = self._gates, self._on_checks
        chain, arm = id(node), 0
        while True:
            if is_main_guard(node.test) and not self._scope:
                self.main_guard = True
            on, off = self._test(node.test, node.lineno)
            check = self._loop_check("if", node.test, node.lineno)
            self._stmt_checks[id(node)] = check
            self._arm_enter(chain, arm, node.body)
            self._block(node.body, on, (check,))
            self._arm_leave()
            arm += 1
            orelse = node.orelse
            if len(orelse) != 1 or orelse[0].__class__ is not ast.If:
                self._arm_enter(chain, arm, orelse)
                self._block(orelse, off, (check,))
                self._arm_leave()
                break
            self._gates = self._gates + off
            self._on_checks = self._on_checks + (check,)
            node = orelse[0]  # type: ignore[assignment]
        self._gates, self._on_checks = saved, saved_checks

    def visit_While(self, node: ast.While) -> None:
        on, _ = self._test(node.test, node.lineno)
        check = self._loop_check("while", node.test, node.lineno)
        constant = self.checks[check].constant
        shape = "infinite" if constant else "conditional"
        loop = self._loop_open(node, shape, check)
        self._block(node.body, on, (check,))
        self._loop_close(loop)
        self._block(node.orelse, NO_GATES)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self.visit(node.iter)
        self.visit(node.target)
        self._forget_targets([node.target])
        key = prefixed_param(node.iter, self._params[-1])
        if key is not None and isinstance(node.target, ast.Name) and self._in_function():
            self._local_consts[-1][node.target.id] = Arg("param", key)  # a key tried prefixed
        self._flow_for(node.iter, node.target, node.lineno)
        loop = self._loop_open(node, iterator_shape(node.iter), -1)
        self._block(node.body, NO_GATES)
        self._forget_targets([node.target])
        self._loop_close(loop)
        self._block(node.orelse, NO_GATES)

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item)
        self._flow_with(node)
        self._block(node.body, NO_GATES)

    visit_AsyncWith = visit_With

    def visit_Try(self, node: ast.Try) -> None:
        check = self._loop_try_check(node)
        checks = () if check is None else (check,)
        first_call = len(self.calls)
        self._block(node.body, NO_GATES, checks)
        if check is not None:
            self._loop_try_body_done(check, first_call)
        for handler in node.handlers:
            if handler.type is not None:
                self.visit(handler.type)
            self._block(handler.body, NO_GATES, checks)
        self._block(node.orelse, NO_GATES)
        self._block(node.finalbody, NO_GATES)

    visit_TryStar = visit_Try

    def visit_Match(self, node: ast.Match) -> None:
        self.visit(node.subject)
        subject_on, _ = self._cond(node.subject)
        for case in node.cases:
            self.visit(case.pattern)
            gates: list[Gate] = []
            polarity = pattern_polarity(case.pattern)
            if polarity is not None:
                truthy, value = polarity
                gates.extend(Gate(g.atom, g.on == truthy, value) for g in subject_on)
            if case.guard is not None:
                self.visit(case.guard)
                gates.extend(self._cond(case.guard)[0])
            self._block(case.body, tuple(gates))

    # ------------------------------------------------------------ definitions
    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._note_header(node)
        decorator_gates = self._decorators(node.decorator_list)
        self.visit(node.args)
        if node.returns is not None:
            self.visit(node.returns)
        kind = "method" if self._scope_kinds[-1] == "class" else "function"
        params = parameters(node.args)
        self._enter_scope(node.name, "function")
        self._versions_enter(params)
        self._local_reads.append({})
        self._local_consts.append({})
        self._params.append(frozenset(params))
        self._returned.append([])
        self._returned_off.append([])
        self._returns_enter()
        saved = self._gates
        self._gates = saved + decorator_gates
        saved_loops = self._loop_enter_function()
        self._block(node.body, NO_GATES)
        self._versions_leave(node.body)
        self._gates = saved
        literal_on, literal_off = self._returns_leave()
        returned = tuple(self._returned.pop()) + literal_on
        returned_off = tuple(self._returned_off.pop()) + literal_off
        self._params.pop()
        self._local_consts.pop()
        self._local_reads.pop()
        qualname = self._scope_text
        self._loop_leave_function(qualname, saved_loops)
        self._leave_scope()
        decorators = tuple(decorator_name(d) for d in node.decorator_list)
        self._flow_function(node, qualname, list(decorators))
        self.definitions.append(
            Definition(
                qualname=qualname,
                kind=kind,
                name=node.name,
                line=node.lineno,
                end_line=node.end_lineno or node.lineno,
                col=node.col_offset,
                params=params,
                decorators=decorators,
                docstring=docstring(node.body),
                returned_gates=returned,
                gates=saved + decorator_gates,
                is_async=isinstance(node, ast.AsyncFunctionDef),
                returned_off_gates=returned_off,
            )
        )

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_arguments(self, node: ast.arguments) -> None:
        # generic_visit's order (annotations and defaults, field by field) without
        # a visit of each parameter: ``arg`` nodes hold nothing else to visit.
        for group in (node.posonlyargs, node.args, (node.vararg,), node.kwonlyargs):
            for arg in group:
                if arg is not None and arg.annotation is not None:
                    self._visit_child(arg.annotation)
        for default in node.kw_defaults:
            if default is not None:
                self._visit_child(default)
        if node.kwarg is not None and node.kwarg.annotation is not None:
            self._visit_child(node.kwarg.annotation)
        for default in node.defaults:
            self._visit_child(default)

    def _visit_child(self, node: ast.AST) -> None:
        if node.__class__ not in self._leaves:
            self.visit(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._note_header(node)
        decorator_gates = self._decorators(node.decorator_list)
        for base in node.bases:
            self.visit(base)
        for keyword in node.keywords:
            self.visit(keyword)
        self._enter_scope(node.name, "class")
        qualname = self.scope
        self._block(node.body, decorator_gates)
        self._leave_scope()
        self.definitions.append(
            Definition(
                qualname=qualname,
                kind="class",
                name=node.name,
                line=node.lineno,
                end_line=node.end_lineno or node.lineno,
                col=node.col_offset,
                decorators=tuple(decorator_name(d) for d in node.decorator_list),
                bases=tuple(dotted(b) for b in node.bases),
                docstring=docstring(node.body),
                gates=self._gates + decorator_gates,
            )
        )

    def _note_header(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        lines = [d.lineno for d in node.decorator_list]
        self.headers[node.lineno] = min([node.lineno, *lines])

    def _decorators(self, decorators: list[ast.expr]) -> Gates:
        gates: list[Gate] = []
        for decorator in decorators:
            self.visit(decorator)
            index = self._call_index.get(id(decorator))
            if index is not None:
                self.calls[index] = self.calls[index]._replace(decorator=True)
                gates.append(Gate(self._atom("call", decorator, call=index), True))
        return tuple(gates)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        # Defaults are read where the lambda is written; its body is its own
        # node of the call graph, while calls and gates keep the enclosing def.
        self.visit(node.args)
        self._params.append(self._params[-1] | frozenset(parameters(node.args)))
        qualname = self._flow_lambda_enter(node)
        self.visit(node.body)
        self._flow_lambda_leave(node, qualname)
        self._params.pop()

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is None:
            self._loop_return(None, node.lineno)
            return
        self.visit(node.value)
        self._flow_return(node.value)
        self._loop_return(node.value, node.lineno)
        self._note_reference(node.value)
        if self._returned:
            value = node.value
            if isinstance(value, ast.Call) and dotted(value.func) == "bool" and value.args:
                value = value.args[0]
            self._note_value(value)
            self._literal_return(value)
            on, off = self._cond(value)
            self._returned[-1].extend(on)
            self._returned_off[-1].extend(off)

    def visit_Raise(self, node: ast.Raise) -> None:
        self.generic_visit(node)
        self._flow_raise(node)
        self._loop_exit("raise", node.lineno)

    def visit_Break(self, node: ast.Break) -> None:
        self._loop_exit("break", node.lineno)

    def visit_Continue(self, node: ast.Continue) -> None:
        self._loop_exit("continue", node.lineno)

    # ---------------------------------------------------------------- imports
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.imports.append(Import(alias.asname, alias.name, node.lineno))
            else:
                top = alias.name.split(".", 1)[0]
                self.imports.append(Import(top, top, node.lineno))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = self._absolute(node.module, node.level)
        for alias in node.names:
            if alias.name == "*":
                self.imports.append(Import("*", base, node.lineno))
                continue
            target = f"{base}.{alias.name}" if base else alias.name
            self.imports.append(Import(alias.asname or alias.name, target, node.lineno))

    def _absolute(self, module: str | None, level: int) -> str:
        if not level:
            return module or ""
        package = self.module if self.is_package else self.module.rpartition(".")[0]
        for _ in range(level - 1):
            package = package.rpartition(".")[0]
        if module:
            return f"{package}.{module}" if package else module
        return package
