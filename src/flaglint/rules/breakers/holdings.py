"""Dispatches kept to once per key by a collection that the same pass updates.

Two shapes bound a repeated dispatch by what a collection holds, not by a counter:

- a dedupe guard: ``if coin not in bought: create_order(coin, ...)``, where the
  same pass adds to ``bought`` after the dispatch (``bought[coin] = ...``,
  ``bought.add(coin)``), in the dispatching function or in a function the
  repeated loop also calls (``orders = buy(); update_portfolio(orders)``). A key
  is dispatched once, however often the loop runs; the collection is the bound.
- a holdings walk: ``for coin in list(held): create_order(side="SELL",
  quantity=held[coin]["volume"])``, where the pass drops the entry it sold
  (``held.pop(coin)``, ``del held[coin]``, ``held.remove(coin)``): each holding is
  sold once, for its own quantity, and then is no longer held.

A guard on a collection nothing adds to, a walk that never drops what it sold, a
buy of the held quantity (which doubles the holding) and a fixed quantity are not
bounds.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable

from flaglint.rules.breakers.latches import enclosing_branches, own_walk
from flaglint.rules.breakers.limits import call_name, name_words, unparse
from flaglint.rules.breakers.sources import FunctionNode, ParsedSources

_ADDS = frozenset({"add", "append", "setdefault", "update", "insert", "extend"})
_DROPS = frozenset({"pop", "remove", "discard", "popitem", "clear"})
_VIEWS = frozenset({"keys", "items", "copy"})
_WRAPPERS = frozenset({"list", "sorted", "tuple", "dict", "set"})


def once_per_key(function: ast.AST, calls: list[ast.Call], others: Iterable[ast.AST]) -> str:
    """Why every call in ``calls`` (sink calls of ``function``) is once per key ("" if not).

    ``others`` are the code the same repeated pass also runs (the loop's body,
    the functions it calls), where the collection may be updated.
    """
    if not calls:
        return ""
    scopes = [function, *others]
    reasons = set()
    for call in calls:
        collection = _dedupe_collection(function, call.lineno)
        if collection and any(_changes(scope, collection, _ADDS, add=True) for scope in scopes):
            reasons.add(f"once per key: `{collection}` records what was sent")
            continue
        held = _holding_sold(function, call)
        if held and any(_changes(scope, held, _DROPS, add=False) for scope in scopes):
            reasons.add(f"sells each holding of `{held}` once and drops it")
            continue
        return ""
    return "; ".join(sorted(reasons))


def _dedupe_collection(function: ast.AST, line: int) -> str:
    """``C`` of an ``if K not in C:`` around ``line``, or of ``if K in C: continue`` before it."""
    for test, _branch, holds in enclosing_branches(function, line):
        found = _membership(test, ast.NotIn if holds else ast.In)
        if found:
            return found
    for node in own_walk(function):
        if not isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            continue
        if not node.body or not node.body[0].lineno <= line <= (node.end_lineno or 0):
            continue
        for stmt in node.body:
            if stmt.lineno >= line:
                break
            if (
                isinstance(stmt, ast.If)
                and len(stmt.body) == 1
                and isinstance(stmt.body[0], ast.Continue)
                and not stmt.orelse
            ):
                found = _membership(stmt.test, ast.In)
                if found:
                    return found
    return ""


def _membership(test: ast.expr, op: type[ast.cmpop]) -> str:
    """``C`` of ``K not in C`` (or ``K in C``), alone or as one term of an ``and`` that holds."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) and op is ast.NotIn:
        return next((c for c in (_membership(v, op) for v in test.values) if c), "")
    if (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], op)
        and isinstance(test.comparators[0], (ast.Name, ast.Attribute))
    ):
        return unparse(test.comparators[0])
    return ""


def _holding_sold(function: ast.AST, call: ast.Call) -> str:
    """``H`` when ``call`` sells, inside ``for k in H``, a size read from ``H[k]``."""
    if not _sells(call):
        return ""
    for node in own_walk(function):
        if not isinstance(node, (ast.For, ast.AsyncFor)) or not node.body:
            continue
        if not node.body[0].lineno <= call.lineno <= (node.end_lineno or 0):
            continue
        held, key, value = _walked(node)
        if not held:
            continue
        sizes = [*call.args[1:], *(k.value for k in call.keywords)]
        for size in sizes:
            for sub in ast.walk(size):
                if value and isinstance(sub, ast.Name) and sub.id == value:
                    return held
                if (
                    isinstance(sub, ast.Subscript)
                    and unparse(sub.value) == held
                    and isinstance(sub.slice, ast.Name)
                    and sub.slice.id == key
                ):
                    return held
    return ""


def _walked(loop: ast.For | ast.AsyncFor) -> tuple[str, str, str]:
    """(collection, key name, value name) of ``for k in H`` / ``list(H)`` / ``H.items()``."""
    source = loop.iter
    view = ""
    if isinstance(source, ast.Call) and call_name(source) in _WRAPPERS and len(source.args) == 1:
        source = source.args[0]
    if (
        isinstance(source, ast.Call)
        and isinstance(source.func, ast.Attribute)
        and source.func.attr in _VIEWS
        and not source.args
    ):
        view = source.func.attr
        source = source.func.value
    if not isinstance(source, (ast.Name, ast.Attribute)):
        return "", "", ""
    target = loop.target
    if view == "items":
        if (
            isinstance(target, ast.Tuple)
            and len(target.elts) == 2
            and all(isinstance(e, ast.Name) for e in target.elts)
        ):
            key, value = target.elts
            return unparse(source), key.id, value.id  # type: ignore[attr-defined]
        return "", "", ""
    if isinstance(target, ast.Name):
        return unparse(source), target.id, ""
    return "", "", ""


def _sells(call: ast.Call) -> bool:
    if "sell" in name_words(call_name(call)):
        return True
    for keyword in call.keywords:
        if keyword.arg == "side" and isinstance(keyword.value, ast.Constant):
            return str(keyword.value.value).lower() == "sell"
    return False


def _changes(scope: ast.AST, collection: str, methods: frozenset[str], add: bool) -> bool:
    """Whether ``scope`` adds entries to (``add``) or drops entries from ``collection``."""
    for node in own_walk(scope):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in methods and unparse(node.func.value) == collection:
                return True
        targets: list[ast.expr] = []
        if add and isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif not add and isinstance(node, ast.Delete):
            targets = list(node.targets)
        for target in targets:
            if isinstance(target, ast.Subscript) and unparse(target.value) == collection:
                return True
    return False


def sink_calls(
    code: ast.AST, is_sink: Callable[[str], bool], line: int | None = None
) -> list[ast.Call]:
    """The sink calls of ``code`` (those on ``line`` only, when given)."""
    return [
        n
        for n in own_walk(code)
        if isinstance(n, ast.Call) and is_sink(call_name(n)) and (line is None or n.lineno == line)
    ]


def pass_code(loop: ast.AST | None, resolve: Callable[[ast.Call], ast.AST | None]) -> list[ast.AST]:
    """What one pass of ``loop`` runs: the loop, and the project functions it calls."""
    if loop is None:
        return []
    found: list[ast.AST] = [loop]
    for node in own_walk(loop):
        if isinstance(node, ast.Call):
            callee = resolve(node)
            if callee is not None and callee not in found:
                found.append(callee)
    return found


def module_callee(
    sources: ParsedSources, path: str, method_of: Callable[[str], FunctionNode | None]
) -> Callable[[ast.Call], ast.AST | None]:
    """Resolves ``f()`` to this module's function and ``self.f()`` to this class's method."""

    def resolve(call: ast.Call) -> ast.AST | None:
        func = call.func
        if isinstance(func, ast.Name):
            return sources.function(path, func.id)
        if isinstance(func, ast.Attribute) and unparse(func.value) == "self":
            return method_of(func.attr)
        return None

    return resolve
