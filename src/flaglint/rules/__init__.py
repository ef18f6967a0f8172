"""The rule registry: every rule class, by code.

Codes: FL1xx dormant and stale code behind flags, FL2xx flag identity,
FL3xx circuit breakers, FL9xx diagnostics about the input.
"""

from __future__ import annotations

from flaglint.rules import breakers, diagnostics, dormant, identity
from flaglint.rules.base import SECTIONS, Rule, iter_selected

# One folder per family, one file per rule named after it; each family lists its rules.
ALL_RULES: tuple[type[Rule], ...] = (
    *dormant.RULES,
    *identity.RULES,
    *breakers.RULES,
    *diagnostics.RULES,
)

__all__ = ["ALL_RULES", "SECTIONS", "Rule", "by_code", "iter_selected"]


def by_code(code: str) -> type[Rule] | None:
    wanted = code.strip().upper()
    for rule in ALL_RULES:
        if rule.code == wanted or rule.name == code.strip().lower():
            return rule
    return None
