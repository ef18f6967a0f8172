"""The fact collector: one pass over a module's syntax tree.

Structural facts (definitions, imports, calls, bindings) and the conditions that
dominate every call are collected here with the standard library's ``ast``:
it is an order of magnitude cheaper than a concrete syntax tree and gives every
position these facts need. Comments, which ``ast`` drops, come from LibCST in
:mod:`flaglint.facts.comments`, only for the files that have comments worth it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from typing import TypeVar

from flaglint.facts.loops import LoopFactsMixin, iterator_shape
from flaglint.facts.model import (
    Arg,
    Atom,
    Binding,
    Call,
    Definition,
    DuplicateKey,
    Gate,
    Import,
    Reference,
)
from flaglint.facts.walker import FastVisitor

Gates = tuple[Gate, ...]
NO_GATES: Gates = ()
_T = TypeVar("_T")
EXITS = (ast.Return, ast.Raise, ast.Continue, ast.Break)


def dotted(node: ast.expr) -> str:
    """A call-chain spelling of an expression: ``ldclient.get().variation``."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            parts.append("()")
            node = node.func
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            break
        elif isinstance(node, ast.Subscript):
            parts.append("[]")
            node = node.value
        else:
            parts.append("?")
            break
    out = ""
    for part in reversed(parts):
        if part in ("()", "[]"):
            out += part
        else:
            out = f"{out}.{part}" if out else part
    return out


def plain_dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def literal_arg(node: ast.expr) -> tuple[str, str] | None:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            return "bool", str(value)
        if isinstance(value, str):
            return "str", value
        if isinstance(value, int):
            return "int", str(value)
        if value is None:
            return "none", "None"
    return None


def const_int(node: ast.expr) -> int | None:
    """Evaluate integer arithmetic on literals (``1 << 3``, ``0x10 | 0x01``)."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = const_int(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.BinOp):
        left, right = const_int(node.left), const_int(node.right)
        if left is None or right is None:
            return None
        op = node.op
        if isinstance(op, ast.LShift) and 0 <= right < 256:
            return left << right
        if isinstance(op, ast.BitOr):
            return left | right
        if isinstance(op, ast.Add):
            return left + right
        if isinstance(op, ast.Sub):
            return left - right
        if isinstance(op, ast.Mult):
            return left * right
    return None


# Flag values compared as strings: "0" and "off" mean off, though Python finds them truthy.
FALSY_WORDS = frozenset({"", "0", "false", "no", "off", "disabled", "none"})


def is_truthy_literal(node: ast.expr) -> bool | None:
    """How a literal compared with a flag read counts: ``== "0"`` tests for off."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return node.value.strip().lower() not in FALSY_WORDS
        return bool(node.value)
    return None


def always_exits(stmts: Sequence[ast.stmt]) -> bool:
    """True when control never falls off the end of ``stmts``."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, EXITS):
        return True
    if isinstance(last, ast.If):
        return always_exits(last.body) and always_exits(last.orelse)
    return False


class FactCollector(LoopFactsMixin, FastVisitor):
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
        # One object per distinct value, so that a file's pickle stores each once:
        # its cache entry shrinks by ~40% and loads (and lives in memory) that much lighter.
        self._scope_texts: dict[tuple[str, ...], str] = {(): ""}
        self._scope_text = ""
        self._scope_stack: list[str] = []
        self._shared: dict[object, object] = {}

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

    def _leave_scope(self) -> None:
        self._scope.pop()
        self._scope_kinds.pop()
        self._scope_text = self._scope_stack.pop()

    def _share(self, value: _T) -> _T:
        """The first equal value seen in this file (values are immutable records)."""
        return self._shared.setdefault((value.__class__, value), value)  # type: ignore[return-value]

    def _in_function(self) -> bool:
        return self._scope_kinds[-1] == "function"

    # ----------------------------------------------------------------- blocks
    def visit_Module(self, node: ast.Module) -> None:
        self._block(node.body, NO_GATES)

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
        if _is_main_guard(node.test) and not self._scope:
            self.main_guard = True
        self.visit(node.test)
        on, off = self._cond(node.test)
        check = self._loop_check("if", node.test, node.lineno)
        self._stmt_checks[id(node)] = check
        self._block(node.body, on, (check,))
        self._block(node.orelse, off, (check,))

    def visit_While(self, node: ast.While) -> None:
        self.visit(node.test)
        on, _ = self._cond(node.test)
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
        loop = self._loop_open(node, iterator_shape(node.iter), -1)
        self._block(node.body, NO_GATES)
        self._loop_close(loop)
        self._block(node.orelse, NO_GATES)

    visit_AsyncFor = visit_For

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            self.visit(item)
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
            polarity = _pattern_polarity(case.pattern)
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
        params = _params(node.args)
        self._enter_scope(node.name, "function")
        self._local_reads.append({})
        self._local_consts.append({})
        self._params.append(frozenset(params))
        self._returned.append([])
        saved = self._gates
        self._gates = saved + decorator_gates
        saved_loops = self._loop_enter_function()
        self._block(node.body, NO_GATES)
        self._gates = saved
        returned = tuple(self._returned.pop())
        self._params.pop()
        self._local_consts.pop()
        self._local_reads.pop()
        qualname = self.scope
        self._loop_leave_function(qualname, saved_loops)
        self._leave_scope()
        self.definitions.append(
            Definition(
                qualname=qualname,
                kind=kind,
                name=node.name,
                line=node.lineno,
                end_line=node.end_lineno or node.lineno,
                col=node.col_offset,
                params=params,
                decorators=tuple(_decorator_name(d) for d in node.decorator_list),
                docstring=_docstring(node.body),
                returned_gates=returned,
                gates=saved + decorator_gates,
                is_async=isinstance(node, ast.AsyncFunctionDef),
            )
        )

    visit_AsyncFunctionDef = visit_FunctionDef

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
                decorators=tuple(_decorator_name(d) for d in node.decorator_list),
                bases=tuple(dotted(b) for b in node.bases),
                docstring=_docstring(node.body),
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
                old = self.calls[index]
                self.calls[index] = Call(
                    old.callee,
                    old.line,
                    old.col,
                    old.end_line,
                    old.scope,
                    old.args,
                    old.gates,
                    True,
                )
                gates.append(Gate(self._atom("call", decorator, call=index), True))
        return tuple(gates)

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self.visit(node.args)
        self._params.append(self._params[-1] | frozenset(_params(node.args)))
        self.visit(node.body)
        self._params.pop()

    def visit_Return(self, node: ast.Return) -> None:
        if node.value is None:
            self._loop_return(None, node.lineno)
            return
        self.visit(node.value)
        self._loop_return(node.value, node.lineno)
        self._note_reference(node.value)
        if self._returned:
            value = node.value
            if isinstance(value, ast.Call) and dotted(value.func) == "bool" and value.args:
                value = value.args[0]
            self._returned[-1].extend(self._cond(value)[0])

    def visit_Raise(self, node: ast.Raise) -> None:
        self.generic_visit(node)
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

    # ------------------------------------------------------------ assignments
    def visit_Assign(self, node: ast.Assign) -> None:
        self.visit(node.value)
        for target in node.targets:
            self.visit(target)
        self._note_reference(node.value)
        self._assign(node.targets, node.value, node.lineno)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
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
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    self._local_consts[-1][name.id] = None
                    self._local_reads[-1].pop(name.id, None)

    def _assign(self, targets: Sequence[ast.expr], value: ast.expr, line: int) -> None:
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if len(names) == len(targets):  # plain names, the usual case: nothing to walk
            self._loop_assign(names, value)
        else:
            self._loop_assign(
                [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)], value
            )
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
                self.dunder_all = _string_list(value)
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
            members = _bitor_members(value)
            if members is not None:
                return "bitor", "|".join(members), -1
        return "other", "", -1

    # ------------------------------------------------------------------ calls
    def visit_Call(self, node: ast.Call) -> None:
        callee = self._share(dotted(node.func))
        method = callee.rpartition(".")[2]
        keep_text = method in self.trigger_names
        args: list[Arg] = []
        for position, arg in enumerate(node.args):
            if isinstance(arg, ast.Starred):
                break
            args.append(self._arg(arg, keep_text, position, None))
        for keyword in node.keywords:
            if keyword.arg is not None:
                args.append(self._arg(keyword.value, keep_text, None, keyword.arg))
        self._call_index[id(node)] = len(self.calls)
        self.calls.append(
            Call(
                callee=callee,
                line=node.lineno,
                col=node.col_offset,
                end_line=node.end_lineno or node.lineno,
                scope=self.scope,
                args=self._share(tuple(args)),
                gates=self._gates,
            )
        )
        self._loop_call(node, len(self.calls) - 1)
        self.visit(node.func)
        for arg in node.args:
            self.visit(arg)
        for keyword in node.keywords:
            self.visit(keyword.value)

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
        literal = literal_arg(node)
        if literal is not None:
            return Arg(literal[0], literal[1], position, keyword)
        if isinstance(node, ast.Name):
            name = node.id
            const = self._local_consts[-1].get(name)
            if const is not None and self._in_function():
                return Arg(const.kind, const.text, position, keyword)
            if name in self._params[-1]:
                return Arg("param", name, position, keyword)
            return Arg("name", name, position, keyword)
        name = plain_dotted(node)
        if name is not None:
            return Arg("name", name, position, keyword)
        if isinstance(node, ast.Lambda):
            return Arg("lambda", "", position, keyword)
        if isinstance(node, ast.JoinedStr):
            template = _fstring_template(node)
            if template is not None:
                return Arg("fstring", template, position, keyword)
        return Arg("other", ast.unparse(node) if keep_text else "", position, keyword)

    # ------------------------------------------------------------- conditions
    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        # ``flag and do_x()``: each operand runs only when the ones before it
        # were truthy (``and``) or falsy (``or``).
        saved = self._gates
        for value in node.values:
            self.visit(value)
            on, off = self._cond(value)
            self._gates = self._gates + (on if isinstance(node.op, ast.And) else off)
        self._gates = saved

    def visit_IfExp(self, node: ast.IfExp) -> None:
        self.visit(node.test)
        on, off = self._cond(node.test)
        saved = self._gates
        self._gates = saved + on
        self.visit(node.body)
        self._gates = saved + off
        self.visit(node.orelse)
        self._gates = saved

    def _atom(self, kind: str, node: ast.AST, call: int = -1, name: str = "") -> int:
        self.atoms.append(
            Atom(kind, getattr(node, "lineno", 0), getattr(node, "col_offset", 0), call, name)
        )
        return len(self.atoms) - 1

    def _cond(self, node: ast.expr) -> tuple[Gates, Gates]:
        """What must hold for ``node`` to be truthy, and for it to be falsy."""
        cached = self._cond_cache.get(id(node))
        if cached is None:
            cached = self._cond_uncached(node)
            self._cond_cache[id(node)] = cached
        return cached

    def _cond_uncached(self, node: ast.expr) -> tuple[Gates, Gates]:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            on, off = self._cond(node.operand)
            return off, on
        if isinstance(node, ast.BoolOp):
            parts = [self._cond(v) for v in node.values]
            if isinstance(node.op, ast.And):
                return tuple(g for on, _ in parts for g in on), _single(parts, 1)
            return _single(parts, 0), tuple(g for _, off in parts for g in off)
        if isinstance(node, ast.Await):
            return self._cond(node.value)
        if isinstance(node, ast.NamedExpr):
            return self._cond(node.value)
        if isinstance(node, (ast.Call, ast.Subscript)):
            index = self._call_index.get(id(node))
            if index is None:
                return NO_GATES, NO_GATES
            if isinstance(node, ast.Call) and self.calls[index].callee == "bool" and node.args:
                return self._cond(node.args[0])
            atom = self._atom("call", node, call=index)
            return (Gate(atom, True),), (Gate(atom, False),)
        if isinstance(node, (ast.Name, ast.Attribute)):
            return self._name_cond(node)
        if isinstance(node, ast.Compare):
            return self._compare_cond(node)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitAnd):
            members = [m for m in (node.left, node.right) if isinstance(m, ast.Attribute)]
            gates = [self._member(m) for m in members]
            return tuple(Gate(a, True) for a in gates), tuple(Gate(a, False) for a in gates)
        return NO_GATES, NO_GATES

    def _name_cond(self, node: ast.Name | ast.Attribute) -> tuple[Gates, Gates]:
        if isinstance(node, ast.Name):
            for reads in reversed(self._local_reads):
                if node.id in reads:
                    return reads[node.id]
                if self._scope_kinds[-1] != "function":
                    break
            if node.id in self._params[-1]:
                return NO_GATES, NO_GATES
        name = plain_dotted(node)
        if name is None:
            return NO_GATES, NO_GATES
        atom = self._atom("name", node, name=name)
        return (Gate(atom, True),), (Gate(atom, False),)

    def _member(self, node: ast.Attribute) -> int:
        return self._atom("member", node, name=plain_dotted(node) or dotted(node))

    def _compare_cond(self, node: ast.Compare) -> tuple[Gates, Gates]:
        if len(node.ops) != 1:
            return NO_GATES, NO_GATES
        op = node.ops[0]
        left, right = node.left, node.comparators[0]
        negate = isinstance(op, (ast.NotEq, ast.IsNot, ast.NotIn))
        if isinstance(op, (ast.In, ast.NotIn)):
            # ``OrderFlags.X in msg.flags`` / ``client.variation(...) in ("a", "b")``
            if isinstance(left, ast.Attribute) and plain_dotted(left):
                atom = self._member(left)
                return _polar(atom, not negate, None)
            on, _ = self._cond(left)
            return _flip(on, negate, None)
        # Equality and identity: a member on either side, or a read compared with a literal.
        for side in (right, left):
            if isinstance(side, ast.Attribute) and plain_dotted(side) and _looks_like_member(side):
                atom = self._member(side)
                return _polar(atom, not negate, None)
        for side, other in ((left, right), (right, left)):
            truthy = is_truthy_literal(other)
            if truthy is None:
                continue
            on, _ = self._cond(side)
            if not on:
                continue
            value = repr(other.value) if isinstance(other, ast.Constant) else None
            return _flip(on, negate != (not truthy), value)
        on, _ = self._cond(left)
        return _flip(on, negate, None)

    # ------------------------------------------------------------- references
    def _note_reference(self, value: ast.expr) -> None:
        """Record names used as values: callbacks, aliases, dispatch tables."""
        if isinstance(value, (ast.Name, ast.Attribute)):
            name = plain_dotted(value)
            if name is not None:
                self.references.append(Reference(name, self.scope, value.lineno))
        elif isinstance(value, ast.Dict):
            for item in value.values:
                self._note_reference(item)
        elif isinstance(value, (ast.List, ast.Tuple, ast.Set)):
            for item in value.elts:
                self._note_reference(item)

    def visit_Dict(self, node: ast.Dict) -> None:
        self.generic_visit(node)
        for item in node.values:
            if isinstance(item, (ast.Name, ast.Attribute)):
                self._note_reference(item)


def _fstring_template(node: ast.JoinedStr) -> str | None:
    """``f"{NS}.flag"`` -> ``{NS}.flag`` when every hole is a plain dotted name."""
    parts: list[str] = []
    for value in node.values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            parts.append(value.value.replace("{", "{{").replace("}", "}}"))
        elif (
            isinstance(value, ast.FormattedValue)
            and value.format_spec is None
            and value.conversion == -1
            and plain_dotted(value.value) is not None
        ):
            parts.append("{" + (plain_dotted(value.value) or "") + "}")
        else:
            return None
    return "".join(parts)


def _polar(atom: int, on: bool, value: str | None) -> tuple[Gates, Gates]:
    return (Gate(atom, on, value),), (Gate(atom, not on, value),)


def _flip(gates: Gates, negate: bool, value: str | None) -> tuple[Gates, Gates]:
    if not gates:
        return NO_GATES, NO_GATES
    on = tuple(Gate(g.atom, g.on != negate, value) for g in gates)
    off = tuple(Gate(g.atom, not g.on, value) for g in on) if len(gates) == 1 else NO_GATES
    return on, off


def _single(parts: list[tuple[Gates, Gates]], which: int) -> Gates:
    """For ``and``'s falsy side (or ``or``'s truthy side) only one operand is certain."""
    return parts[0][which] if len(parts) == 1 else NO_GATES


def _looks_like_member(node: ast.Attribute) -> bool:
    """``Mode.LIVE`` or ``enums.Mode.LIVE``: a capitalised class before the member."""
    owner = node.value
    owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
    return bool(owner_name) and owner_name[:1].isupper()


def _bitor_members(node: ast.expr) -> list[str] | None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = _bitor_members(node.left), _bitor_members(node.right)
        if left is None or right is None:
            return None
        return left + right
    name = plain_dotted(node)
    return [name] if name is not None else None


def _pattern_polarity(pattern: ast.pattern) -> tuple[bool, str] | None:
    if isinstance(pattern, ast.MatchValue) and isinstance(pattern.value, ast.Constant):
        return bool(pattern.value.value), repr(pattern.value.value)
    if isinstance(pattern, ast.MatchSingleton):
        return bool(pattern.value), repr(pattern.value)
    return None


def _params(args: ast.arguments) -> tuple[str, ...]:
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    if args.vararg:
        names.append(args.vararg.arg)
    names.extend(a.arg for a in args.kwonlyargs)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return tuple(names)


def _decorator_name(node: ast.expr) -> str:
    return dotted(node.func) if isinstance(node, ast.Call) else dotted(node)


def _docstring(body: list[ast.stmt]) -> str:
    if body and isinstance(body[0], ast.Expr):
        value = body[0].value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value.strip()[:500]
    return ""


def _string_list(node: ast.expr) -> list[str]:
    if isinstance(node, (ast.List, ast.Tuple)):
        return [
            e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        ]
    return []


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )
