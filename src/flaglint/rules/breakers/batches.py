"""A batch dispatch whose batch this call built, each order under a cumulative bound.

``self.orders = []``, then ``for asset in best: ...; if self.max_assets -
len(self.positions) <= 0: break; self.orders.append(order); self.positions.append(asset)``
and one ``submit_orders(self.orders)``: the batch is new on every call, and the
loop that fills it stops at a count of what is held, which every order grows.
However often the handler runs, no more than the cap is ever held. A walk over
what is held that sells each holding for its own recorded size and drops it
(``for asset in self.positions: orders.append(sell(asset, qty[asset]));
self.positions.remove(asset)``) sells each holding once.

The batch must be built afresh in the function (assigned before the loop), the
count must be of a collection the function does not reset (it persists across
calls) and that the loop grows, and the sells must drop what they sell. A cap on
the batch's own length (``if len(batch) >= 5: break``) bounds one call, not the
total, and stays reported.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from flaglint.rules.breakers.latches import own_walk
from flaglint.rules.breakers.limits import call_name, name_words, unparse

_APPENDS = frozenset({"append", "extend", "insert"})
_DROPS = frozenset({"remove", "pop", "discard"})


def batch_bounded(
    function: ast.AST, calls: list[ast.Call], method_of: Callable[[str], ast.AST | None]
) -> str:
    """Why the batch the (first) call sends was built under a cumulative bound ("" if not)."""
    if not calls:
        return ""
    call = calls[0]
    reads = _reads(function, call, method_of)
    assigned = _assigned(function)
    feeding = []
    for loop in own_walk(function):
        if not isinstance(loop, ast.For) or (loop.end_lineno or 0) >= call.lineno:
            continue
        appended = [b for b, _v in _appends(loop) if b in reads and b != "self"]
        if not appended:
            continue
        if not all(_fresh(function, b, loop.lineno) for b in appended):
            return ""
        feeding.append(loop)
    if not feeding:
        return ""
    reasons = set()
    for loop in feeding:
        if _capped(loop, assigned):
            reasons.add("the loop that builds the batch stops at a count of what is held")
        elif _sells_holdings(loop, assigned, reads):
            reasons.add("the batch sells each holding once and drops it")
        else:
            return ""
    return "; ".join(sorted(reasons))


def _reads(
    function: ast.AST, call: ast.Call, method_of: Callable[[str], ast.AST | None]
) -> set[str]:
    """The names and attribute chains the call's arguments read, through locals and methods."""
    found: set[str] = set()
    values: dict[str, list[ast.expr]] = {}
    for node in own_walk(function):
        if isinstance(node, ast.Assign) and node.lineno < call.lineno:
            for target in node.targets:
                if isinstance(target, ast.Name):
                    values.setdefault(target.id, []).append(node.value)
    pending: list[ast.AST] = [*call.args, *(k.value for k in call.keywords)]
    seen_methods: set[str] = set()
    while pending:
        expr = pending.pop()
        for node in ast.walk(expr):
            if isinstance(node, (ast.Name, ast.Attribute)):
                text = unparse(node)
                if text not in found:
                    found.add(text)
                    if isinstance(node, ast.Name):
                        pending.extend(values.get(node.id, []))
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and unparse(node.func.value) == "self"
                and node.func.attr not in seen_methods
            ):
                seen_methods.add(node.func.attr)
                method = method_of(node.func.attr)
                if method is not None:
                    pending.extend(n for n in own_walk(method) if isinstance(n, ast.Return))
    return found


def _assigned(function: ast.AST) -> set[str]:
    return {
        unparse(t)
        for n in own_walk(function)
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, (ast.Name, ast.Attribute))
    }


def _fresh(function: ast.AST, batch: str, before: int) -> bool:
    """``batch = []`` (or ``list()``) earlier in the function: new on every call."""
    for node in own_walk(function):
        if isinstance(node, ast.Assign) and node.lineno < before:
            value = node.value
            empty = (isinstance(value, ast.List) and not value.elts) or (
                isinstance(value, ast.Call) and call_name(value) == "list" and not value.args
            )
            if empty and any(unparse(t) == batch for t in node.targets):
                return True
    return False


def _appends(loop: ast.AST) -> list[tuple[str, ast.expr]]:
    return [
        (unparse(n.func.value), n.args[-1])
        for n in own_walk(loop)
        if isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr in _APPENDS
        and n.args
    ]


def _capped(loop: ast.For, assigned: set[str]) -> bool:
    """A ``break`` under a test on ``len(P)``, P kept across calls and grown by the loop."""
    grown = {b for b, _v in _appends(loop) if b not in assigned}
    locals_: dict[str, ast.expr] = {}
    for node in own_walk(loop):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            locals_[node.targets[0].id] = node.value
    for node in own_walk(loop):
        if not (isinstance(node, ast.If) and any(isinstance(s, ast.Break) for s in node.body)):
            continue
        test = [
            node.test,
            *(
                locals_[n.id]
                for n in ast.walk(node.test)
                if isinstance(n, ast.Name) and n.id in locals_
            ),
        ]
        for part in test:
            for sub in ast.walk(part):
                if isinstance(sub, ast.Call) and call_name(sub) == "len" and sub.args:
                    if unparse(sub.args[0]) in grown:
                        return True
    return False


def _sells_holdings(loop: ast.For, assigned: set[str], batches: set[str]) -> bool:
    """``for k in H``, each appended order a sell sized by ``X[k]``, and ``H.remove(k)``."""
    source = loop.iter
    if isinstance(source, ast.Call) and call_name(source) == "list" and len(source.args) == 1:
        source = source.args[0]
    if not isinstance(loop.target, ast.Name) or not isinstance(source, (ast.Name, ast.Attribute)):
        return False
    held, key = unparse(source), loop.target.id
    if held in assigned:
        return False
    dropped = any(
        isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and n.func.attr in _DROPS
        and unparse(n.func.value) == held
        and any(isinstance(a, ast.Name) and a.id == key for a in n.args)
        for n in own_walk(loop)
    )
    orders = [v for b, v in _appends(loop) if b in batches]
    return dropped and all(_sell_of(order, key) for order in orders)


def _sell_of(order: ast.expr, key: str) -> bool:
    nodes = list(ast.walk(order))
    sells = any(
        (isinstance(n, ast.Constant) and str(n.value).lower() == "sell")
        or (isinstance(n, ast.Call) and "sell" in name_words(call_name(n)))
        for n in nodes
    )
    sized = any(
        isinstance(n, ast.Subscript) and isinstance(n.slice, ast.Name) and n.slice.id == key
        for n in nodes
    )
    return sells and sized
