"""Dispatches that leave a position flat, or build it up from flat on every pass.

``self.position.close()`` closes what the position holds: repeated, it orders
nothing more once the position is flat, as a target order does. An entry right
after such a close in the same block (``self.position.close(); self.buy(size=1)``,
a reversal) starts from flat each time: the position it leaves is the entry's
own size, however often the branch runs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable

from flaglint.rules.breakers.latches import own_walk
from flaglint.rules.breakers.limits import name_words, unparse

_CLOSE_WORDS = (["close"], ["close", "position"], ["close", "all"])


def closes_position(callee: str, position_words: Iterable[str]) -> bool:
    """``self.position.close()``, ``pos.close()``: a close on something named for a position.

    ``close`` alone says nothing (a file, a socket, a connection); the receiver's
    last name must be a position word (``position-words``).
    """
    receiver, _, method = callee.rpartition(".")
    if name_words(method) not in _CLOSE_WORDS or not receiver:
        return False
    return bool(set(name_words(receiver.rpartition(".")[2])) & set(position_words))


def enters_from_flat(function: ast.AST, line: int, position_words: Iterable[str]) -> bool:
    """A statement before ``line`` in the block that holds it closes the position.

    Only the innermost block counts, and only its own statements (not one under a
    test of their own): a close before a loop, or in one arm of an ``if``, does not
    flatten every pass.
    """
    words = frozenset(position_words)
    block = innermost_block(function, line)
    for stmt in block:
        if stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno):
            return False
        value = stmt.value if isinstance(stmt, ast.Expr) else None
        if isinstance(value, ast.Await):
            value = value.value
        if isinstance(value, ast.Call) and closes_position(unparse(value.func), words):
            return True
    return False


def innermost_block(function: ast.AST, line: int) -> list[ast.stmt]:
    """The statement list that directly holds the statement on ``line``."""
    best: list[ast.stmt] = []
    best_span = None
    for node in own_walk(function):
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            for stmt in block:
                if not isinstance(stmt, ast.stmt):
                    continue
                end = stmt.end_lineno or stmt.lineno
                if stmt.lineno <= line <= end:
                    span = end - stmt.lineno
                    if best_span is None or span <= best_span:
                        best, best_span = block, span
    return best
