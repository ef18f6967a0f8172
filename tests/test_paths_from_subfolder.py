"""Run from a subfolder of the root, paths are shown relative to it, as ruff shows them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# The flag read lives in one package, the dormant code it alone reaches in another:
# checking from the second must still see the gate in the first.
FLAGS = """\
import enum


class Flags(enum.IntFlag):
    OLD = 8
    NEW = 8
"""

OTHER = """\
def ok():
    return 1
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "flags.py").write_text(FLAGS)
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "__init__.py").write_text("")
    (tmp_path / "lib" / "other.py").write_text(OTHER)
    return tmp_path


def test_at_the_root_paths_are_relative_to_the_root(run_cli, tree: Path) -> None:
    result = run_cli("check", "--no-cache", cwd=tree)
    assert result.code == 1
    assert result.out.startswith("app/flags.py:6:1: FL202")


def test_in_a_subfolder_paths_are_relative_to_it(run_cli, tree: Path) -> None:
    result = run_cli("check", "--no-cache", cwd=tree / "app")
    assert result.code == 1
    assert result.out.startswith("flags.py:6:1: FL202")
    assert "    flags.py:5: `Flags.OLD` holds 8" in result.out
    data = json.loads(run_cli("check", "--no-cache", "--format", "json", cwd=tree / "app").out)
    assert [(f["rule"], f["path"], f["line"]) for f in data["findings"]] == [
        ("FL202", "flags.py", 6)
    ]


def test_a_subfolder_with_no_paths_reports_only_its_own_files(run_cli, tree: Path) -> None:
    result = run_cli("check", "--no-cache", cwd=tree / "lib")
    assert result.code == 0
    assert "FL202" not in result.out
    assert "in 2 files" in result.out  # lib/__init__.py and lib/other.py


def test_the_subfolder_shown_does_not_depend_on_the_format(run_cli, tree: Path) -> None:
    """SARIF from a subfolder reports the findings text does; only their paths differ."""
    result = run_cli("check", "--no-cache", "--format", "sarif", cwd=tree / "lib")
    assert result.code == 0
    assert json.loads(result.out)["runs"][0]["results"] == []
    result = run_cli("check", "--no-cache", "--format", "sarif", cwd=tree / "app")
    assert result.code == 1
    uris = [
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in json.loads(result.out)["runs"][0]["results"]
    ]
    assert uris == ["app/flags.py"]


def test_paths_given_from_a_subfolder_are_shown_from_it(run_cli, tree: Path) -> None:
    result = run_cli("check", "--no-cache", "../app", cwd=tree / "lib")
    assert result.code == 1
    assert result.out.startswith("../app/flags.py:6:1: FL202")


def test_sarif_and_baselines_stay_relative_to_the_root(run_cli, tree: Path) -> None:
    sarif = json.loads(
        run_cli("check", "--no-cache", "--format", "sarif", "..", cwd=tree / "lib").out
    )
    location = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "app/flags.py"
    baseline = tree / "baseline.json"
    run_cli("check", "--no-cache", "--write-baseline", str(baseline), cwd=tree / "app")
    assert "app/flags.py" in baseline.read_text()


def _check_stdin(tree: Path, cwd: Path, name: str, text: str, *extra: str):
    import os
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "flaglint", "check", "--no-cache", "--stdin-filename", name, *extra],
        cwd=cwd,
        input=text.encode(),
        capture_output=True,
        env=os.environ,
    )


def test_stdin_filename_checks_the_buffer_not_the_file(tree: Path) -> None:
    """An editor's unsaved buffer: its findings, at its path, with the rest read from disk."""
    fixed = FLAGS.replace("NEW = 8", "NEW = 16")
    done = _check_stdin(tree, tree, "app/flags.py", fixed)
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == "No findings in 1 file.\n"
    broken = FLAGS + "\n\nclass More(enum.IntFlag):\n    A = 1\n    B = 1\n"
    done = _check_stdin(tree, tree / "app", "flags.py", broken)
    assert done.returncode == 1
    lines = done.stdout.decode().splitlines()
    assert lines[0].startswith("flags.py:6:1: FL202")
    assert lines[2].startswith("flags.py:11:1: FL202")


def test_stdin_filename_of_a_new_file_and_of_bad_code(tree: Path) -> None:
    done = _check_stdin(tree, tree, "lib/new.py", "def broken(:\n")
    assert done.returncode == 1
    assert done.stdout.decode().startswith("lib/new.py:1:")
    assert "FL901" in done.stdout.decode()


def test_stdin_filename_outside_the_root_or_with_paths_is_a_usage_error(tree: Path) -> None:
    done = _check_stdin(tree, tree / "lib", "../../elsewhere.py", "x = 1\n")
    assert done.returncode == 2
    assert b"outside the root" in done.stderr
    done = _check_stdin(tree, tree, "lib/other.py", "x = 1\n", "lib")
    assert done.returncode == 2
    assert b"leave out PATHS" in done.stderr


PAGER = """\
from tasks import select_ids, send_task


def clean_up_in_batches(size):
    last_id = 0
    while True:
        ids = select_ids(last_id, size)
        if not ids:
            break
        last_id = ids[-1]
        send_task(ids)
"""


def test_stdin_filename_reads_the_buffers_statements_not_the_files(tmp_path: Path) -> None:
    """FL301 reads a loop's statements beyond the facts: from the buffer, not from disk.

    The buffer is the saved file with a header added: its lines moved, and read from
    disk the loop that pages through a query was not found at its line.
    """
    (tmp_path / "pyproject.toml").write_text('[tool.flaglint]\nsinks = ["send_task"]\n')
    (tmp_path / "pump.py").write_text(PAGER)
    shifted = '"""Pages through the ids."""\n\nimport logging\n\n\n' + PAGER
    done = _check_stdin(tmp_path, tmp_path, "pump.py", shifted, "--select", "FL301")
    assert done.returncode == 0, done.stdout
    assert done.stdout.decode() == "No findings in 1 file.\n"


def test_a_repository_inside_a_configured_project_is_its_own_root(run_cli, tmp_path: Path) -> None:
    """A clone kept inside another project (a corpus, a vendored repository): configuration
    is searched upward only as far as the repository's own top, so the clone is analysed,
    not the project around it."""
    outer = tmp_path / "workspace"
    (outer / "tools").mkdir(parents=True)
    (outer / "pyproject.toml").write_text('[tool.flaglint]\nexclude = ["clones/**"]\n')
    (outer / "tools" / "lint.py").write_text("def lint():\n    return 1\n")
    clone = outer / "clones" / "shop"
    (clone / ".git").mkdir(parents=True)  # a repository's top (a file in a worktree)
    (clone / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (clone / "app.py").write_text("def start():\n    return 2\n")
    (clone / "cart.py").write_text("def add():\n    return 3\n")
    shown = run_cli("check", "--no-cache", cwd=clone)
    assert shown.code == 0, shown.err
    assert shown.out == "No findings in 2 files.\n"
    shown = run_cli("check", "--no-cache", cwd=outer / "tools")
    assert shown.out == "No findings in 1 file.\n"  # the project's own folder: its config


def test_a_git_folder_that_is_no_repository_does_not_end_the_search(
    run_cli, tmp_path: Path
) -> None:
    """An empty ``.git`` folder (a fixture, a tool's leftover) is no repository's top: git
    would not stop there, nor does the search for the configuration."""
    (tmp_path / "pyproject.toml").write_text('[tool.flaglint]\nexclude = ["pkg/skipped.py"]\n')
    package = tmp_path / "pkg"
    (package / ".git").mkdir(parents=True)
    (package / "kept.py").write_text("def keep():\n    return 1\n")
    (package / "skipped.py").write_text("def skip():\n    return 2\n")
    shown = run_cli("check", "--no-cache", cwd=package)
    assert shown.out == "No findings in 1 file.\n", shown.out


def test_a_worktree_or_submodule_git_file_ends_the_search(run_cli, tmp_path: Path) -> None:
    """A ``.git`` file naming the repository's folder is a worktree's or submodule's top."""
    (tmp_path / "pyproject.toml").write_text('[tool.flaglint]\nexclude = ["sub/**"]\n')
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / ".git").write_text("gitdir: ../.git/modules/sub\n")
    (sub / "mod.py").write_text("def run():\n    return 1\n")
    shown = run_cli("check", "--no-cache", cwd=sub)
    assert shown.out == "No findings in 1 file.\n", shown.out
