"""Choosing rules and files as flake8 and ruff users expect: specificity, extend-, replace."""

from __future__ import annotations

from pathlib import Path

import pytest

from flaglint.rules import ALL_RULES, iter_selected


def _codes(select: tuple[str, ...], ignore: tuple[str, ...]) -> set[str]:
    return {r.code for r in iter_selected(ALL_RULES, select, ignore)}


@pytest.mark.parametrize(
    ("select", "ignore", "runs", "skips"),
    [
        (("FL301",), ("FL3",), {"FL301"}, {"FL302"}),
        (("FL3",), ("FL301",), {"FL302"}, {"FL301"}),
        ((), ("FL3",), {"FL101"}, {"FL301", "FL302"}),
        (("FL3",), ("FL3",), set(), {"FL301", "FL302"}),  # a tie: ignore wins
        (("ALL",), ("FL101",), {"FL103"}, {"FL101"}),
        (("flag-expired",), ("FL1",), {"FL103"}, {"FL101"}),  # a name is a full code
    ],
)
def test_most_specific_selector_wins(
    select: tuple[str, ...], ignore: tuple[str, ...], runs: set[str], skips: set[str]
) -> None:
    chosen = _codes(select, ignore)
    assert runs <= chosen and not skips & chosen


def _broken(tmp_path: Path, config: str = "[tool.flaglint]\n") -> Path:
    (tmp_path / "pyproject.toml").write_text(config)
    (tmp_path / "broken.py").write_text("def broken(:\n    pass\n")
    return tmp_path


def test_cli_select_more_specific_than_ignore(run_cli, tmp_path: Path) -> None:
    project = _broken(tmp_path)
    result = run_cli("check", "--select", "FL901", "--ignore", "FL9", cwd=project)
    assert result.code == 1 and "FL901" in result.out
    result = run_cli("check", "--select", "FL9", "--ignore", "FL901", cwd=project)
    assert result.code == 0 and "FL901" not in result.out


def test_extend_select_adds_to_configured_select(run_cli, tmp_path: Path) -> None:
    project = _broken(tmp_path, '[tool.flaglint]\nselect = ["FL1"]\n')
    assert run_cli("check", cwd=project).code == 0
    result = run_cli("check", "--extend-select", "FL901", cwd=project)
    assert result.code == 1 and "FL901" in result.out


def test_extend_select_beats_a_broader_ignore(run_cli, tmp_path: Path) -> None:
    project = _broken(tmp_path, '[tool.flaglint]\nignore = ["FL9"]\n')
    assert run_cli("check", cwd=project).code == 0
    assert run_cli("check", "--extend-select", "FL901", cwd=project).code == 1


def test_exclude_replaces_and_extend_exclude_adds(run_cli, tmp_path: Path) -> None:
    project = _broken(tmp_path, '[tool.flaglint]\nexclude = ["broken.py"]\n')
    (project / "other.py").write_text("x = 1\n")
    assert run_cli("check", cwd=project).code == 0
    assert run_cli("check", "--extend-exclude", "other.py", cwd=project).code == 0
    result = run_cli("check", "--exclude", "other.py", cwd=project)
    assert result.code == 1 and "broken.py" in result.out
