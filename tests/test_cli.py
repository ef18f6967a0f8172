"""The command line as a user meets it: exit codes, errors, determinism, the cache."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import cache_folder

from flaglint import __version__

FLAGGED = """\
import os


def start():
    if os.getenv("FEATURE_FAST"):
        fast()
"""


def _project(tmp_path: Path, config: str = "[tool.flaglint]\n") -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text(config)
    (tmp_path / "app.py").write_text(FLAGGED)
    return tmp_path


def test_version(run_cli) -> None:
    result = run_cli("--version")
    assert result.code == 0 and __version__ in result.out


def test_bad_option_is_one_line_and_exit_2(run_cli, tmp_path: Path) -> None:
    result = run_cli("check", "--no-such-option", cwd=_project(tmp_path))
    assert result.code == 2
    assert result.err.count("\n") == 1 and "--no-such-option" in result.err


def test_bad_format_choice(run_cli, tmp_path: Path) -> None:
    result = run_cli("check", "--format", "xml", cwd=_project(tmp_path))
    assert result.code == 2 and result.err.count("\n") == 1 and "xml" in result.err


def test_unknown_config_key_names_the_key(run_cli, tmp_path: Path) -> None:
    result = run_cli("check", cwd=_project(tmp_path, "[tool.flaglint]\nselekt = []\n"))
    assert result.code == 2
    assert result.err.count("\n") == 1 and "'selekt'" in result.err


def test_wrong_config_type_names_the_key(run_cli, tmp_path: Path) -> None:
    result = run_cli("check", cwd=_project(tmp_path, "[tool.flaglint]\ndormant-after-days = 'x'\n"))
    assert result.code == 2 and "'dormant-after-days'" in result.err


def test_unknown_rule_selector(run_cli, tmp_path: Path) -> None:
    result = run_cli("check", "--select", "FL999", cwd=_project(tmp_path))
    assert result.code == 2 and "FL999" in result.err


def test_missing_path(run_cli, tmp_path: Path) -> None:
    result = run_cli("check", "nowhere", cwd=_project(tmp_path))
    assert result.code == 2 and "nowhere" in result.err


def test_clean_tree_exits_0(run_cli, tmp_path: Path) -> None:
    result = run_cli("check", cwd=_project(tmp_path))
    assert result.code == 0, result.out + result.err
    assert "No findings in 1 file." in result.out


def test_unparseable_file_is_fl901_and_the_run_goes_on(run_cli, tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "broken.py").write_text("def broken(:\n    pass\n")
    result = run_cli("check", "--format", "json", cwd=project)
    assert result.code == 1
    data = json.loads(result.out)
    [finding] = data["findings"]
    assert (finding["rule"], finding["path"], finding["line"]) == ("FL901", "broken.py", 1)
    assert "syntax error" in finding["message"]
    assert data["stats"]["files"] == 2
    flags = json.loads(run_cli("flags", "--format", "json", cwd=project).out)
    assert [f["key"] for f in flags["flags"]] == ["FEATURE_FAST"]
    assert flags["errors"][0]["path"] == "broken.py"


def test_output_is_identical_cold_and_warm(run_cli, tmp_path: Path) -> None:
    project = _project(tmp_path)
    cold = run_cli("flags", "--format", "json", "--stats", cwd=project)
    warm = run_cli("flags", "--format", "json", "--stats", cwd=project)
    assert cold.out == warm.out
    assert "parsed=1 cached=0" in cold.err
    assert "parsed=0 cached=1" in warm.err
    assert (cache_folder(project) / ".gitignore").read_text().strip().endswith("*")


def test_corrupt_cache_entry_is_a_miss(run_cli, tmp_path: Path) -> None:
    project = _project(tmp_path)
    first = run_cli("flags", cwd=project)
    for entry in cache_folder(project).rglob("*.pickle"):
        entry.write_bytes(b"not a pickle")
    again = run_cli("flags", "--stats", cwd=project)
    assert again.out == first.out and "parsed=1" in again.err


def test_explain_prints_the_docstring(run_cli) -> None:
    result = run_cli("explain", "FL103")
    assert result.code == 0
    for section in ("What it does", "Why is this bad?", "Example", "Use instead"):
        assert section in result.out


def test_explain_unknown_rule(run_cli) -> None:
    result = run_cli("explain", "FL000")
    assert result.code == 2 and result.err.count("\n") == 1


def test_rules_lists_every_code(run_cli) -> None:
    from flaglint.rules import ALL_RULES

    result = run_cli("rules")
    for rule in ALL_RULES:
        assert rule.code in result.out


def test_links_out_of_the_root_are_not_followed(run_cli, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text('import os\nos.getenv("FEATURE_OUTSIDE")\n')
    project = _project(tmp_path / "project")
    (project / "linked").symlink_to(outside, target_is_directory=True)
    (project / "linked_file.py").symlink_to(outside / "secret.py")
    data = json.loads(run_cli("flags", "--format", "json", cwd=project).out)
    assert [f["key"] for f in data["flags"]] == ["FEATURE_FAST"]


def test_module_names_follow_packages_and_namespace_folders() -> None:
    from flaglint.discovery import assign_modules

    paths = [
        "scripts/tool.py",
        "src/shop/__init__.py",
        "src/shop/api/v1/views.py",
        "src/shop/orders.py",
        "tests/conftest.py",
        "tools/conftest.py",
    ]
    modules = {s.path: s.module for s in assign_modules(paths, None)}
    assert modules == {
        "scripts/tool.py": "tool",
        "src/shop/__init__.py": "shop",
        "src/shop/api/v1/views.py": "shop.api.v1.views",
        "src/shop/orders.py": "shop.orders",
        "tests/conftest.py": "tests.conftest",
        "tools/conftest.py": "tools.conftest",
    }


def test_flag_defined_twice_in_the_registry_is_an_error(run_cli, tmp_path: Path) -> None:
    registry = '[tool.flaglint.flags]\nnew-book = { owner = "a" }\nnew-book = { owner = "b" }\n'
    result = run_cli("check", cwd=_project(tmp_path, registry))
    assert result.code == 2 and result.err.count("\n") == 1
    assert "pyproject.toml" in result.err and "line 3" in result.err


def test_console_script_flushes_and_keeps_the_exit_code(tmp_path: Path) -> None:
    # ``flaglint`` ends with os._exit to skip freeing the heap: output must still
    # arrive whole, and the exit code must be the one main() chose.
    import subprocess
    import sys

    project = _project(tmp_path, "[tool.flaglint]\nselect = ['FL9']\n")
    (project / "broken.py").write_text("def broken(:\n")
    runs = {
        1: ("check",),
        0: ("flags",),
        2: ("check", "--no-such-option"),
    }
    for expected, args in runs.items():
        done = subprocess.run(
            [sys.executable, "-m", "flaglint", *args],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == expected, (args, done.stderr)
        if expected == 1:
            assert done.stdout.endswith("Found 1 finding in 2 files.\n")
        if expected == 2:
            assert done.stderr.count("\n") == 1


def test_flags_text_lists_the_inventory_on_stdout_and_diagnostics_on_stderr(
    run_cli, tmp_path: Path
) -> None:
    project = _project(tmp_path)
    (project / "broken.py").write_text("def broken(:\n")
    result = run_cli("flags", cwd=project)
    assert "FL901" not in result.out and "FEATURE_FAST" in result.out
    assert "broken.py:1:" in result.err and "FL901" in result.err


def test_a_flag_deciding_code_with_no_call_has_branches(run_cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "settings.py").write_text(
        "import os\n\nif os.environ.get('FEATURE_S3') == '1':\n    STORAGES = {'default': 's3'}\n"
        "else:\n    STORAGES = {}\nMODE = 'x' if not os.environ.get('FEATURE_FAST') else 'y'\n"
    )
    data = json.loads(run_cli("flags", "--format", "json", "--no-cache", cwd=tmp_path).out)
    by_key = {f["key"]: f for f in data["flags"]}
    assert by_key["FEATURE_S3"]["gates"] == {"on": [], "off": []}
    assert by_key["FEATURE_S3"]["branches"] == [{"path": "settings.py", "line": 3, "when": "on"}]
    assert by_key["FEATURE_FAST"]["branches"] == [{"path": "settings.py", "line": 7, "when": "off"}]
    text = run_cli("flags", "--no-cache", cwd=tmp_path).out
    assert "if    settings.py:3  (runs when on)" in text


def test_progress_only_on_a_terminal(monkeypatch) -> None:
    """A bar on a terminal's stderr for a long stage; nothing piped, with -q, or for a short one."""
    import io

    from flaglint.engine import progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert progress.terminal_stderr() is terminal
    assert progress.terminal_stderr(quiet=True) is None
    monkeypatch.setattr("sys.stderr", io.StringIO())
    assert progress.terminal_stderr() is None

    progress.enable(terminal)
    try:
        with progress.bar("flaglint: parsing", progress.THRESHOLD) as advance:
            for _ in range(progress.THRESHOLD):
                advance(1)
        with progress.bar("flaglint: short", 3) as advance:
            advance(3)
    finally:
        progress.enable(None)
    shown = terminal.getvalue()
    assert "flaglint: parsing" in shown and "100%" in shown
    assert "short" not in shown


def test_progress_never_reaches_a_pipe(run_cli, tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"m{n}.py").write_text("x = 1\n")
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    result = run_cli("check", "--no-cache", cwd=tmp_path)
    assert result.err == ""
