"""Dispatches that leave a position flat, or build it up from flat on every pass.

``self.position.close()`` closes what the position holds: repeated, it orders
nothing more once the position is flat, as a target order does. An entry right
after such a close in the same block (``self.position.close(); self.buy(size=1)``,
a reversal) starts from flat each time: the position it leaves is the entry's
own size, however often the branch runs. A sell of the quantity a position
holds (``submit_order(side="sell", qty=self.position.qty)``) closes it too.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable

from flaglint.rules.breakers.latches import own_walk
from flaglint.rules.breakers.limits import call_name, name_words, unparse

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
    if _names_an_instrument(function, line):
        return False  # ``close(); submit_order(symbol="ABC")``: flat is not ABC's
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


def orders_to_target(sink: str) -> bool:
    """A sink named for a target order (``order_target_percent``, ``orderTargetValue``,
    ``set_target_volume``).

    It orders the difference between the position and a target, nothing once the
    position is there. ``order`` must come right before ``target``, or the name
    must start by setting a target, or close everything (``sell_all``,
    ``liquidate``: the target is flat): ``send_order_to_target`` sends a whole
    order to wherever the target is.
    """
    words = name_words(sink.rpartition(".")[2])
    if words[:2] == ["set", "target"] or words == ["liquidate"]:
        return True
    if words[:1] in (["sell"], ["close"], ["liquidate"], ["flatten"]) and "all" in words:
        return True  # ``sell_all``, ``close_all_positions``: the target is flat
    return any(pair == ("order", "target") for pair in zip(words, words[1:], strict=False))


_QUANTITY_WORDS = frozenset({"qty", "quantity", "size", "amount", "volume", "shares", "units"})
_SELL_SIDES = frozenset({"sell", "ask"})


def sells_what_is_held(
    function: ast.AST,
    is_sink: Callable[[str], bool],
    position_words: Iterable[str],
    line: int | None = None,
) -> bool:
    """Every sink call in ``function`` (or the one on ``line``) sells what a position holds.

    ``submit_order(side="sell", qty=self.position.qty)``, or the same through
    ``params = dict(side="sell", qty=...)`` and ``submit_order(**params)``: the
    order closes the position, as ``self.position.close()`` does. The side must
    be a sell (a ``side`` given as ``"sell"``, or ``sell`` in the sink's name):
    buying the held quantity doubles the position.
    """
    words = frozenset(position_words)
    calls = [
        n
        for n in own_walk(function)
        if isinstance(n, ast.Call) and is_sink(call_name(n)) and (line is None or n.lineno == line)
    ]
    if not calls:
        return False
    dicts = _dict_assignments(function)
    for call in calls:
        given = {k.arg: k.value for k in call.keywords if k.arg}
        for spread in (k.value for k in call.keywords if k.arg is None):
            if isinstance(spread, ast.Name):
                given.update(dicts.get(spread.id, {}))
        side = given.get("side")
        sells = "sell" in name_words(call_name(call)) or (
            isinstance(side, ast.Constant)
            and isinstance(side.value, str)
            and side.value.lower() in _SELL_SIDES
        )
        held = any(
            set(name_words(key)) & _QUANTITY_WORDS and _names_a_position(value, words)
            for key, value in given.items()
        )
        if not (sells and held):
            return False
    return True


def _dict_assignments(function: ast.AST) -> dict[str, dict[str, ast.expr]]:
    """``params = dict(side="sell", qty=q)`` or ``params = {"side": "sell"}``: name to items."""
    found: dict[str, dict[str, ast.expr]] = {}
    for node in own_walk(function):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        target, value = node.targets[0], node.value
        if not isinstance(target, ast.Name):
            continue
        items: dict[str, ast.expr] = {}
        if isinstance(value, ast.Call) and call_name(value) == "dict":
            items = {k.arg: k.value for k in value.keywords if k.arg}
        elif isinstance(value, ast.Dict):
            items = {
                k.value: v
                for k, v in zip(value.keys, value.values, strict=False)
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            }
        found.setdefault(target.id, {}).update(items)
    return found


def _names_a_position(value: ast.expr, words: frozenset[str]) -> bool:
    """``self.position.qty``, ``pos.size``: the quantity read from something named a position.

    Only ``<receiver>.<quantity>`` with nothing after it, where the receiver's name is
    made of position words alone: ``self.max_position.qty`` is a limit and
    ``self.position.lot_size`` a step, neither what is held.
    """
    if not (isinstance(value, ast.Attribute) and value.attr.lower() in _QUANTITIES):
        return False
    receiver = value.value
    part = (
        receiver.attr
        if isinstance(receiver, ast.Attribute)
        else receiver.id
        if isinstance(receiver, ast.Name)
        else ""
    )
    parts = set(name_words(part))
    return bool(parts) and parts <= words


_QUANTITIES = frozenset({"qty", "quantity", "size", "amount", "volume", "shares", "units"})


_INSTRUMENT_KEYWORDS = frozenset(
    {"symbol", "ticker", "instrument", "asset", "security", "contract", "data", "instrument_id"}
)


def _names_an_instrument(function: ast.AST, line: int) -> bool:
    """The entry on ``line`` names what it buys (a keyword or a literal first argument).

    The position closed just before is the strategy's own; an entry that names an
    instrument may be another one, which the close left as it was.
    """
    for node in ast.walk(function):
        if isinstance(node, ast.Call) and node.lineno == line:
            if any(k.arg in _INSTRUMENT_KEYWORDS for k in node.keywords):
                return True
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                return True
    return False
