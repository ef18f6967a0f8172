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


@pytest.mark.parametrize(
    ("comment", "codes"),
    [
        ("# flaglint: noqa-file", ()),
        ("#flaglint:noqa-file[fl103, FL9]", ("FL103", "FL9")),
        ("# ruff: noqa: FL103", ("FL103",)),
        ("# ruff: noqa: E501, FL1", ("FL1",)),
        ("# ruff: noqa: E501", None),
        ("# ruff: noqa", None),
        ("# flaglint: ignore", None),
        ("x = 1  # noqa-file", None),
    ],
)
def test_parse_file_comment(comment: str, codes: tuple[str, ...] | None) -> None:
    from flaglint.gate.suppressions import parse_file_comment

    assert parse_file_comment(comment) == codes


def test_noqa_takes_a_code_prefix() -> None:
    assert parse_comment("# noqa: FL1") == ("FL1",)
    assert parse_comment("# flaglint: ignore[FL1]") == ("FL1",)


def test_the_comment_prefilter_keeps_file_level_comments() -> None:
    from flaglint.facts.comments import marker_pattern

    markers = marker_pattern(())
    for comment in ("# flaglint: noqa-file", "# ruff: noqa: FL103", "x = 1  # noqa: FL3"):
        assert markers.search(comment.encode()), comment


EXPIRED = """\
import ldclient

client = ldclient.get()


def read(order):
    return client.variation("old-flag", order, False){comment}
"""
CONFIG = """\
[tool.flaglint]
{extra}
[tool.flaglint.flags]
old-flag = {{ expires = "2020-01-01" }}
"""


def _expired(tmp_path: Path, head: str = "", comment: str = "", extra: str = "") -> Path:
    (tmp_path / "pyproject.toml").write_text(CONFIG.format(extra=extra))
    (tmp_path / "app.py").write_text(head + EXPIRED.format(comment=comment))
    return tmp_path


@pytest.mark.parametrize(
    ("head", "comment", "extra", "hidden"),
    [
        ("", "", "", False),
        ("", "  # noqa: FL1", "", True),
        ("", "  # noqa: FL2", "", False),
        ("# flaglint: noqa-file\n", "", "", True),
        ("# flaglint: noqa-file[FL103]\n", "", "", True),
        ("# flaglint: noqa-file[FL9]\n", "", "", False),
        ("# ruff: noqa: FL103\n", "", "", True),
        ("# ruff: noqa\n", "", "", False),
        ("", "", 'per-file-ignores = { "app.py" = ["FL1"] }', True),
        ("", "", 'per-file-ignores = { "*.py" = ["FL103"] }', True),
        ("", "", 'per-file-ignores = { "tests/*" = ["FL103"] }', False),
    ],
)
def test_prefix_file_level_and_per_file_suppressions(
    run_cli, tmp_path: Path, head: str, comment: str, extra: str, hidden: bool
) -> None:
    project = _expired(tmp_path, head, comment, extra)
    result = run_cli("check", "--no-cache", cwd=project)
    assert result.code == (0 if hidden else 1), result.out + result.err
    assert ("FL103" in result.out) is not hidden


def test_per_file_ignores_must_name_codes(run_cli, tmp_path: Path) -> None:
    project = _expired(tmp_path, extra='per-file-ignores = { "app.py" = ["nope"] }')
    result = run_cli("check", cwd=project)
    assert result.code == 2 and "'per-file-ignores.app.py'" in result.err


def test_unused_prefix_and_file_level_suppressions(run_cli, tmp_path: Path) -> None:
    project = _expired(tmp_path, "# flaglint: noqa-file[FL3]\n", "  # noqa: FL1")
    result = run_cli("check", "--no-cache", "--report-unused-suppressions", cwd=project)
    assert result.code == 1
    assert "FL902" in result.out and "app.py:1:" in result.out
    assert "app.py:7:" not in result.out
