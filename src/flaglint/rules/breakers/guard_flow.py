"""Which limit checks dominate a line of a function, read from its ``ast``.

A check dominates a dispatch when the dispatch runs only after it passed:

* ``if <limit>: return/raise/break/continue`` before it (in its block or an
  enclosing one), or an ``if``/``while`` with a limit test around it;
* a local that holds a limit test (``over = sent + n > limit; if over: ...``),
  or that is set under one (``if over: error = "..."`` then ``if error: return``);
* a call before it to a project helper that raises or returns under a limit
  check (followed through helpers, a few calls deep), directly or inside a
  ``try`` whose handlers all leave;
* a helper that returns a limit test or a limit computed from a bound
  (``return max(0, limit - open)``), used as the test of such an ``if``.

Each check is a :class:`~flaglint.rules.breakers.limits.Limit`, and each
dominating check records whether it is tested on every pass of the loop
around the dispatch or only once before it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, replace

from flaglint.facts.syntax import ends_in_exit
from flaglint.rules.breakers.limits import Limit, LimitWords, is_sum
from flaglint.rules.breakers.sources import FunctionNode

MAX_HELPER_DEPTH = 3
_BUILTINS = frozenset(("max", "min", "len", "sum", "abs", "round", "int", "float", "count"))

# Resolves a call in a function to the project functions it may reach.
CallTargets = Callable[[ast.Call], list[str]]
# The limits a project helper enforces, by qualified name and depth.
HelperLimits = Callable[[str, int], tuple[Limit, ...]]


@dataclass(frozen=True, slots=True)
class Dominating:
    """A limit check in force at a line, and whether it is re-tested on each pass there."""

    limit: Limit
    per_pass: bool


@dataclass(frozen=True, slots=True)
class LineGuards:
    """The limit checks in force at one line, and how many loops of the function enclose it."""

    loops: int
    checks: tuple[Dominating, ...]


class FunctionGuards:
    """The limit checks in force at chosen lines of one function."""

    def __init__(
        self,
        node: FunctionNode,
        path: str,
        words: LimitWords,
        targets: CallTargets,
        helper_limits: HelperLimits,
        depth: int = 0,
    ) -> None:
        self.node = node
        self.path = path
        self.words = words
        self._targets = targets
        self._helper_limits = helper_limits
        self.depth = depth
        self.locals: dict[str, list[ast.expr]] = {}
        counters: set[str] = set()
        for sub in _own_nodes(node):
            if isinstance(sub, ast.AugAssign) and isinstance(sub.target, ast.Name):
                counters.add(sub.target.id)
            elif isinstance(sub, ast.Assign) and len(sub.targets) == 1:
                target = sub.targets[0]
                if isinstance(target, ast.Name):
                    self.locals.setdefault(target.id, []).append(sub.value)
        self.counters = frozenset(counters)
        # ``if over: error = "..."``: the tests under which each local is set.
        self.set_under: dict[str, list[ast.expr]] = {}
        _collect_set_under(node.body, [], self.set_under)

    # ------------------------------------------------------------ tests
    def limits_of(self, test: ast.expr, seen: frozenset[str] = frozenset()) -> list[Limit]:
        """The limit checks a test (or a value returned by a helper) stands for."""
        if isinstance(test, ast.BoolOp):
            return [lim for value in test.values for lim in self.limits_of(value, seen)]
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return self.limits_of(test.operand, seen)
        if isinstance(test, ast.Compare):
            if self.words.compares_limit(test, self.counters):
                return [self._limit(test, is_sum(test))]
            # ``cost = qty * price; if cost > cash:``: the operands' values decide.
            expanded = self._expanded(test)
            if expanded is not None and self.words.compares_limit(expanded, self.counters):
                limit = self._limit(expanded, is_sum(expanded))
                return [replace(limit, text=_unparse(test))]
            return []
        name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", "")
        if isinstance(test, (ast.Name, ast.Attribute)) and self.words.once(name):
            return [replace(self._limit(test, False), once=True)]
        if isinstance(test, ast.Name):
            if test.id in self.counters:
                return [self._limit(test, False)]
            if test.id in seen:
                return []
            values = self.locals.get(test.id, []) + self.set_under.get(test.id, [])
            return [lim for v in values for lim in self.limits_of(v, seen | {test.id})]
        if isinstance(test, ast.Await):
            return self.limits_of(test.value, seen)
        if isinstance(test, ast.Call):
            return self.call_limits(test)
        return []

    def _expanded(self, test: ast.Compare) -> ast.Compare | None:
        """The comparison with each local in its operands replaced by the value it was given.

        Locals are replaced wherever they stand in an operand, not only as one:
        ``keep = account.days or MAX_AGE_DAYS; if age > window(keep):`` tests
        ``MAX_AGE_DAYS`` as surely as ``age > window(MAX_AGE_DAYS)`` did.
        """
        operands = [test.left, *test.comparators]
        try:
            values = [_substituted(operand, self.locals) for operand in operands]
        except RecursionError:  # a generated expression thousands of terms deep
            return None
        if all(v is o for v, o in zip(values, operands, strict=True)):
            return None
        return ast.Compare(values[0], test.ops, values[1:], lineno=test.lineno, col_offset=0)

    def call_limits(self, call: ast.Call) -> list[Limit]:
        """Limits enforced by calling a helper: resolved, or named like a limit check."""
        found: list[Limit] = []
        for target in self._targets(call):
            found.extend(self._helper_limits(target, self.depth + 1))
        if not found and not self._targets(call):
            name = _callee_name(call)
            if (
                name
                and name not in _BUILTINS
                and self.words.limit_like(name)
                and not name.startswith(("get", "set"))
            ):
                found.append(self._limit(call.func, False))
        return found

    def _limit(self, node: ast.AST, cumulative: bool) -> Limit:
        text = _unparse(node)
        expr = node if isinstance(node, ast.expr) else ast.Constant(None)
        terms = frozenset(self.words.terms(expr, self.counters)) or frozenset({text})
        return Limit(text, terms, cumulative, self.path, getattr(node, "lineno", 0))

    # ------------------------------------------------------------ what a helper enforces
    def enforced(self) -> list[Limit]:
        """What this function (as a helper) enforces: raises/returns under limits, limit returns."""
        found: list[Limit] = []
        for sub in _own_nodes(self.node):
            if isinstance(sub, ast.If) and any(
                isinstance(s, (ast.Raise, ast.Return)) for b in sub.body for s in ast.walk(b)
            ):
                found.extend(self.limits_of(sub.test))
            elif isinstance(sub, ast.Return) and sub.value is not None:
                found.extend(self.limits_of(sub.value))
                found.extend(self._arithmetic_bound(sub.value))
            elif isinstance(sub, ast.Expr) and isinstance(sub.value, ast.Call):
                found.extend(self.call_limits(sub.value))
            elif isinstance(sub, ast.Try) and _handlers_leave(sub):
                for stmt in sub.body:
                    found.extend(self._statement_calls(stmt))
        return found

    def _arithmetic_bound(self, value: ast.expr) -> list[Limit]:
        """``return max(0, limit - open)``: a bound computed from a limit."""
        has_arith = any(isinstance(n, ast.BinOp) for n in ast.walk(value))
        if has_arith and self.words.terms(value, frozenset()):
            return [self._limit(value, False)]
        return []

    # ------------------------------------------------------------ domination
    def at_lines(self, lines: set[int]) -> dict[int, LineGuards]:
        """For each line (a dispatch), the limit checks in force when it runs."""
        out: dict[int, LineGuards] = {}
        self._walk(self.node.body, [], 0, lines, out)
        return out

    def _walk(
        self,
        body: list[ast.stmt],
        active: list[tuple[Limit, int]],
        level: int,
        lines: set[int],
        out: dict[int, LineGuards],
    ) -> None:
        active = list(active)
        for stmt in body:
            first, last = stmt.lineno, getattr(stmt, "end_lineno", stmt.lineno) or stmt.lineno
            if any(first <= line <= last for line in lines):
                self._descend(stmt, active, level, lines, out)
            active.extend((lim, level) for lim in self._after(stmt))

    def _descend(
        self,
        stmt: ast.stmt,
        active: list[tuple[Limit, int]],
        level: int,
        lines: set[int],
        out: dict[int, LineGuards],
    ) -> None:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return
        if isinstance(stmt, (ast.If, ast.While)):
            inner = level + 1 if isinstance(stmt, ast.While) else level
            tested = [(lim, inner) for lim in self.limits_of(stmt.test)]
            self._record(stmt.test, active, level, lines, out)
            self._walk(stmt.body, active + tested, inner, lines, out)
            self._walk(stmt.orelse, active + tested, level, lines, out)
        elif isinstance(stmt, (ast.For, ast.AsyncFor)):
            self._record(stmt.iter, active, level, lines, out)
            self._walk(stmt.body, active, level + 1, lines, out)
            self._walk(stmt.orelse, active, level, lines, out)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            self._walk(stmt.body, active, level, lines, out)
        elif isinstance(stmt, ast.Try):
            self._walk(stmt.body, active, level, lines, out)
            for handler in stmt.handlers:
                self._walk(handler.body, active, level, lines, out)
            self._walk(stmt.orelse, active, level, lines, out)
            self._walk(stmt.finalbody, active, level, lines, out)
        elif isinstance(stmt, ast.Match):
            for case in stmt.cases:
                self._walk(case.body, active, level, lines, out)
        else:
            self._record(stmt, active, level, lines, out)

    @staticmethod
    def _record(
        node: ast.AST,
        active: list[tuple[Limit, int]],
        level: int,
        lines: set[int],
        out: dict[int, LineGuards],
    ) -> None:
        first = getattr(node, "lineno", 0)
        last = getattr(node, "end_lineno", first) or first
        for line in lines:
            if first <= line <= last and line not in out:
                out[line] = LineGuards(
                    level, tuple(Dominating(lim, lvl == level > 0) for lim, lvl in active)
                )

    def _after(self, stmt: ast.stmt) -> list[Limit]:
        """Limit checks a statement enforces on the statements after it."""
        if isinstance(stmt, ast.If):
            found = []
            if ends_in_exit(stmt.body) or (stmt.orelse and ends_in_exit(stmt.orelse)):
                found = self.limits_of(stmt.test)
            # ``if max_entries > -1: if count > max_entries: return`` still stops what
            # follows when the outer test only says whether the limit is on.
            if self.limits_of(stmt.test):
                for inner in (*stmt.body, *stmt.orelse):
                    if isinstance(inner, ast.If):
                        found.extend(self._after(inner))
            return found
        if isinstance(stmt, ast.Try) and _handlers_leave(stmt):
            return [lim for s in stmt.body for lim in self._statement_calls(s)]
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            return [lim for s in stmt.body for lim in self._after(s)]
        if isinstance(stmt, (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign)):
            return self._statement_calls(stmt)
        return []

    def _statement_calls(self, stmt: ast.stmt) -> list[Limit]:
        if not isinstance(stmt, (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign)):
            return []
        value = stmt.value
        if isinstance(value, ast.Await):
            value = value.value
        return self.call_limits(value) if isinstance(value, ast.Call) else []


def _substituted(node: ast.expr, values: dict[str, list[ast.expr]]) -> ast.expr:
    """``node`` with each local name in it replaced by its first value (``node`` if none is)."""
    if isinstance(node, ast.Name):
        bound = values.get(node.id, [])
        return bound[0] if bound else node
    changed = False
    fields: dict[str, object] = {}
    for name, value in ast.iter_fields(node):
        if isinstance(value, ast.expr):
            new = _substituted(value, values)
            changed |= new is not value
            fields[name] = new
        elif isinstance(value, list):
            items = [_substituted(v, values) if isinstance(v, ast.expr) else v for v in value]
            changed |= any(a is not b for a, b in zip(items, value, strict=True))
            fields[name] = items
        else:
            fields[name] = value
    if not changed:
        return node
    copy = type(node)(**fields)
    return ast.copy_location(copy, node)


def with_via(limits: tuple[Limit, ...] | list[Limit], name: str) -> tuple[Limit, ...]:
    return tuple(replace(lim, via=(name, *lim.via)) for lim in limits)


def _handlers_leave(node: ast.Try) -> bool:
    return bool(node.handlers) and all(ends_in_exit(h.body) for h in node.handlers)


def _collect_set_under(
    body: list[ast.stmt], tests: list[ast.expr], out: dict[str, list[ast.expr]]
) -> None:
    """Record, for each local assigned in an ``if`` branch, the tests that branch passed."""
    for stmt in body:
        if isinstance(stmt, ast.Assign) and tests:
            for target in stmt.targets:
                if isinstance(target, ast.Name) and not _is_falsy(stmt.value):
                    out.setdefault(target.id, []).extend(tests)
        elif isinstance(stmt, ast.If):
            _collect_set_under(stmt.body, [*tests, stmt.test], out)
            _collect_set_under(stmt.orelse, tests, out)
        elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
            _collect_set_under(stmt.body, tests, out)
            _collect_set_under(stmt.orelse, tests, out)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            _collect_set_under(stmt.body, tests, out)
        elif isinstance(stmt, ast.Try):
            for block in (stmt.body, *(h.body for h in stmt.handlers), stmt.orelse, stmt.finalbody):
                _collect_set_under(block, tests, out)


def _is_falsy(value: ast.expr) -> bool:
    """``error = None``, ``over = False``, ``count = 0``: a reset, not a signal."""
    return isinstance(value, ast.Constant) and not value.value


def _own_nodes(function: FunctionNode) -> list[ast.AST]:
    """The nodes of a function's body, without nested functions and classes."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = list(reversed(function.body))
    while stack:
        node = stack.pop()
        found.append(node)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return found


def _callee_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _unparse(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except (ValueError, RecursionError):  # pragma: no cover
        return "?"
