"""Retry loops that end once the dispatch answers.

``while order is None: order = place(...)`` sends again only until an answer
comes back, unless a handler in the loop swallows the errors that would
otherwise end it. The test must wait for an answer (``is None``, ``not x``,
``x == []``) that the dispatch itself gives: not a field of it (``done =
place().filled``), not ``filled == 0``, and not ``while accepted: accepted =
place(...)``, which goes on for as long as the dispatches are answered.
"""

from __future__ import annotations

import ast

from flaglint.rules.breakers.latches import own_walk


def retries_until_answer(loop: ast.While, line: int) -> bool:
    """Whether ``loop`` waits for the answer of the dispatch on ``line``."""
    tested = _waited_for(loop.test)
    answered = False
    for node in (n for s in loop.body for n in own_walk(s)):
        if isinstance(node, ast.Try) and not all(
            h.body and isinstance(h.body[-1], ast.Raise) for h in node.handlers
        ):
            return False  # a handler that swallows errors retries for ever
        if not isinstance(node, ast.Assign):
            continue
        value = node.value.value if isinstance(node.value, ast.Await) else node.value
        # The dispatch's answer itself (``order = place(...)``), not a field of it
        # (``done = place(...).filled`` waits for a fill, which is no answer).
        if isinstance(value, ast.Call) and node.value.lineno <= line <= (
            node.value.end_lineno or node.value.lineno
        ):
            targets = {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            answered = answered or bool(targets & tested)
    return answered


def _waited_for(test: ast.expr) -> set[str]:
    """The names a loop test waits to see answered: ``x is None``, ``not x``, ``x == []``."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return {n.id for n in ast.walk(test.operand) if isinstance(n, ast.Name)}
    if isinstance(test, ast.BoolOp):
        parts = [_waited_for(v) for v in test.values]
        if isinstance(test.op, ast.And):  # it stops once any waited-for name is answered
            return set().union(*parts)
        return set.intersection(*parts)  # `or`: every alternative must wait for it
    if (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], (ast.Is, ast.Eq))
        and _empty(test.comparators[0])
    ):
        return {n.id for n in ast.walk(test.left) if isinstance(n, ast.Name)}
    return set()


def _empty(node: ast.expr) -> bool:
    """``None``, ``""`` or an empty literal collection."""
    if isinstance(node, ast.Constant):  # not 0 or False: ``filled == 0`` waits for a fill
        return node.value is None or node.value == "" or node.value == b""
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return not node.elts
    return isinstance(node, ast.Dict) and not node.keys
