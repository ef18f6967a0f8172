"""Loops, the checks that can end them, and the calls inside them.

This is a mixin of :class:`~flaglint.facts.collector.FactCollector`, not a
second walk: the collector's visit methods call the ``_loop_*`` hooks below
where a function is entered or left, a test is made, a loop opens or closes,
an exit is taken, a value is assigned and a call is recorded. The records
(:class:`Check`, :class:`Loop`, :class:`CallContext`,
:class:`FunctionOutcomes`) are what the circuit-breaker rules read.

Work done here is proportional to what it describes: argument names are
walked only for calls inside loops, assigned values only inside loops, and a
test's source text is kept only when it compares with a bound.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from flaglint.facts.model import Call, CallContext, Check, Exit, FunctionOutcomes, Loop, record
from flaglint.facts.syntax import ends_in_exit, names_in

# Calls whose result is the next item of a feed: a loop that passes that item
# on dispatches each one once, like a ``for`` over the feed.
RECEIVERS = frozenset(
    {
        "get",
        "get_nowait",
        "recv",
        "recv_json",
        "recv_string",
        "recv_multipart",
        "receive",
        "receive_json",
        "get_message",
        "pop",
        "popleft",
        "read",
        "readline",
        "next",
        "__next__",
        "dequeue",
        "consume",
        "take",
        "accept",
    }
)
ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
INFINITE_ITERATORS = frozenset({"count", "cycle"})
PASS_THROUGH_ITERATORS = frozenset({"enumerate", "reversed", "sorted", "list", "tuple", "set"})

LocalBound = tuple[bool, tuple[int, ...]]
# Values whose truth a later test of the local reads (see ``_bound_info``).
_TESTED_VALUES = frozenset({ast.Compare, ast.BoolOp, ast.UnaryOp, ast.Call, ast.Await})


def is_bound_compare(node: ast.Compare) -> bool:
    """``sent < limit``, ``filled >= parent.qty``, ``remaining == 0``.

    Ordering comparisons always count. Equality counts against a number or
    between two computed values (``filled == parent.qty``,
    ``status == Status.FILLED``), not against a string, ``None`` or a bool:
    those select a kind of message, they do not count anything.
    """
    for op, left, right in zip(
        node.ops, (node.left, *node.comparators), node.comparators, strict=False
    ):
        if isinstance(op, ORDERING):
            return True
        if isinstance(op, (ast.Eq, ast.NotEq)):
            literals = [s for s in (left, right) if isinstance(s, ast.Constant)]
            if not literals:
                return True
            value = literals[0].value
            if len(literals) == 1 and type(value) in (int, float):
                return True
    return False


def iterator_shape(node: ast.expr) -> str:
    """How many passes a ``for`` over ``node`` makes: bounded, infinite or unknown."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set, ast.Dict, ast.Constant, ast.JoinedStr)):
        return "bounded"
    if not isinstance(node, ast.Call):
        return "unknown"
    func = node.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if name == "range":
        return "bounded"
    if name in INFINITE_ITERATORS:
        return "infinite"
    if name == "repeat" and len(node.args) == 1 and not node.keywords:
        return "infinite"
    if name == "iter" and len(node.args) == 2:
        return "infinite"
    if name == "islice" and len(node.args) >= 2:
        return "bounded"
    if name in PASS_THROUGH_ITERATORS and node.args:
        return iterator_shape(node.args[0])
    if name == "zip" and node.args:
        shapes = {iterator_shape(a) for a in node.args}
        if "bounded" in shapes:
            return "bounded"
        return "infinite" if shapes == {"infinite"} else "unknown"
    return "unknown"


def _names(nodes: Iterable[ast.AST]) -> set[str]:
    """Every name used anywhere in ``nodes``."""
    found: set[str] = set()
    for node in nodes:
        # Most call arguments are a name, a constant or an attribute chain on
        # a name: answered without a walk.
        while node.__class__ is ast.Attribute:
            node = node.value  # type: ignore[attr-defined]
        if node.__class__ is ast.Name:
            found.add(node.id)  # type: ignore[attr-defined]
        elif node.__class__ is not ast.Constant:
            found.update(names_in(node))
    return found


def _is_receive(value: ast.expr) -> bool:
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in RECEIVERS


class LoopFactsMixin:
    """State and hooks for loop facts; the collector provides ``calls`` and ``scope``."""

    calls: list[Call]
    _call_index: dict[int, int]

    @property
    def scope(self) -> str:  # pragma: no cover - provided by the collector
        raise NotImplementedError

    def _loops_init(self) -> None:
        self.checks: list[Check] = []
        self.loops: list[Loop] = []
        self.contexts: list[CallContext] = []
        self.outcomes: list[FunctionOutcomes] = []
        # Checks dominating the code being visited, within the current function.
        self._on_checks: tuple[int, ...] = ()
        self._open_loops: list[int] = []
        self._loop_exits: dict[int, list[Exit]] = {}
        # Per open loop: names holding this pass's item.
        self._fresh: dict[int, set[str]] = {}
        self._bound_locals: list[dict[str, LocalBound]] = [{}]
        self._stmt_checks: dict[int, int] = {}
        self._fn_returns: list[list[str]] = []
        self._fn_return_calls: list[list[int]] = []
        self._fn_raise_checks: list[set[int]] = []
        self._fn_return_checks: list[set[int]] = []
        self._fn_counters: list[set[str]] = []

    # ------------------------------------------------------------- functions
    def _loop_enter_function(self) -> tuple[tuple[int, ...], list[int]]:
        saved = (self._on_checks, self._open_loops)
        self._on_checks = ()
        self._open_loops = []
        self._bound_locals.append({})
        self._fn_returns.append([])
        self._fn_return_calls.append([])
        self._fn_raise_checks.append(set())
        self._fn_return_checks.append(set())
        self._fn_counters.append(set())
        return saved

    def _loop_leave_function(self, qualname: str, saved: tuple[tuple[int, ...], list[int]]) -> None:
        self._on_checks, self._open_loops = saved
        self._bound_locals.pop()
        returns = self._fn_returns.pop()
        return_calls = self._fn_return_calls.pop()
        raises = self._fn_raise_checks.pop()
        return_checks = self._fn_return_checks.pop()
        counters = self._fn_counters.pop()
        if returns or raises or counters:
            self.outcomes.append(
                FunctionOutcomes(
                    qualname,
                    tuple(returns),
                    tuple(return_calls),
                    tuple(sorted(raises)),
                    tuple(sorted(return_checks)),
                    tuple(sorted(counters)),
                )
            )

    # ---------------------------------------------------------------- checks
    def _loop_check(self, kind: str, test: ast.expr | None, line: int) -> int:
        bound, calls = self._bound_info(test) if test is not None else (False, ())
        constant = bool(test.value) if isinstance(test, ast.Constant) else None
        text = ast.unparse(test)[:80] if bound and test is not None else ""
        names = _truth_names(test) if test is not None and not bound else ()
        self.checks.append(Check(line, kind, bound, calls, constant, text, names, self.scope))
        return len(self.checks) - 1

    def _loop_count(self, target: ast.expr, value: ast.expr | None, op: ast.operator) -> None:
        """Note ``n += x`` and ``n = n - x``: a local that counts."""
        if not self._fn_counters or not isinstance(target, ast.Name):
            return
        if value is not None:
            if not isinstance(value, ast.BinOp):
                return
            op = value.op
            if target.id not in _names([value]):
                return
        if isinstance(op, (ast.Add, ast.Sub)):
            self._fn_counters[-1].add(target.id)

    def _bound_info(self, node: ast.expr) -> LocalBound:
        """Whether ``node`` compares with a bound, and the calls it tests."""
        bound = False
        calls: list[int] = []
        stack = [node]
        while stack:
            item = stack.pop()
            kind = item.__class__
            if kind is ast.Call:
                index = self._call_index.get(id(item))
                if index is not None:
                    calls.append(index)
            elif kind is ast.Name:
                local = self._bound_locals[-1].get(item.id)  # type: ignore[attr-defined]
                if local is not None:
                    bound = bound or local[0]
                    calls.extend(local[1])
            elif kind is ast.BoolOp:
                stack.extend(item.values)  # type: ignore[attr-defined]
            elif kind is ast.UnaryOp:
                if item.op.__class__ is ast.Not:  # type: ignore[attr-defined]
                    stack.append(item.operand)  # type: ignore[attr-defined]
            elif kind is ast.Await or kind is ast.NamedExpr:
                stack.append(item.value)  # type: ignore[attr-defined]
            elif kind is ast.Compare:
                bound = bound or is_bound_compare(item)  # type: ignore[arg-type]
        return bound, tuple(calls)

    def _loop_try_check(self, node: ast.Try) -> int | None:
        """A check for a ``try`` whose handlers leave the block, filled in after the body."""
        if not any(ends_in_exit(h.body) for h in node.handlers):
            return None
        index = self._loop_check("try", None, node.lineno)
        self._stmt_checks[id(node)] = index
        return index

    def _loop_try_body_done(self, check: int, first_call: int) -> None:
        self.checks[check] = self.checks[check]._replace(
            calls=tuple(range(first_call, len(self.calls)))
        )

    # ----------------------------------------------------------------- loops
    def _loop_open(self, node: ast.While | ast.For | ast.AsyncFor, shape: str, test: int) -> int:
        index = len(self.loops)
        parent = self._open_loops[-1] if self._open_loops else -1
        kind = "while" if isinstance(node, ast.While) else "for"
        end = node.end_lineno or node.lineno
        self.loops.append(Loop(kind, node.lineno, end, self.scope, shape, test, (), parent))
        fresh: set[str] = set()
        if not isinstance(node, ast.While):
            fresh = _names([node.target])
            # ``for o in batch`` where ``batch`` is this pass's item of an outer loop.
            iterated = _names([node.iter])
            for outer in self._open_loops:
                if self._fresh[outer] & iterated:
                    self._fresh[outer] |= fresh
        self._open_loops.append(index)
        self._loop_exits[index] = []
        self._fresh[index] = fresh
        return index

    def _loop_close(self, index: int) -> None:
        self._open_loops.pop()
        self._fresh.pop(index)
        exits = tuple(self._loop_exits.pop(index))
        self.loops[index] = self.loops[index]._replace(exits=exits)

    def _loop_exit(self, kind: str, line: int) -> None:
        leaves = self._open_loops if kind in ("return", "raise") else self._open_loops[-1:]
        for loop in leaves:
            self._loop_exits[loop].append(Exit(kind, line, self._on_checks))
        if kind == "raise" and self._fn_raise_checks:
            self._fn_raise_checks[-1].update(self._on_checks)

    def _loop_return(self, value: ast.expr | None, line: int) -> None:
        self._loop_exit("return", line)
        if not self._fn_returns:
            return
        self._fn_return_checks[-1].update(self._on_checks)
        if value is None:
            kind = "none"
        elif isinstance(value, ast.Constant):
            kind = "constant"
        else:
            bound, calls = self._bound_info(value)
            kind = "bound" if bound else "call" if calls else "other"
            if kind == "call":
                self._fn_return_calls[-1].extend(calls)
        self._fn_returns[-1].append(kind)

    # ----------------------------------------------------------- assignments
    def _loop_assign(self, names: list[str], value: ast.expr) -> None:
        kind = value.__class__
        if len(names) == 1 and kind is ast.BinOp:
            self._loop_count(ast.Name(names[0]), value, value.op)  # type: ignore[attr-defined]
        locals_ = self._bound_locals[-1]
        if kind in _TESTED_VALUES:
            info = self._bound_info(value)
            for name in names:
                locals_[name] = info
        else:
            for name in names:
                locals_.pop(name, None)
        if not self._open_loops or not names:
            return
        if _is_receive(value):
            self._fresh[self._open_loops[-1]].update(names)
            return
        used = _names([value])
        for loop in self._open_loops:
            if self._fresh[loop] & used:
                self._fresh[loop].update(names)

    # ----------------------------------------------------------------- calls
    def _loop_call(self, node: ast.Call, index: int) -> None:
        if not self._open_loops and not self._on_checks:
            return
        items: tuple[int, ...] = ()
        if self._open_loops:
            used = _names([node.func, *node.args, *(k.value for k in node.keywords)])
            used.discard("self")
            if used:
                items = tuple(loop for loop in self._open_loops if self._fresh[loop] & used)
        self.contexts.append(
            record(CallContext, (index, tuple(self._open_loops), items, self._on_checks))
        )


def _truth_names(test: ast.expr) -> tuple[str, ...]:
    """``x``, ``not x``, ``x and not y``: the plain names a test checks for truth."""
    names: list[str] = []
    stack = [test]
    while stack:
        item = stack.pop()
        if isinstance(item, ast.Name):
            names.append(item.id)
        elif isinstance(item, ast.UnaryOp) and isinstance(item.op, ast.Not):
            stack.append(item.operand)
        elif isinstance(item, ast.BoolOp):
            stack.extend(item.values)
    return tuple(names)
