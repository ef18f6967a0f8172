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

A latch in a handler must persist between calls: an attribute (``self.x``,
``cls.x``) or a ``global``; a local reset on every call closes nothing.
"""

from __future__ import annotations

import ast

from flaglint.rules.breakers.limits import unparse

_TAKES = frozenset({"pop", "popleft", "popitem"})
_ADDS = frozenset({"append", "appendleft", "extend", "extendleft", "insert", "add", "put"})


def latched(
    function: ast.AST,
    line: int,
    sink: str,
    helper: ast.AST | None = None,
    within: tuple[int, int] | None = None,
    persistent: bool = True,
) -> bool:
    """Whether a check around ``line`` tests state that its dispatching branch sets."""
    sink_name = sink.rpartition(".")[2]
    for test, branch in _enclosing_branches(function, line):
        if within is not None and not within[0] <= test.lineno <= within[1]:
            continue
        tested = _state_terms(test, function if persistent else None)
        if not tested:
            continue
        calls = {sink_name}
        nodes = [n for stmt in branch for n in own_walk(stmt)]
        if helper is not None:
            # The dispatch goes through a project function: it may set the state itself.
            nodes += own_walk(helper)
            calls.add(getattr(helper, "name", ""))
        if _closing_assignments(nodes, calls, tested, _opened_by(test)):
            return True
    return False


def drains(loop: ast.While) -> bool:
    """``while items: item = items.pop()``: one item taken per pass, none added."""
    subjects = {unparse(n) for n in ast.walk(loop.test) if isinstance(n, (ast.Name, ast.Attribute))}
    taken = added = False
    for node in (n for stmt in loop.body for n in own_walk(stmt)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if unparse(node.func.value) in subjects:
                taken = taken or node.func.attr in _TAKES
                added = added or node.func.attr in _ADDS
        elif isinstance(node, (ast.Assign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(unparse(t) in subjects for t in targets):
                added = True  # refilled or replaced: not a drain
    return taken and not added


def _enclosing_branches(function: ast.AST, line: int) -> list[tuple[ast.expr, list[ast.stmt]]]:
    """(test, branch) of each ``if`` whose branch holds ``line``, outermost first."""
    found = []
    for node in own_walk(function):
        if isinstance(node, ast.If):
            for branch in (node.body, node.orelse):
                if branch and branch[0].lineno <= line <= (branch[-1].end_lineno or line):
                    found.append((node.test, branch))
    return found


def _state_terms(test: ast.expr, function: ast.AST | None) -> set[str]:
    """The state a test reads: attributes of ``self``/``cls`` and, unless persistence
    is required, plain names (``global`` names always count)."""
    declared: set[str] = set()
    if function is not None:
        for node in own_walk(function):
            if isinstance(node, ast.Global):
                declared.update(node.names)
    terms = set()
    for node in ast.walk(test):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if node.value.id in ("self", "cls"):
                terms.add(unparse(node))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            if function is None or node.id in declared:
                terms.add(node.id)
    return terms


def _opened_by(test: ast.expr) -> dict[str, bool]:
    """For a plain test of one term, the truth the term must have to pass (else None)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return {unparse(test.operand): False}
    if isinstance(test, (ast.Name, ast.Attribute)):
        return {unparse(test): True}
    return {}


def _closing_assignments(
    nodes: list[ast.AST], calls: set[str], tested: set[str], opened: dict[str, bool]
) -> set[str]:
    """Tested state set to a constant or to the dispatch's result, so the test closes.

    A constant that keeps a plain test open (``if not self.busy: ...; self.busy =
    False``) closes nothing.
    """
    closed = set()
    for node in nodes:
        if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
            continue
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for name in {unparse(t) for t in targets} & tested:
            value = node.value
            if isinstance(value, ast.Constant):
                keeps_open = name in opened and bool(value.value) == opened[name]
                if not keeps_open:
                    closed.add(name)
            elif _dispatch_result(value, calls):
                closed.add(name)
    return closed


def _dispatch_result(value: ast.expr, calls: set[str]) -> bool:
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return False
    func = value.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name in calls


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
