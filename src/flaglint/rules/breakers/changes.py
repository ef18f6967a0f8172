"""Dispatches that run once per change of a value the branch then records.

``if signal != self.last_signal: send(signal); self.last_signal = signal``
sends when the value changes and records it, so the same value sends nothing
again: one dispatch per change, as a ping-pong between two states is. An
equality between two values is a state check, not a bound (``if bar.symbol ==
self.symbol:`` lets every bar of that symbol through); only the branch that
assigns one side of the test it runs under is a latch on change.
"""

from __future__ import annotations

import ast

from flaglint.rules.breakers.latches import enclosing_branches, own_walk
from flaglint.rules.breakers.limits import unparse


def on_change(function: ast.AST, line: int) -> bool:
    """The dispatch at ``line`` runs under ``a != b`` (or the else of ``a == b``),
    and its branch assigns ``a`` or ``b``."""
    for test, branch, holds in enclosing_branches(function, line):
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
            continue
        op = test.ops[0]
        if not (isinstance(op, ast.NotEq) and holds or isinstance(op, ast.Eq) and not holds):
            continue
        sides = {unparse(test.left), unparse(test.comparators[0])}
        for node in (n for stmt in branch for n in own_walk(stmt)):
            targets = node.targets if isinstance(node, ast.Assign) else []
            if any(unparse(t) in sides for t in targets):
                return True
    return False
