"""Guards that the dispatch closes behind itself, and loops that drain a finite collection.

Two shapes seen in real strategies and notifiers that bound a repeated dispatch
without any count or limit in sight:

* a **latch**: a check tests some state (``if not self.order_placed``, ``if not
  self.pending_id``, ``self.side == 0``) and the branch that dispatches sets that
  same state, to a constant or to the dispatch's own result (``self.order_placed
  = True``, ``self.pending_id = self.buy(...)``, directly or in the helper that
  dispatches), so the check closes until something else (a fill, a cancel, the
  other side of a ping-pong) opens it again: one order in flight at a time, not a
  flood;
* a **drain**: ``while targets: target = targets.pop(0)`` takes one item of a
  collection per pass and never adds to it, so it ends with the collection.

A latch in a handler must persist between calls: an attribute of ``self``,
``cls`` or the handler's first parameter (the context object a framework hands
to every call: ``handle_bar(context, bar)`` tests ``context.fired``) or a
``global``; a local reset on every call closes nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from flaglint.facts.syntax import ends_in_exit
from flaglint.rules.breakers.limits import call_name, name_words, unparse

_TAKES = frozenset({"pop", "popleft", "popitem"})
_TAKES_FROM = frozenset({"heappop"})  # heapq.heappop(items)
_ADDS = frozenset({"append", "appendleft", "extend", "extendleft", "insert", "add", "put"})
# Builtins that read what they are given; any other call given the collection may refill it.
_READS = frozenset(
    {"len", "bool", "list", "tuple", "set", "sorted", "min", "max", "sum", "any", "all", "print"}
    | {"repr", "str", "isinstance", "enumerate", "iter", "next"}
)

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)

# One condition on a term: ("truth" | "eq" | "is", constant, whether it must hold).
_Condition = tuple[str, object, bool]


def latched(
    function: ast.AST,
    line: int,
    sink: str,
    helper: ast.AST | None = None,
    within: tuple[int, int] | None = None,
    persistent: bool = True,
) -> bool:
    """Whether a check around ``line`` tests state that its dispatching branch sets,
    and nothing reopens it (see ``_reopened``)."""
    sink_name = sink.rpartition(".")[2]
    for test, branch, holds in enclosing_branches(function, line):
        if within is not None and not within[0] <= test.lineno <= within[1]:
            continue
        tested = _state_terms(test, function if persistent else None)
        opened = _opened_by(test, holds)
        if not tested or not opened:
            continue
        calls = {sink_name}
        nodes = [n for stmt in branch for n in own_walk(stmt)]
        if helper is not None:
            # The dispatch goes through a project function: it may set the state itself.
            nodes += own_walk(helper)
            calls.add(getattr(helper, "name", ""))
        closed = {
            name
            for node in nodes
            for name, value in _assignments(node)
            if name in tested and _closes(name, value, calls, opened)
        }
        closed -= _reopened(function, helper, test, line, branch, within, calls, opened)
        if closed:
            return True
    return False


def while_flat(
    function: ast.AST,
    line: int,
    words: frozenset[str],
    is_sink: Callable[[str], bool],
    within: tuple[int, int] | None = None,
) -> bool:
    """A check around ``line`` lets the dispatch run only while a position is empty.

    ``if not self.position: buy()`` enters once per position, as ``if self.pos ==
    0:`` does (a comparison, a bound already); ``words`` name a position
    (``position-words``), matched against the parts of the term's last name. The
    other arm of the same test counts too when the flat arm dispatches: ``if not
    self.position: buy() else: sell()`` exits while holding and enters while flat,
    one order per change of position, as a ping-pong does.

    Only a check inside the repeated context counts (``within``, the lines of a
    loop; a handler's whole body): ``if not self.position: while True: buy()``
    tests once and then sends on every pass.
    """
    other_arms = {id(t): arm for t, arm, _h in enclosing_branches(function, line, other=True)}
    for test, _branch, holds in enclosing_branches(function, line):
        if within is not None and not within[0] < test.lineno <= within[1]:
            continue
        for term, conditions in _opened_by(test, holds).items():
            if not set(name_words(term.rpartition(".")[2])) & words:
                continue
            if ("truth", True, False) in conditions or ("eq", 0, True) in conditions:
                return True  # ``not positions``, ``len(positions) == 0``
            # ``if not self.position: buy() else: sell()``: the exit while holding
            # alternates with the entry while flat, as a ping-pong does.
            arm = other_arms.get(id(test), [])
            if ("truth", True, True) in conditions and _dispatches(arm, is_sink):
                return True
    return False


def _dispatches(body: list[ast.stmt], is_sink: Callable[[str], bool]) -> bool:
    return any(
        isinstance(n, ast.Call) and is_sink(call_name(n)) for stmt in body for n in own_walk(stmt)
    )


def drains(loop: ast.While, method: Callable[[str], ast.AST | None] | None = None) -> bool:
    """``while items: item = items.pop()``: one item taken on every pass, none added.

    The take must be a direct statement of the loop body (not under a test). A
    call given the collection (``heapq.heappush(items, x)``) may refill it, and so
    may a ``self.`` method (``method`` finds it; unknown counts as a refill) that
    adds to a collection held by ``self``.
    """
    inner = {id(n.value) for n in ast.walk(loop.test) if isinstance(n, ast.Attribute)}
    subjects = {
        unparse(n)
        for n in ast.walk(loop.test)
        if isinstance(n, (ast.Name, ast.Attribute)) and id(n) not in inner
    } - _READS
    if not any(_takes(stmt, subjects) for stmt in loop.body):
        return False
    held = {s.partition(".")[2] for s in subjects if s.startswith("self.")}
    for node in (n for stmt in loop.body for n in own_walk(stmt)):
        if _refills(node, subjects):
            return False
        if held and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if unparse(node.func.value) == "self":
                found = method(node.func.attr) if method is not None else None
                if found is None or any(_refills(n, subjects) for n in own_walk(found)):
                    return False
    return True


def _takes(stmt: ast.stmt, subjects: set[str]) -> bool:
    """``items.pop()``, ``x = items.pop(0)`` or ``heappop(items)`` as a statement."""
    if not isinstance(stmt, (ast.Expr, ast.Assign, ast.AnnAssign)):
        return False
    value = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    if isinstance(func, ast.Attribute) and unparse(func.value) in subjects:
        return func.attr in _TAKES
    return (
        call_name(value) in _TAKES_FROM and bool(value.args) and unparse(value.args[0]) in subjects
    )


def _refills(node: ast.AST, subjects: set[str]) -> bool:
    """An add to, an assignment of, or a call given the collection."""
    if isinstance(node, ast.Call):
        name = call_name(node)
        func = node.func
        if isinstance(func, ast.Attribute) and unparse(func.value) in subjects:
            return name not in _TAKES
        given = [*node.args, *(k.value for k in node.keywords)]
        if name not in _READS and name not in _TAKES_FROM:
            return any(unparse(a) in subjects for a in given)
        return False
    return any(name in subjects for name, _ in _assignments(node))


def enclosing_branches(
    function: ast.AST, line: int, other: bool = False
) -> list[tuple[ast.expr, list[ast.stmt], bool]]:
    """(test, branch, whether the test holds there) of each ``if`` around ``line``;
    with ``other``, the arm of each such ``if`` that does not hold ``line``."""
    found = []
    for node in own_walk(function):
        if isinstance(node, ast.If):
            arms = ((node.body, True), (node.orelse, False))
            for index, (branch, holds) in enumerate(arms):
                if branch and branch[0].lineno <= line <= (branch[-1].end_lineno or line):
                    if not other:
                        found.append((node.test, branch, holds))
                    elif arms[1 - index][0]:
                        found.append((node.test, arms[1 - index][0], not holds))
    for guard, rest in _exit_guards(function, line):
        found.append((guard.test, guard.body if other else rest, other))
    return found


def _exit_guards(function: ast.AST, line: int) -> list[tuple[ast.If, list[ast.stmt]]]:
    """``if self.order: return`` ahead of ``line`` in a block that holds it: (guard, the
    statements after it). The dispatch runs only when the test fails, as in the ``else``
    of ``if not self.order: ...``; the guard's own body is its other arm."""
    found = []
    for node in own_walk(function):
        if node is not function and isinstance(node, _SCOPES):
            continue
        for block in _blocks(node):
            for index, stmt in enumerate(block):
                if not (stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno)):
                    continue
                for at, guard in enumerate(block[:index]):
                    if isinstance(guard, ast.If) and not guard.orelse and ends_in_exit(guard.body):
                        found.append((guard, block[at + 1 :]))
    return found


def _blocks(node: ast.AST) -> list[list[ast.stmt]]:
    """The statement lists a node holds directly (bodies, ``else``, ``finally``, handlers)."""
    blocks = [
        getattr(node, field)
        for field in ("body", "orelse", "finalbody")
        if isinstance(getattr(node, field, None), list)
    ]
    if isinstance(node, ast.Try):
        blocks.extend(h.body for h in node.handlers)
    if isinstance(node, ast.Match):
        blocks.extend(c.body for c in node.cases)
    return [b for b in blocks if b and isinstance(b[0], ast.stmt)]


def _state_terms(test: ast.expr, function: ast.AST | None) -> set[str]:
    """The state a test reads: attributes of ``self``/``cls`` and, unless persistence
    is required, plain names (``global`` names always count)."""
    declared: set[str] = set()
    owners = {"self", "cls"}
    if function is not None:
        for node in own_walk(function):
            if isinstance(node, ast.Global):
                declared.update(node.names)
        owners.update(_first_parameter(function))
    terms = set()
    for node in ast.walk(test):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in owners:
                terms.add(unparse(node))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if function is None or node.id in declared:
                terms.add(node.id)
    return terms


def _first_parameter(function: ast.AST) -> list[str]:
    """The first parameter: ``self`` of a method, the context object of a plain handler."""
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    params = [*function.args.posonlyargs, *function.args.args]
    return [params[0].arg] if params else []


def _opened_by(test: ast.expr, holds: bool = True) -> dict[str, list[_Condition]]:
    """What each term must be for the test to come out ``holds`` (the branch to run).

    Understood: a term, ``not``, a comparison with a constant (``==``, ``!=``,
    ``is``, ``is not``), and a conjunction (``and``/``&`` where the test holds,
    ``or``/``|`` where it fails). Any other shape (``a or b`` before the dispatch)
    says nothing, and then no constant closes the latch.
    """
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _opened_by(test.operand, not holds)
    if isinstance(test, (ast.Name, ast.Attribute)):
        return {unparse(test): [("truth", True, holds)]}
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op, right = test.ops[0], test.comparators[0]
        if isinstance(right, ast.Constant) and isinstance(
            op, (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)
        ):
            kind = "eq" if isinstance(op, (ast.Eq, ast.NotEq)) else "is"
            must = holds if isinstance(op, (ast.Eq, ast.Is)) else not holds
            return {unparse(test.left): [(kind, right.value, must)]}
        return {}
    parts: list[ast.expr] = []
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And if holds else ast.Or):
        parts = test.values
    elif isinstance(test, ast.BinOp) and isinstance(test.op, ast.BitAnd if holds else ast.BitOr):
        parts = [test.left, test.right]
    merged: dict[str, list[_Condition]] = {}
    for part in parts:
        for term, conditions in _opened_by(part, holds).items():
            merged.setdefault(term, []).extend(conditions)
    return merged


def _keeps_open(conditions: list[_Condition], value: object) -> bool:
    for kind, constant, must in conditions:
        if kind == "truth":
            met = bool(value)
        elif kind == "eq":
            met = value == constant
        else:
            met = type(value) is type(constant) and value == constant
        if met != must:
            return False
    return True


def _assignments(node: ast.AST) -> list[tuple[str, ast.expr | None]]:
    """(target, value) of an assignment; value None when it is not known (``+=``, unpacking)."""
    if isinstance(node, ast.Assign):
        pairs: list[tuple[str, ast.expr | None]] = []
        for target in node.targets:
            if isinstance(target, (ast.Tuple, ast.List)):
                pairs.extend((unparse(e), None) for e in target.elts)
            else:
                pairs.append((unparse(target), node.value))
        return pairs
    if isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
        value = node.value if isinstance(node, (ast.AnnAssign, ast.NamedExpr)) else None
        return [(unparse(node.target), value)]
    return []


def _closes(
    name: str, value: ast.expr | None, calls: set[str], opened: dict[str, list[_Condition]]
) -> bool:
    """A constant that fails the test, or the dispatch's own result, closes ``name``."""
    if name not in opened or value is None:
        return False
    if isinstance(value, ast.Constant):
        return not _keeps_open(opened[name], value.value)
    return _dispatch_result(value, calls)


def _reopened(
    function: ast.AST,
    helper: ast.AST | None,
    test: ast.expr,
    line: int,
    branch: list[ast.stmt],
    within: tuple[int, int] | None,
    calls: set[str],
    opened: dict[str, list[_Condition]],
) -> set[str]:
    """State assigned so that the test may pass again on the next call or pass.

    In a loop (``within``): any such assignment in the loop outside the closing
    branch, or in that branch after the dispatch. In a handler: one that runs on
    every call (a statement of the function under no test or loop), one that runs
    whenever the dispatch does, after it, and one in the plain ``else`` of the
    latch's own test. A reset under another test after the dispatch (once a
    cancel is sent, on a fill) is another event reopening it, as another handler
    would. In the helper that dispatches, any such assignment.
    """
    start, end = branch[0].lineno, branch[-1].end_lineno or branch[-1].lineno
    steady = _steady(getattr(function, "body", []))
    after = _steady(branch)
    for arm_test, arm, _holds in enclosing_branches(function, line, other=True):
        if arm_test is test and not (len(arm) == 1 and isinstance(arm[0], ast.If)):
            steady |= _steady(arm)
    found = set()
    for node in own_walk(function):
        for name, value in _assignments(node):
            if name not in opened or _closes(name, value, calls, opened):
                continue
            at = getattr(node, "lineno", 0)
            inside = start <= at <= end
            if within is not None:
                reopens = (within[0] <= at <= within[1] and not inside) or (inside and at > line)
            else:
                reopens = id(node) in steady or (id(node) in after and at > line)
            if reopens:
                found.add(name)
    if helper is not None:
        for node in own_walk(helper):
            found.update(
                name
                for name, value in _assignments(node)
                if name in opened and not _closes(name, value, calls, opened)
            )
    return found


def _steady(body: list[ast.stmt]) -> set[int]:
    """Ids of the statements that run whenever ``body`` does (through ``with`` and ``try``)."""
    found: set[int] = set()
    stack = list(body)
    while stack:
        stmt = stack.pop()
        found.add(id(stmt))
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            stack.extend(stmt.body)
        elif isinstance(stmt, ast.Try):
            stack.extend([*stmt.body, *stmt.orelse, *stmt.finalbody])
    return found


def _dispatch_result(value: ast.expr, calls: set[str]) -> bool:
    if isinstance(value, ast.Await):
        value = value.value
    return isinstance(value, ast.Call) and call_name(value) in calls


def own_walk(root: ast.AST) -> list[ast.AST]:
    """``root`` and what it holds, not entering nested functions or classes."""
    found: list[ast.AST] = []
    stack = [root]
    while stack:
        node = stack.pop()
        found.append(node)
        if node is not root and isinstance(
            node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
        ):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
    return found
