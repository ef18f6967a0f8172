"""``check --fix`` removes what FL902 reports, and nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from flaglint.gate.fix import fix_comment


@pytest.mark.parametrize(
    ("line", "idle", "fixed"),
    [
        ("x = f()  # noqa: FL103", ("FL103",), "x = f()"),
        ("x = f()  # noqa: E501, FL103", ("FL103",), "x = f()  # noqa: E501"),
        ("x = f()  # noqa: FL103 E501", ("FL103",), "x = f()  # noqa: E501"),
        (
            "x = f()  # flaglint: ignore[FL101, FL103]",
            ("FL103",),
            "x = f()  # flaglint: ignore[FL101]",
        ),
        ("x = f()  # flaglint: ignore[FL103]", ("FL103",), "x = f()"),
        ("x = f()  # flaglint: ignore", ("*",), "x = f()"),
        ("x = f()  # keep me; flaglint: ignore[FL103]", ("FL103",), "x = f()  # keep me;"),
        ("# flaglint: ignore[FL103]", ("FL103",), ""),
        ("s = '# noqa: FL103'  # noqa: FL103", ("FL103",), "s = '# noqa: FL103'"),
        ("x = f()  # noqa: FL101", ("FL103",), "x = f()  # noqa: FL101"),
        ("x = f()  # type: ignore  # noqa: FL103", ("FL103",), "x = f()  # type: ignore"),
    ],
)
def test_fix_comment(line: str, idle: tuple[str, ...], fixed: str) -> None:
    assert fix_comment(line, idle) == fixed


APP = """\
from waffle import switch_is_active


def helper():  # noqa: FL101
    return 1


def view(request):
    if switch_is_active("sw"):  # noqa: E501, FL103
        return helper()
    return None
"""


def test_check_fix_rewrites_only_idle_codes(run_cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "app.py").write_text(APP)
    before = run_cli("check", "--no-cache", "--report-unused-suppressions", cwd=tmp_path)
    assert before.out.count("FL902") == 2
    result = run_cli("check", "--no-cache", "--fix", cwd=tmp_path)
    assert "fixed 2 unused suppression comments in app.py" in result.err
    assert "FL902" not in result.out
    text = (tmp_path / "app.py").read_text()
    assert "def helper():\n" in text
    assert 'if switch_is_active("sw"):  # noqa: E501\n' in text
    again = run_cli("check", "--no-cache", "--report-unused-suppressions", cwd=tmp_path)
    assert "FL902" not in again.out
