"""Every rule documents itself and has a unique code."""

from __future__ import annotations

import pytest

from flaglint.rules import ALL_RULES, SECTIONS


def test_codes_and_names_are_unique() -> None:
    codes = [r.code for r in ALL_RULES]
    names = [r.name for r in ALL_RULES]
    assert len(set(codes)) == len(codes)
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_documents_itself(rule) -> None:
    assert rule.code.startswith("FL") and len(rule.code) == 5
    assert rule.name and rule.name == rule.name.lower() and " " not in rule.name
    assert rule.summary
    sections = rule.sections()
    for section in SECTIONS:
        assert sections.get(section), f"{rule.code} lacks a '## {section}' section"
