"""Inline suppressions: which comments hide which findings, and FL902 for idle ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES, copy_fixture
from markers import parse_markers

from flaglint.gate.suppressions import parse_comment

PROJECT = FIXTURES / "gate_projects" / "FL902_suppressions"


@pytest.mark.parametrize(
    ("comment", "codes"),
    [
        ("# flaglint: ignore", ()),
        ("# flaglint: ignore[FL103]", ("FL103",)),
        ("#flaglint:ignore[ fl103 , FL901 ]", ("FL103", "FL901")),
        ("# noqa: FL103", ("FL103",)),
        ("# noqa:E501,FL103 FL901", ("FL103", "FL901")),
        ("# noqa: E501", None),
        ("# noqa", None),
        ("# flaglint: expires=2020-01-01", None),
        ("# flaglint: ignore[FL103]  # noqa: FL901", ("FL103", "FL901")),
        ("# flaglint: ignore[FL103]  # flaglint: ignore", ()),
    ],
)
def test_parse_comment(comment: str, codes: tuple[str, ...] | None) -> None:
    assert parse_comment(comment) == codes


def _expected(kind: str, codes: set[str]) -> set[tuple[str, int]]:
    return {
        (m.value.split()[0], m.line)
        for m in parse_markers(PROJECT)
        if m.kind == kind and m.value.split()[0] in codes
    }


def _found(run_cli, project: Path, *options: str) -> set[tuple[str, int]]:
    result = run_cli("check", "--format", "json", "--no-cache", *options, cwd=project)
    assert result.code == 1, result.err
    return {(f["rule"], f["line"]) for f in json.loads(result.out)["findings"]}


def test_suppressions_hide_exactly_what_they_name(run_cli, tmp_path: Path) -> None:
    project = copy_fixture("gate_projects/FL902_suppressions", tmp_path / "p")
    found = _found(run_cli, project)
    assert found == _expected("expect", {"FL103"})
    assert not found & _expected("ok", {"FL103"})


def test_unused_suppressions_are_opt_in(run_cli, tmp_path: Path) -> None:
    project = copy_fixture("gate_projects/FL902_suppressions", tmp_path / "p")
    found = _found(run_cli, project, "--report-unused-suppressions")
    assert found == _expected("expect", {"FL103", "FL902"})
    assert not found & _expected("ok", {"FL103", "FL902"})
    ignored = _found(run_cli, project, "--report-unused-suppressions", "--ignore", "FL902")
    assert {rule for rule, _ in ignored} == {"FL103"}


def test_summary_counts_suppressed_findings(run_cli, tmp_path: Path) -> None:
    project = copy_fixture("gate_projects/FL902_suppressions", tmp_path / "p")
    result = run_cli("check", cwd=project)
    hidden = len(_expected("ok", {"FL103"}))
    assert result.out.splitlines()[-1].endswith(f"(not shown: {hidden} suppressed).")
