"""Dispatches the code expects to be refused: it raises as soon as one goes through.

``ticket = self.market_order("NOPE", 1)`` followed by ``if ticket.status !=
OrderStatus.INVALID: raise ...`` (not an ``assert``, which ``python -O`` removes)
tests that a bad order is rejected: the first one accepted ends the run, so no
position builds up however often the handler runs. The polarity is read from the
words of what the result is compared with: unequal to a refusal (``INVALID``,
``REJECTED``) or equal to an acceptance (``FILLED``, ``SUBMITTED``) raises on
success; ``if ticket.status == OrderStatus.INVALID: raise`` raises on failure and
bounds nothing, and a negated word (``NO_ERROR``, ``NOT_FILLED``) gives no polarity.
"""

from __future__ import annotations

import ast

from flaglint.rules.breakers.flats import innermost_block
from flaglint.rules.breakers.limits import name_words, unparse

_REFUSED = frozenset(
    {"invalid", "rejected", "reject", "error", "failed", "failure", "denied", "refused"}
)
_ACCEPTED = frozenset({"filled", "submitted", "accepted", "placed", "success", "successful"})
_NEGATIONS = frozenset({"no", "not", "non", "un", "none"})


def expects_refusal(function: ast.AST, line: int) -> bool:
    """The dispatch on ``line`` is assigned, and the next statement raises when it succeeded."""
    block = innermost_block(function, line)
    for index, stmt in enumerate(block[:-1]):
        if not stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno):
            continue
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
            return False
        if not isinstance(stmt.value, ast.Call) or stmt.value.lineno != line:
            return False
        result = unparse(stmt.targets[0])
        after = block[index + 1]
        if isinstance(after, ast.Assert):
            return False  # removed under ``python -O``: no bound in production
        if isinstance(after, ast.If) and not after.orelse and isinstance(after.body[-1], ast.Raise):
            return _compares(after.test, result, refused_when_true=False)
        return False
    return False


def _compares(test: ast.expr, result: str, refused_when_true: bool) -> bool:
    """``test`` compares ``result`` (or one of its attributes) with a refusal or an
    acceptance, and holds exactly when the dispatch was refused (``refused_when_true``)
    or exactly when it went through."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    left, right = test.left, test.comparators[0]
    if not _reads(left, result):
        left, right = right, left
    if not _reads(left, result) or _reads(right, result):
        return False
    words = set(name_words(unparse(right).rpartition(".")[2].strip("'\"")))
    if words & _NEGATIONS:
        return False  # ``NO_ERROR``, ``NOT_FILLED``: the polarity is not the word's
    equal = isinstance(test.ops[0], (ast.Eq, ast.Is))
    if not equal and not isinstance(test.ops[0], (ast.NotEq, ast.IsNot)):
        return False
    if words & _REFUSED:
        holds_when_refused = equal
    elif words & _ACCEPTED:
        holds_when_refused = not equal
    else:
        return False
    return holds_when_refused == refused_when_true


def _reads(node: ast.expr, result: str) -> bool:
    """``node`` is the result or an attribute read from it (``ticket.status``)."""
    text = unparse(node)
    return text == result or text.startswith(result + ".")
