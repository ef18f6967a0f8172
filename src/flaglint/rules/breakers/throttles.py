"""Time throttles: a check that limits how often a dispatch runs, not how many times.

``if self.last_ordered < now - interval: buy(); self.last_ordered = now`` compares
a stamp with the clock, and the dispatching branch moves the stamp to the value it
was compared with: the check opens again once the interval has passed, for ever.
It is an ordering comparison, so it looks like a bound; it bounds the rate only,
and FL301 reports a dispatch that nothing but throttles guard (a dollar-cost
averaging script buys every ten seconds until someone stops it).
"""

from __future__ import annotations

import ast

from flaglint.rules.breakers.latches import enclosing_branches, own_walk
from flaglint.rules.breakers.limits import name_words, unparse

_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
# The last word of a name that reads the clock: ``time.time()``, ``now``, ``timestamp_ns()``.
_CLOCK_WORDS = frozenset({"time", "now", "utcnow", "timestamp", "ts", "clock", "monotonic"})


def throttle_at(function: ast.AST, line: int, check_line: int) -> str:
    """The throttle's test (``""`` when the check at ``check_line`` is not one) guarding
    the dispatch at ``line``."""
    tests = {
        id(node.test)
        for node in own_walk(function)
        if isinstance(node, ast.If) and node.lineno == check_line
    }
    for test, branch, _holds in enclosing_branches(function, line):
        if id(test) in tests and _throttles(test, branch):
            return unparse(test)
    return ""


def _throttles(test: ast.expr, branch: list[ast.stmt]) -> bool:
    """An ordering comparison of a stamp that the branch sets to the clock it was compared with.

    The stamp is a name or attribute in the comparison; the branch assigns it a
    clock read (``time.time()``, ``now``, ``self.current_timestamp``) that also
    appears in the comparison. Time moves on, so the check always opens again;
    a price the branch remembers (``self.last_price = tick.price``) may not.
    """
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return False
    if not isinstance(test.ops[0], _ORDERING):
        return False
    terms = {unparse(n) for n in ast.walk(test) if isinstance(n, ast.expr)}
    for node in (n for stmt in branch for n in own_walk(stmt)):
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1):
            continue
        stamp, value = unparse(node.targets[0]), node.value
        if stamp in terms and _clock(value) and unparse(value) in terms:
            return True
    return False


def _clock(value: ast.expr) -> bool:
    """A read of the clock: a call or a name whose last word is a clock word."""
    node = value.func if isinstance(value, ast.Call) else value
    if not isinstance(node, (ast.Name, ast.Attribute)):
        return False
    last = node.attr if isinstance(node, ast.Attribute) else node.id
    return bool(set(name_words(last)) & _CLOCK_WORDS)
