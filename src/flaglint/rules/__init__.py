"""The rule registry: every rule class, by code.

Codes: FL1xx dormant and stale code behind flags, FL2xx flag identity,
FL3xx circuit breakers, FL9xx diagnostics about the input.
"""

from __future__ import annotations

from flaglint.rules.base import SECTIONS, Rule, iter_selected
from flaglint.rules.breakers import CircuitBreakerRemoved, UnboundedDispatch
from flaglint.rules.diagnostics import ParseFailure
from flaglint.rules.expiry import FlagExpired

ALL_RULES: tuple[type[Rule], ...] = (
    FlagExpired,
    UnboundedDispatch,
    CircuitBreakerRemoved,
    ParseFailure,
)

__all__ = ["ALL_RULES", "SECTIONS", "Rule", "by_code", "iter_selected"]


def by_code(code: str) -> type[Rule] | None:
    wanted = code.strip().upper()
    for rule in ALL_RULES:
        if rule.code == wanted or rule.name == code.strip().lower():
            return rule
    return None
