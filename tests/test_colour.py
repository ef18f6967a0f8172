"""Colour as click and the NO_COLOR / FORCE_COLOR conventions have it."""

from __future__ import annotations

from pathlib import Path

import pytest

from flaglint.cli.options import colour_choice


def _project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "broken.py").write_text("def broken(:\n    pass\n")
    return tmp_path


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)


@pytest.mark.parametrize(
    ("option", "env", "expected"),
    [
        ("auto", {}, None),
        ("auto", {"NO_COLOR": "1"}, False),
        ("auto", {"NO_COLOR": ""}, None),  # an empty NO_COLOR is unset (no-color.org)
        ("auto", {"FORCE_COLOR": "1"}, True),
        ("auto", {"FORCE_COLOR": "0"}, None),
        ("auto", {"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),
        ("always", {"NO_COLOR": "1"}, True),
        ("never", {"FORCE_COLOR": "1"}, False),
    ],
)
def test_colour_choice(
    monkeypatch: pytest.MonkeyPatch, option: str, env: dict[str, str], expected: bool | None
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert colour_choice(option) is expected


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        ((), {}, False),  # not a terminal: click strips the escapes
        ((), {"FORCE_COLOR": "1"}, True),
        ((), {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        (("--color", "always"), {"NO_COLOR": "1"}, True),
        (("--color", "never"), {"FORCE_COLOR": "1"}, False),
        (("--color", "always", "--format", "json"), {}, False),
    ],
)
def test_check_colours_as_asked(
    run_cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args, env, coloured: bool
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = run_cli("check", *args, cwd=_project(tmp_path))
    assert result.code == 1 and "FL901" in result.out
    assert ("\x1b[" in result.out) is coloured


def test_output_file_is_never_coloured(run_cli, tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = run_cli("check", "--color", "always", "-o", "out.txt", cwd=project)
    assert result.code == 1 and "\x1b[" not in (project / "out.txt").read_text()


def test_bad_colour_choice(run_cli, tmp_path: Path) -> None:
    result = run_cli("check", "--color", "sometimes", cwd=_project(tmp_path))
    assert result.code == 2 and "sometimes" in result.err
