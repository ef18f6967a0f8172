"""Handlers that pass on what they received, deciding no size of their own.

``def post_receive(self, alert): client.send_alert(**alert.get_body())`` forwards
each alert it is handed once, and ``for order in self.strategy.signals(now):
self.execute(order=order)`` submits the orders another component made, once
each: one dispatch out per thing in. The handler adds no amount; whatever bound
there is belongs where the thing was made (the strategy, the sender), and a
comment there, not here, would help. A handler that sends on every event an
order it sizes itself (``order(asset, 10)``, ``quantity=self.trade_size``) is
the Power Peg shape and stays reported, and so is one that sends a field of
the event (``send_message(chat, tick.price)`` on every tick), which turns a
stream into a stream of messages.

A relay: the dispatch's arguments, followed through the handler's locals,
hold no number and no name of a size (``qty``, ``amount``, ``size``, ...), and
one argument is the received thing whole, named for what a dispatch carries
(an order, a message, an alert, a task, a job): a parameter of the handler, the
result of a method called on one (``alert.get_body()``), or the item of a ``for``
over what another call returned. ``self.buy(bar)`` on every bar sends a bar's
worth of buying, not a thing it was handed, and stays reported.
"""

from __future__ import annotations

import ast

from flaglint.rules.breakers.latches import own_walk
from flaglint.rules.breakers.limits import name_words

# What a dispatch carries when it passes on something already made.
_CARRIED = frozenset(
    {"order", "orders", "message", "msg", "alert", "notification", "task", "job", "payload", "mail"}
)
_SIZE_WORDS = frozenset(
    {"qty", "quantity", "amount", "size", "volume", "shares", "notional", "lot", "lots", "units"}
)


def relays(function: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call) -> bool:
    """Whether the handler's dispatch ``call`` passes on what the handler received."""
    arguments = function.args
    params = {
        a.arg
        for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)
        if a.arg not in ("self", "cls")
    }
    values: dict[str, list[ast.expr]] = {}
    items: dict[str, ast.expr] = {}
    for node in own_walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    values.setdefault(target.id, []).append(node.value)
        elif isinstance(node, (ast.For, ast.AsyncFor)) and isinstance(node.target, ast.Name):
            items[node.target.id] = node.iter
    if any(k.arg and set(name_words(k.arg)) & _SIZE_WORDS for k in call.keywords):
        return False
    given = [*call.args, *(k.value for k in call.keywords)]
    flow: list[ast.expr] = []
    pending, seen = list(given), set()
    while pending:
        expr = pending.pop()
        flow.append(expr)
        for node in ast.walk(expr):
            if isinstance(node, ast.Name) and node.id not in seen:
                seen.add(node.id)
                pending.extend(values.get(node.id, []))
                if node.id in items:
                    pending.append(items[node.id])
    for expr in flow:
        for node in ast.walk(expr):
            if isinstance(node, ast.Constant) and type(node.value) in (int, float):
                return False
            name = node.attr if isinstance(node, ast.Attribute) else ""
            name = node.id if isinstance(node, ast.Name) else name
            if name and set(name_words(name)) & _SIZE_WORDS:
                return False
    return any(_whole(a, params, values, items, set()) for a in given)


def _whole(
    expr: ast.expr,
    params: set[str],
    values: dict[str, list[ast.expr]],
    items: dict[str, ast.expr],
    seen: set[str],
) -> bool:
    """A parameter, a method's result on one, or an item of what a call returned,
    named for what a dispatch carries (``alert``, ``order``, ``message``)."""
    if isinstance(expr, ast.Name):
        carried = bool(set(name_words(expr.id)) & _CARRIED)
        if expr.id in params:
            return carried
        if expr.id in seen:
            return False
        seen.add(expr.id)
        source = items.get(expr.id)
        if source is not None and carried and _produced(source, values):
            return True
        return any(_whole(v, params, values, items, seen) for v in values.get(expr.id, []))
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        owner = expr.func.value
        return (
            isinstance(owner, ast.Name)
            and owner.id in params
            and bool(set(name_words(owner.id)) & _CARRIED)
        )
    return False


def _produced(source: ast.expr, values: dict[str, list[ast.expr]]) -> bool:
    """A call's result, directly or through a local every assignment of which is one."""
    if isinstance(source, ast.Call):
        return True
    if isinstance(source, ast.Name):
        assigned = [v for v in values.get(source.id, []) if not _empty(v)]
        return bool(assigned) and all(isinstance(v, ast.Call) for v in assigned)
    return False


def _empty(value: ast.expr) -> bool:
    return isinstance(value, (ast.List, ast.Tuple)) and not value.elts
