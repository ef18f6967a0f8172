"""The provider table's name matching: ``enclosing_modules`` is exactly ``in_module``'s set."""

from __future__ import annotations

import pytest

from flaglint.flags.matching import enclosing_modules, in_module

NAMES = [
    "ldclient",
    "ldclient.get",
    "ldclient.get().variation",
    "a.b(x.y).c",
    "a.bc",
    "a..b",
    "f(a.b)",
    "",
    "waffle.models.Flag.is_active",
]
# Module names (the table's and config's) never hold a "(".
MODULES = ["ldclient", "a", "a.b", "a.bc", "a.", "f", "waffle", "waffle.models", "b"]


@pytest.mark.parametrize("name", NAMES)
def test_enclosing_modules_are_the_modules_in_module_accepts(name: str) -> None:
    listed = set(enclosing_modules(name))
    assert {m for m in MODULES if in_module(name, m)} == {m for m in MODULES if m in listed}
