"""Dispatches that run once per change of a value the branch then records.

``if signal != self.last_signal: send(signal); self.last_signal = signal``
sends when the value changes and records it, so the same value sends nothing
again: one dispatch per change, as a ping-pong between two states is. ``if
event.order_id == self.active_id: hedge(event.amount); self.active_id = None``
answers the fill of the order it placed and clears the id: once per order. An
equality between two values is a state check, not a bound (``if bar.symbol ==
self.symbol:`` lets every bar of that symbol through); only the branch that
assigns one side of the test it runs under is a latch.
"""

from __future__ import annotations

import ast

from flaglint.rules.breakers.latches import enclosing_branches, own_walk
from flaglint.rules.breakers.limits import unparse


def on_change(function: ast.AST, line: int) -> bool:
    """The dispatch at ``line`` runs under ``a != b`` or ``a == b``, and its branch
    assigns ``a`` or ``b``: a change recorded, or a latch cleared."""
    for test, branch, _holds in enclosing_branches(function, line):
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
            continue
        if not isinstance(test.ops[0], (ast.Eq, ast.NotEq)):
            continue
        sides = {unparse(test.left), unparse(test.comparators[0])}
        for node in (n for stmt in branch for n in own_walk(stmt)):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if any(unparse(t) in sides for t in targets):
                return True
    return False
