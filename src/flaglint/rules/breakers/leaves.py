"""Dispatches that leave their loop right after they run: once per loop, not per pass.

``while True: wait(); if auction_open(): insert_order(...); break`` waits for a
moment and then sends one order: the ``break`` after the call ends the loop.
A call that ends the process (``sys.exit(1)``, ``os._exit(1)``) leaves too: a
watchdog that sends one alert and exits. The leave must follow the dispatch in
its own block or in an enclosing one inside the loop, with no ``continue``
before it that could skip it, and no inner loop in between (its ``break``
would end only the inner loop, and the inner loop repeats the call).
"""

from __future__ import annotations

import ast

_LEAVES = (ast.Break, ast.Return, ast.Raise)
# Not a bare ``exit``/``quit``: the site module's helpers, or any function of that name.
_EXITS = frozenset({"sys.exit", "os._exit", "os.abort"})
_LOOPS = (ast.For, ast.AsyncFor, ast.While)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def leaves_after(loop: ast.For | ast.AsyncFor | ast.While, line: int) -> bool:
    """Whether every pass that runs the dispatch at ``line`` then leaves ``loop``."""
    path = _blocks_to(loop.body, line)
    if path is None:
        return False
    # A retry: ``try: send() except ConnectionError: continue`` then ``break``
    # sends again on every failed pass; the leave bounds nothing.
    if any(_retries(block[index]) for block, index in path):
        return False
    for depth in range(len(path) - 1, -1, -1):
        block, index = path[depth]
        for stmt in block[index + 1 :]:
            if _may_continue(stmt):
                return False
            if isinstance(stmt, _LEAVES) or _exits(stmt):
                # A ``try`` around the leave whose handler swallows it stays in the loop.
                return not any(_swallows(path[d][0][path[d][1]], stmt) for d in range(depth))
    return False


def _swallows(enclosing: ast.stmt, leave: ast.stmt) -> bool:
    """``enclosing`` is a ``try`` holding ``leave`` in its body, with a handler that
    catches what the leave raises and does not raise again."""
    if not isinstance(enclosing, ast.Try):
        return False
    if not any(leave in list(ast.walk(s)) for s in enclosing.body):
        return False
    caught = {"BaseException", "SystemExit"} if _exits(leave) else {"BaseException", "Exception"}
    for handler in enclosing.handlers:
        names = (
            {ast.unparse(t).rpartition(".")[2] for t in _types(handler.type)}
            if handler.type is not None
            else {"BaseException"}
        )
        if names & caught and not any(isinstance(n, ast.Raise) for n in ast.walk(handler)):
            return True
    return False


def _types(node: ast.expr) -> list[ast.expr]:
    return list(node.elts) if isinstance(node, ast.Tuple) else [node]


def _exits(stmt: ast.stmt) -> bool:
    """``sys.exit(1)``, ``os._exit(1)``: a call that ends the process."""
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return False
    return ast.unparse(stmt.value.func) in _EXITS


def _blocks_to(block: list[ast.stmt], line: int) -> list[tuple[list[ast.stmt], int]] | None:
    """The blocks from ``block`` down to the statement at ``line``, with its index in each.

    None when the way down crosses an inner loop or a nested scope.
    """
    for index, stmt in enumerate(block):
        first, last = stmt.lineno, stmt.end_lineno or stmt.lineno
        if not first <= line <= last:
            continue
        if isinstance(stmt, (*_LOOPS, *_SCOPES)):
            return None
        for inner in _sub_blocks(stmt):
            if inner and inner[0].lineno <= line <= (inner[-1].end_lineno or inner[-1].lineno):
                below = _blocks_to(inner, line)
                return None if below is None else [(block, index), *below]
        return [(block, index)]
    return None


def _sub_blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    if isinstance(stmt, ast.If):
        return [stmt.body, stmt.orelse]
    if isinstance(stmt, (ast.With, ast.AsyncWith)):
        return [stmt.body]
    if isinstance(stmt, ast.Try):
        return [stmt.body, *(h.body for h in stmt.handlers), stmt.orelse, stmt.finalbody]
    if isinstance(stmt, ast.Match):
        return [case.body for case in stmt.cases]
    return []


def _retries(stmt: ast.stmt) -> bool:
    """A ``try`` whose handler or ``finally`` may go round the loop again."""
    if not isinstance(stmt, ast.Try):
        return False
    return any(_may_continue(s) for h in stmt.handlers for s in h.body) or any(
        _may_continue(s) for s in stmt.finalbody
    )


def _may_continue(stmt: ast.stmt) -> bool:
    """A ``continue`` of the loop in ``stmt`` (not of an inner loop) may skip the leave."""
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Continue):
            return True
        if isinstance(node, (*_LOOPS, *_SCOPES)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False
