"""The flake8 plugin, through flake8's own command line and API."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("flake8", reason="flake8 is in the test extra; install '.[test]'")

from flaglint import flake8_plugin  # noqa: E402
from flaglint.config import load_config  # noqa: E402
from flaglint.rules import ALL_RULES  # noqa: E402

CONFIG = """\
[tool.flaglint.flags]
old-flag = { expires = "2020-01-01" }
"""

SOURCE = """\
import os

import ldclient

client = ldclient.get()


def route(order):
    return client.variation("old-flag", order, False)


def hidden(order):  # flaglint: ignore[FL103]
    return client.variation("old-flag", order, False)


def flake8_noqa(order):
    return client.variation("old-flag", order, False)  # noqa: FL103


def inline(order):
    return os.getenv("FEATURE_X")  # flaglint: expires=2021-01-01
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(CONFIG)
    (tmp_path / "app.py").write_text(SOURCE)
    return tmp_path


def test_flake8_command_line_reports_single_file_rules(tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "FL", "app.py"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == ["app.py:9:12", "app.py:21:12"]
    assert all(": FL103 flag '" in line for line in lines)


def test_flake8_api_and_its_select(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flake8.api import legacy

    project = _project(tmp_path)
    monkeypatch.chdir(project)
    report = legacy.get_style_guide(select=["FL"]).check_files(["app.py"])
    assert report.total_errors == 2
    quiet = legacy.get_style_guide(select=["FL"], extend_ignore=["FL103"]).check_files(["app.py"])
    assert quiet.total_errors == 0


def test_only_single_file_rules_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flaglint.findings import Severity
    from flaglint.rules.base import Rule

    class WholeProgram(Rule):
        code, name, severity, summary = "FL999", "whole-program", Severity.ERROR, "x"

        def check(self, project):
            yield self.finding("app.py", 1, 1, "should not run in flake8")

    monkeypatch.setattr(flake8_plugin, "ALL_RULES", (*ALL_RULES, WholeProgram))
    project = _project(tmp_path)
    config = load_config(project)
    assert WholeProgram not in flake8_plugin.plugin_rules(config)
    assert {r.code for r in flake8_plugin.plugin_rules(config)} == {
        r.code for r in ALL_RULES if r.single_file
    }
    found = flake8_plugin.check_source(str(project / "app.py"), SOURCE.encode(), config)
    # The plugin applies flaglint's suppressions itself (noqa included), as check does.
    assert [(f.rule, f.line) for f in found] == [("FL103", 9), ("FL103", 21)]


def test_a_bad_configuration_is_one_fl901_per_file(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\nselekt = 1\n")
    (tmp_path / "app.py").write_text("x = 1\n")
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "FL", "app.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stdout.startswith("app.py:1:1: FL901 cannot analyse this file: ")
    assert "'selekt'" in result.stdout
