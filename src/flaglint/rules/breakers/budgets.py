"""Dispatches sized from the money left: a budget that every fill draws down.

``order_value(stock, context.portfolio.cash * 0.3)`` or ``quantity =
floor(portfolio.margin_remaining / price); market_order(symbol, quantity)``
spends a share of what the account still holds: repeated, the orders shrink as
the cash does, and their total never passes it. A fixed size
(``market_order(symbol, 100)``) has no such bound.

The size (an argument after the first, or a keyword naming a quantity, amount,
value, size or volume) must read the money left, directly or through a
local assigned in the same function (inside the loop, for a loop): a name made
of ``cash``, ``balance`` or ``funds``, or of ``buying`` and ``power``, or
``margin`` and ``remaining``.
"""

from __future__ import annotations

import ast

from flaglint.rules.breakers.latches import own_walk
from flaglint.rules.breakers.limits import call_name, name_words

_MONEY_LEFT = frozenset({"cash", "balance", "funds"})
_MONEY_LEFT_PAIRS = (("buying", "power"), ("margin", "remaining"))
# Keyword arguments that give an order's size.
_SIZE_WORDS = frozenset(
    {"qty", "quantity", "amount", "value", "size", "volume", "shares", "notional", "percent"}
)


def sized_from_budget(
    function: ast.AST, line: int, sink: str, within: tuple[int, int] | None = None
) -> bool:
    """Whether the sink call at ``line`` takes its size from the money left.

    In a loop (``within``: its lines) the money must be read on every pass: a
    size computed once before ``while order is None: order = buy(qty)`` is sent
    again as it was, drawn down by nothing.
    """
    bare = sink.rpartition(".")[2]
    nodes = own_walk(function)
    locals_: dict[str, list[ast.expr]] = {}
    for node in nodes:
        if within is not None and not within[0] <= getattr(node, "lineno", 0) <= within[1]:
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    locals_.setdefault(target.id, []).append(node.value)
    for node in nodes:
        if isinstance(node, ast.Call) and node.lineno == line and call_name(node) == bare:
            # The size, not what the order is for: an account or symbol argument
            # (``account=context.cash_account``) that names money sizes nothing.
            arguments = [
                *node.args[1:],
                *(k.value for k in node.keywords if k.arg and _SIZE_WORDS & set(name_words(k.arg))),
            ]
            if any(_reads_money_left(a, locals_, set()) for a in arguments):
                return True
    return False


def _reads_money_left(expr: ast.expr, locals_: dict[str, list[ast.expr]], seen: set[str]) -> bool:
    for node in ast.walk(expr):
        name = ""
        if isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.Name):
            name = node.id
            if name not in seen and any(
                _reads_money_left(v, locals_, seen | {name}) for v in locals_.get(name, [])
            ):
                return True
        if name and _money_left(name):
            return True
    return False


def _money_left(identifier: str) -> bool:
    words = name_words(identifier)
    if _MONEY_LEFT & set(words):
        return True
    return any(all(w in words for w in pair) for pair in _MONEY_LEFT_PAIRS)
