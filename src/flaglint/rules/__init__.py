"""The rule registry: every rule class, by code.

Codes: FL1xx dormant and stale code behind flags, FL2xx flag identity,
FL3xx circuit breakers, FL9xx diagnostics about the input.
"""

from __future__ import annotations

from flaglint.rules.base import SECTIONS, Rule, iter_selected
from flaglint.rules.breakers.checks import CircuitBreakerRemoved, UnboundedDispatch
from flaglint.rules.diagnostics.parse_error import ParseFailure
from flaglint.rules.diagnostics.unused_suppression import UnusedSuppression
from flaglint.rules.dormant.checks import DeadCodeLeftBehind, DormantFlagPath
from flaglint.rules.dormant.flag_expired import FlagExpired
from flaglint.rules.identity.flag_repurposed import FlagRepurposed
from flaglint.rules.identity.flag_resurrected import FlagResurrected
from flaglint.rules.identity.flag_value_alias import FlagValueAlias

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
