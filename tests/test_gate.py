"""Gate modes: --base/--new-only, --staged, baselines, and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_git

from flaglint.config import load_config
from flaglint.engine import analyse, attach_base
from flaglint.findings import Severity
from flaglint.rules import Rule

CONFIG = """\
[tool.flaglint.flags]
old-flag = { expires = "2020-01-01" }
"""

LEGACY = """\
import ldclient

client = ldclient.get()


def legacy(order):
    return client.variation("old-flag", order, False)
"""

NEW_READ = """

def fresh(order):
    return client.variation("old-flag", order, True)
"""


def _repo(tmp_path: Path, commit: bool = True) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    run_git(repo, "init", "-q", "-b", "main")
    (repo / "pyproject.toml").write_text(CONFIG)
    (repo / "app.py").write_text(LEGACY)
    if commit:
        run_git(repo, "add", "-A")
        run_git(repo, "commit", "-q", "-m", "legacy code")
    return repo


def _findings(result) -> list[tuple[str, str]]:
    return [(f["rule"], f["symbol"]) for f in json.loads(result.out)["findings"]]


@pytest.fixture
def repo(git_env, tmp_path: Path) -> Path:
    return _repo(tmp_path)


def test_new_only_reports_only_what_the_base_lacks(run_cli, repo: Path) -> None:
    # The old read moves down (line numbers change); a new one appears.
    (repo / "app.py").write_text(
        LEGACY.replace("import ldclient", "import ldclient\n\n") + NEW_READ
    )
    result = run_cli("check", "--base", "HEAD", "--new-only", "--format", "json", cwd=repo)
    assert result.code == 1, result.err
    assert _findings(result) == [("FL103", "app.fresh")]
    assert json.loads(result.out)["stats"]["preexisting"] == 1
    text = run_cli("check", "--base", "HEAD", "--new-only", cwd=repo)
    assert text.out.splitlines()[-1].endswith("(not shown: 1 already at HEAD).")


def test_new_only_passes_a_change_without_new_findings(run_cli, repo: Path) -> None:
    (repo / "app.py").write_text(LEGACY + "\n\ndef unrelated():\n    return 1\n")
    result = run_cli("check", "--base", "HEAD", "--new-only", cwd=repo)
    assert result.code == 0, result.out + result.err
    # Without --new-only the old finding is still there.
    assert run_cli("check", "--base", "HEAD", cwd=repo).code == 1


def test_a_second_identical_finding_is_new(run_cli, repo: Path) -> None:
    (repo / "app.py").write_text(
        LEGACY.replace(
            'return client.variation("old-flag", order, False)',
            'a = client.variation("old-flag", order, False)\n'
            '    return a and client.variation("old-flag", order, True)',
        )
    )
    result = run_cli("check", "--base", "HEAD", "--new-only", "--format", "json", cwd=repo)
    assert result.code == 1 and _findings(result) == [("FL103", "app.legacy")]
    assert json.loads(result.out)["findings"][0]["line"] == 8


def test_staged_checks_the_index_not_the_work_tree(run_cli, repo: Path) -> None:
    (repo / "app.py").write_text(LEGACY + NEW_READ)
    (repo / "untracked.py").write_text(LEGACY.replace("legacy", "other"))
    assert run_cli("check", "--staged", "--base", "HEAD", "--new-only", cwd=repo).code == 0
    run_git(repo, "add", "app.py")
    result = run_cli(
        "check", "--staged", "--base", "HEAD", "--new-only", "--format", "json", cwd=repo
    )
    assert result.code == 1 and _findings(result) == [("FL103", "app.fresh")]


def test_base_head_before_the_first_commit_is_empty(run_cli, git_env, tmp_path: Path) -> None:
    repo = _repo(tmp_path, commit=False)
    run_git(repo, "add", "-A")
    result = run_cli(
        "check", "--staged", "--base", "HEAD", "--new-only", "--format", "json", cwd=repo
    )
    assert result.code == 1 and _findings(result) == [("FL103", "app.legacy")]


def test_history_rules_get_the_base_project(repo: Path) -> None:
    (repo / "added.py").write_text("X = 1\n")
    config = load_config(repo)
    project = analyse(config, [])
    assert project.base is None
    attach_base(project, config, "HEAD")
    assert project.base is not None and project.base_revision == "HEAD"
    assert [f.path for f in project.base.files] == ["app.py"]
    assert [f.path for f in project.files] == ["added.py", "app.py"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("--new-only",), "--new-only needs --base"),
        (("--base", "no-such-rev", "--new-only"), "unknown revision 'no-such-rev'"),
        (("--staged", "app.py"), "--staged"),
        (("--baseline", "missing.json"), "--write-baseline missing.json"),
    ],
)
def test_gate_usage_errors_are_one_line(run_cli, repo: Path, args, needle: str) -> None:
    result = run_cli("check", *args, cwd=repo)
    assert result.code == 2 and result.err.count("\n") == 1 and needle in result.err, result.err


def test_base_outside_a_repository(run_cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(CONFIG)
    (tmp_path / "app.py").write_text(LEGACY)
    result = run_cli("check", "--base", "HEAD", "--new-only", cwd=tmp_path)
    assert result.code == 2 and result.err.count("\n") == 1
    assert "not inside a git repository" in result.err


def test_shallow_clone_says_how_to_fetch(run_cli, repo: Path, tmp_path: Path) -> None:
    (repo / "app.py").write_text(LEGACY + NEW_READ)
    run_git(repo, "commit", "-q", "-am", "second")
    clone = tmp_path / "clone"
    run_git(tmp_path, "clone", "-q", "--depth", "1", repo.as_uri(), str(clone))
    result = run_cli("check", "--base", "HEAD~1", "--new-only", cwd=clone)
    assert result.code == 2 and result.err.count("\n") == 1
    assert "shallow" in result.err and "fetch-depth: 0" in result.err


def test_a_baseline_adopts_old_findings_and_shrinks(run_cli, repo: Path) -> None:
    written = run_cli("check", "--write-baseline", "baseline.json", cwd=repo)
    assert written.code == 0 and "recorded 1 finding in baseline.json" in written.err
    first = (repo / "baseline.json").read_bytes()
    assert run_cli("check", "--write-baseline", "baseline.json", cwd=repo).code == 0
    assert (repo / "baseline.json").read_bytes() == first
    [entry] = json.loads(first)["findings"]
    assert (entry["rule"], entry["symbol"], entry["flag"]) == ("FL103", "app.legacy", "old-flag")

    gated = run_cli("check", "--baseline", "baseline.json", cwd=repo)
    assert gated.code == 0 and "1 in the baseline" in gated.out

    (repo / "app.py").write_text(LEGACY + NEW_READ)
    result = run_cli("check", "--baseline", "baseline.json", "--format", "json", cwd=repo)
    assert result.code == 1 and _findings(result) == [("FL103", "app.fresh")]

    (repo / "app.py").write_text(LEGACY.replace("old-flag", "new-flag"))
    fixed = run_cli("check", "--baseline", "baseline.json", cwd=repo)
    assert fixed.code == 0
    assert "1 baseline entry in baseline.json no longer match" in fixed.err
    assert "app.py:7: FL103 in app.legacy old-flag" in fixed.err


def test_a_corrupt_baseline_is_a_usage_error(run_cli, repo: Path) -> None:
    (repo / "baseline.json").write_text("{not json")
    result = run_cli("check", "--baseline", "baseline.json", cwd=repo)
    assert result.code == 2 and result.err.count("\n") == 1 and "baseline.json" in result.err
    (repo / "baseline.json").write_text('{"findings": []}')
    result = run_cli("check", "--baseline", "baseline.json", cwd=repo)
    assert result.code == 2 and "not a flaglint baseline" in result.err


class _AddedModule(Rule):
    """A stand-in history rule: reports modules that the base did not have."""

    code, name, severity, summary = "FL199", "added-module", Severity.NOTE, "test only"
    needs_history = True

    def check(self, project):
        if project.base is None:
            return
        before = set(project.base.by_path)
        for facts in project.files:
            if facts.path not in before:
                yield self.finding(facts.path, 1, 1, "new module", symbol=facts.module)


@pytest.fixture
def with_history_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    from flaglint.cli import check
    from flaglint.rules import ALL_RULES

    monkeypatch.setattr(check, "ALL_RULES", (*ALL_RULES, _AddedModule))


def test_history_rules_see_the_base_through_the_cli(run_cli, repo: Path, with_history_rule) -> None:
    (repo / "added.py").write_text("X = 1\n")
    quiet = run_cli("check", "--select", "FL199", cwd=repo)
    assert quiet.code == 0, quiet.out
    result = run_cli("check", "--select", "FL199", "--base", "HEAD", "--format", "json", cwd=repo)
    assert result.code == 1 and _findings(result) == [("FL199", "added")]


def test_unused_suppressions_already_at_the_base_are_not_new(
    run_cli, repo: Path, with_history_rule
) -> None:
    idle = "\n\ndef idle():  # flaglint: ignore[FL199]\n    return 1\n"
    (repo / "app.py").write_text(LEGACY + idle)
    run_git(repo, "commit", "-q", "-am", "an idle suppression")
    args = ("check", "--base", "HEAD", "--new-only", "--report-unused-suppressions")
    assert run_cli(*args, cwd=repo).code == 0
    (repo / "app.py").write_text(LEGACY + idle + idle.replace("idle", "idle_too"))
    result = run_cli(*args, "--format", "json", cwd=repo)
    assert result.code == 1
    [finding] = json.loads(result.out)["findings"]
    assert (finding["rule"], finding["line"]) == ("FL902", 14)
    assert "no FL199 finding" in finding["message"]
