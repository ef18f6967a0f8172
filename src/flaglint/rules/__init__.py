"""The rule registry: every rule class, by code.

Codes: FL1xx dormant and stale code behind flags, FL2xx flag identity,
FL3xx circuit breakers, FL9xx diagnostics about the input.
"""

from __future__ import annotations

from flaglint.rules.aliases import FlagValueAlias
from flaglint.rules.base import SECTIONS, Rule, iter_selected
from flaglint.rules.breakers import CircuitBreakerRemoved, UnboundedDispatch
from flaglint.rules.diagnostics import ParseFailure
from flaglint.rules.dormant import DeadCodeLeftBehind, DormantFlagPath
from flaglint.rules.expiry import FlagExpired
from flaglint.rules.repurposed import FlagRepurposed
from flaglint.rules.resurrected import FlagResurrected
from flaglint.rules.suppressions import UnusedSuppression

ALL_RULES: tuple[type[Rule], ...] = (
    DormantFlagPath,
    FlagExpired,
    DeadCodeLeftBehind,
    FlagRepurposed,
    FlagValueAlias,
    FlagResurrected,
    UnboundedDispatch,
    CircuitBreakerRemoved,
    ParseFailure,
    UnusedSuppression,
)

__all__ = ["ALL_RULES", "SECTIONS", "Rule", "by_code", "iter_selected"]


def by_code(code: str) -> type[Rule] | None:
    wanted = code.strip().upper()
    for rule in ALL_RULES:
        if rule.code == wanted or rule.name == code.strip().lower():
            return rule
    return None
