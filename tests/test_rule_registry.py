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


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.code)
def test_rule_has_a_fixture_named_by_its_code(rule) -> None:
    """Like ruff's ``DTZ011.py``: a fixture named by the code, with an ``# expect:`` in it."""
    from pathlib import Path

    fixtures = Path(__file__).parent / "fixtures"
    named = [
        path
        for folder in ("rules", "rules_projects", "histories", "gate_projects")
        for path in (fixtures / folder).iterdir()
        if path.name.startswith(rule.code)
    ]
    assert named, f"{rule.code} has no fixture named after it"
    texts = [
        p.read_text(encoding="utf-8")
        for path in named
        for p in ([path] if path.is_file() else path.rglob("*.py"))
    ]
    assert any(f"expect: {rule.code}" in text for text in texts), rule.code
