"""The git layer: batched key searches, resurrections, and clear errors through the CLI."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import run_git
from histories import replay

from flaglint import history
from flaglint.config import load_config
from flaglint.engine import analyse

FLAGGED = 'import os\n\n\ndef start():\n    if os.getenv("FEATURE_{name}"):\n        go()\n'


@pytest.fixture(scope="module")
def resurrected_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return replay("FL203", tmp_path_factory.mktemp("hist") / "repo")


def _commit(repo: Path, files: dict[str, str], message: str, date: str) -> None:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", message, date=date)


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    run_git(repo, "init", "-q", "-b", "main")
    (repo / "pyproject.toml").write_text("[tool.flaglint]\n")
    _commit(repo, {"app.py": FLAGGED.format(name="A")}, "add A", "2020-01-01T00:00:00+0000")
    _commit(repo, {"app.py": "def start():\n    go()\n"}, "drop A", "2021-01-01T00:00:00+0000")
    _commit(repo, {"app.py": FLAGGED.format(name="B")}, "add B", "2022-01-01T00:00:00+0000")
    return repo


def test_key_history_counts_quoted_occurrences(git_env, tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    changes = history.key_history(repo, ["FEATURE_A", "FEATURE_B", "FEATURE_C"])
    assert [(c.commit.subject, c.delta) for c in changes["FEATURE_A"]] == [
        ("add A", 1),
        ("drop A", -1),
    ]
    assert [(c.commit.subject, c.commit.date) for c in changes["FEATURE_B"]] == [
        ("add B", "2022-01-01")
    ]
    assert "FEATURE_C" not in changes


def test_key_history_is_one_git_log_for_many_keys(
    git_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _repo(tmp_path)
    spawned: list[list[str]] = []
    real_popen = subprocess.Popen

    def popen(args, *rest, **kwargs):  # subprocess.run goes through Popen too
        spawned.append(list(args))
        return real_popen(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", popen)
    keys = [f"FEATURE_{i}" for i in range(300)] + ["FEATURE_A", "odd.key(1)*"]
    changes = history.key_history(repo, keys)
    assert len(changes["FEATURE_A"]) == 2
    logs = [a for a in spawned if a[0] == "git" and "log" in a]
    assert len(logs) == 1 and len(spawned) == 2  # the shallow check and one log


def test_excluded_paths_do_not_count(git_env, tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _commit(
        repo,
        {"fixtures/old.py": FLAGGED.format(name="A")},
        "fixture",
        "2023-01-01T00:00:00+0000",
    )
    changes = history.key_history(repo, ["FEATURE_A"], skip_path=lambda p: p.startswith("fix"))
    assert [c.commit.subject for c in changes["FEATURE_A"]] == ["add A", "drop A"]


def test_resurrections_name_commits_and_what_was_gated(resurrected_repo: Path) -> None:
    from flaglint.rules.identity.flag_resurrected import resurrections

    project = analyse(load_config(resurrected_repo), [resurrected_repo], use_cache=False)
    found = {r.key: r for r in resurrections(project)}
    # beta-search moved from LaunchDarkly to Unleash in one commit: a migration.
    # promo-banner was a string, never a read; express-lane is new.
    assert sorted(found) == ["new-checkout"]
    back = found["new-checkout"]
    assert back.removed.subject == "remove old checkout"
    assert back.readded is not None and back.readded.subject == "checkout v3"
    assert back.gated_on == ("app.checkout.old_checkout",)
    assert [(r.path, r.line) for r in back.earlier_reads] == [("app/checkout.py", 11)]


def test_resurrection_in_uncommitted_changes(git_env, tmp_path: Path) -> None:
    from flaglint.rules.identity.flag_resurrected import resurrections

    repo = _repo(tmp_path)
    # Back gating other code (the same code back is a restoration: FL203_restored).
    (repo / "app.py").write_text(FLAGGED.format(name="A").replace("go()", "launch()"))
    project = analyse(load_config(repo), [repo], use_cache=False)
    [found] = resurrections(project, ["FEATURE_A", "FEATURE_B"])
    assert found.key == "FEATURE_A" and found.readded is None
    assert found.removed.subject == "drop A"


def test_check_base_finds_the_resurrection(run_cli, git_env, tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "app.py").write_text(FLAGGED.format(name="A").replace("go()", "launch()"))
    result = run_cli("check", "--base", "HEAD", "--select", "FL203", cwd=repo)
    assert result.code == 1, result.err
    assert "app.py:5:8: FL203 flag 'FEATURE_A' was removed by" in result.out
    assert "uncommitted changes bring it back" in result.out


# ----------------------------------------------------------------- errors
def _one_line_exit_2(result) -> None:
    assert result.code == 2, result.out
    assert result.err.count("\n") == 1 and result.err.startswith("flaglint: error: ")


def test_base_outside_a_repository(run_cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "app.py").write_text(FLAGGED.format(name="A"))
    result = run_cli("check", "--base", "HEAD~1", cwd=tmp_path)
    _one_line_exit_2(result)
    assert "not inside a git repository" in result.err


def test_base_unknown_revision(run_cli, git_env, tmp_path: Path) -> None:
    result = run_cli("check", "--base", "no-such-tag", cwd=_repo(tmp_path))
    _one_line_exit_2(result)
    assert "unknown revision 'no-such-tag'" in result.err


def test_base_beyond_a_shallow_clone(run_cli, git_env, tmp_path: Path) -> None:
    origin = _repo(tmp_path)
    clone = tmp_path / "clone"
    run_git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(clone))
    result = run_cli("check", "--base", "HEAD~1", cwd=clone)
    _one_line_exit_2(result)
    assert "shallow" in result.err and "fetch" in result.err


def test_key_search_in_a_shallow_clone(run_cli, git_env, tmp_path: Path) -> None:
    origin = _repo(tmp_path)
    clone = tmp_path / "clone"
    run_git(tmp_path, "clone", "-q", "--depth", "1", f"file://{origin}", str(clone))
    (clone / "app.py").write_text(FLAGGED.format(name="A"))
    result = run_cli("check", "--base", "HEAD", cwd=clone)
    _one_line_exit_2(result)
    assert "shallow" in result.err and "--ignore FL203" in result.err


def test_key_history_follows_namespaced_fstrings(git_env, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    run_git(repo, "init", "-q", "-b", "main")
    toggle = 'NS = "enterprise"\nFLAG = WaffleFlag(f"{NS}.groups_v1", __name__)\n'
    _commit(repo, {"toggles.py": toggle}, "add", "2020-01-01T00:00:00+0000")
    _commit(repo, {"toggles.py": 'NS = "enterprise"\n'}, "drop", "2021-01-01T00:00:00+0000")
    _commit(
        repo,
        {"toggles.py": 'FLAG = WaffleFlag("enterprise.groups_v1", __name__)\n'},
        "back",
        "2022-01-01T00:00:00+0000",
    )
    keys = ["enterprise.groups_v1", "other.v1", "mine.v1"]
    changes = history.key_history(repo, keys, tails=True)
    assert [(c.commit.subject, c.delta) for c in changes["enterprise.groups_v1"]] == [
        ("add", 1),
        ("drop", -1),
        ("back", 1),
    ]
    plain = history.key_history(repo, keys)
    assert [c.commit.subject for c in plain["enterprise.groups_v1"]] == ["back"]


def test_base_borrows_work_tree_facts_for_unchanged_files(git_env, tmp_path: Path) -> None:
    from flaglint.engine import analyse_revision

    repo = _repo(tmp_path)
    _commit(repo, {"other.py": "def other():\n    pass\n"}, "other", "2023-01-01T00:00:00+0000")
    (repo / "app.py").write_text(FLAGGED.format(name="C"))
    config = load_config(repo)
    head = analyse(config, [repo], use_cache=False)
    base = analyse_revision(config, "HEAD", reuse=head)
    assert base.by_path["other.py"] is head.by_path["other.py"]
    assert base.by_path["app.py"] is not head.by_path["app.py"]
    assert base.inventory.keys().keys() == {"FEATURE_B"}


def test_a_rewrite_into_newer_syntax_is_a_reformat(git_env, tmp_path: Path) -> None:
    # A formatter targeting Python 3.14 drops the parentheses of `except (A, B):`
    # (PEP 758); the tree is the same whatever Python runs flaglint.
    repo = _repo(tmp_path)
    body = "def start():\n    try:\n        go()\n    except {}:\n        pass\n"
    _commit(
        repo, {"app.py": body.format("(KeyError, ValueError)")}, "try", "2023-01-01T00:00:00+0000"
    )
    _commit(
        repo, {"app.py": body.format("KeyError, ValueError")}, "fmt", "2023-02-01T00:00:00+0000"
    )
    head = run_git(repo, "rev-parse", "HEAD").strip()
    assert history.reformat_only(repo, head, "app.py")
    _commit(repo, {"app.py": body.format("KeyError, OSError")}, "edit", "2023-03-01T00:00:00+0000")
    head = run_git(repo, "rev-parse", "HEAD").strip()
    assert not history.reformat_only(repo, head, "app.py")
