"""Loops that page through what they read: a cursor moved on from each page.

``while ids: apply_async(ids); cursor = ids[-1]; ids = batch_ids(qs, cursor)``
ends with the pages it reads, as a keyset pagination does.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from flaglint.rules.breakers.latches import own_walk
from flaglint.rules.breakers.limits import call_name, unparse


def pages(loop: ast.While, line: int, is_sink: Callable[[str], bool]) -> bool:
    """``page = read(after=last); if not page: break; last = page[-1]``: a cursor read.

    The pass reads a page with a call given a cursor, breaks once the page is
    empty (or the loop is ``while page:`` and the pass reads the next page), and
    moves the cursor on from an element of the page (``last = page[-1].id``) or
    by a step (``offset += size``): it ends with what it reads.
    The read is no dispatch (``filled = send_order(qty); if not filled: break;
    qty = filled`` sends until an order fails), and a cursor set to the page
    itself moves nowhere a page says.
    """
    # (page, its reads, whether a step counts): a ``while page:`` loop must move its
    # cursor from an element of the page (``while price: ...; attempt += 1`` is no page).
    candidates: list[tuple[str, list[ast.expr], bool]] = []
    for stmt in loop.body:
        if not (isinstance(stmt, ast.If) and stmt.body and isinstance(stmt.body[-1], ast.Break)):
            continue
        test = stmt.test
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            if isinstance(test.operand, ast.Name):
                before = loop.body[: loop.body.index(stmt)]
                candidates.append((test.operand.id, _reads_of(test.operand.id, before), True))
    if isinstance(loop.test, ast.Name):  # ``while ids: ...; ids = read(cursor)``
        candidates.append((loop.test.id, _reads_of(loop.test.id, loop.body), False))
    return any(
        reads
        and not _dispatches_in(reads[-1], line, is_sink)
        and _cursor_moves(loop, page, reads, steps)
        for page, reads, steps in candidates
    )


def _reads_of(page: str, block: list[ast.stmt]) -> list[ast.expr]:
    """The calls assigned to ``page`` by the statements of ``block``."""
    return [
        s.value
        for s in block
        if isinstance(s, ast.Assign)
        and [unparse(t) for t in s.targets] == [page]
        and any(isinstance(c, ast.Call) for c in ast.walk(s.value))
    ]


def _cursor_moves(loop: ast.While, page: str, reads: list[ast.expr], steps: bool) -> bool:
    """A name given to the read moves on from an element of the page, or by a step."""
    given = {n.id for n in ast.walk(reads[-1]) if isinstance(n, ast.Name)} - {page}
    for node in (n for s in loop.body for n in own_walk(s)):
        moved = ""
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            if _element_of(node.value, page):
                moved = unparse(node.targets[0])
        elif steps and isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
            moved = unparse(node.target)
        if moved and moved in given:
            return True
    return False


def _dispatches_in(value: ast.expr, line: int, is_sink: Callable[[str], bool]) -> bool:
    """The read holds the dispatch itself, or a call named like a sink."""
    if value.lineno <= line <= (value.end_lineno or value.lineno):
        return True
    return any(isinstance(c, ast.Call) and is_sink(call_name(c)) for c in ast.walk(value))


def _element_of(value: ast.expr, page: str) -> bool:
    """``page[-1]``, ``page[-1].id``, ``page[-1]["id"]``: something read out of the page."""
    return any(
        isinstance(n, ast.Subscript) and isinstance(n.value, ast.Name) and n.value.id == page
        for n in ast.walk(value)
    )
