"""pre-commit, for real: the hook installed in a repository, blocking a commit.

By default the hooks of ``.pre-commit-hooks.yaml`` run as a ``repo: local``
hook with ``language: system`` (the same id, entry, file filters and flags, the
``flaglint`` of this environment): offline, and what the manifest says is what
runs. The published hook, which pre-commit installs with pip from a snapshot of
this working copy (its dependencies from the package index), is marked
``network`` and runs in its own step of ``.ci/run``: ``pytest -m network``.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pre_commit") is None,
    reason="pre-commit is not installed (it is in the test extra: pip install -e '.[test]')",
)

yaml = pytest.importorskip("yaml")  # pre-commit's own dependency

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ("src", "pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml")

CONFIG = """\
[tool.flaglint.flags]
smars-peg-mode = { expires = "2004-01-01", owner = "routing" }
"""

CLEAN = """\
import ldclient

client = ldclient.get()


def route(order):
    return order
"""

REVIVES_EXPIRED_FLAG = """\
import ldclient

client = ldclient.get()


def route(order):
    if client.variation("smars-peg-mode", order, False):
        return power_peg(order)
    return order
"""


def _env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME="flaglint tests",
        GIT_AUTHOR_EMAIL="tests@example.com",
        GIT_COMMITTER_NAME="flaglint tests",
        GIT_COMMITTER_EMAIL="tests@example.com",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=str(home / "gitconfig"),
        PRE_COMMIT_HOME=str(home / "pre-commit"),
        PRE_COMMIT_COLOR="never",
    )
    env.pop("PRE_COMMIT", None)
    return env


def _run(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    result = _run(cwd, env, "git", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, str]]:
    """This working copy, committed to a repository pre-commit can clone."""
    home = tmp_path_factory.mktemp("home")
    env = _env(home)
    snapshot = tmp_path_factory.mktemp("flaglint-hooks")
    for name in SNAPSHOT:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, snapshot / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, snapshot / name)
    _git(snapshot, env, "init", "-q", "-b", "main")
    _git(snapshot, env, "add", "-A")
    _git(snapshot, env, "commit", "-q", "-m", "snapshot")
    return snapshot, _git(snapshot, env, "rev-parse", "HEAD"), env


def _project(tmp_path: Path, hook_repo: tuple[Path, str, dict[str, str]]) -> Path:
    snapshot, rev, env = hook_repo
    project = tmp_path / "project"
    project.mkdir()
    _git(project, env, "init", "-q", "-b", "main")
    (project / "pyproject.toml").write_text(CONFIG)
    (project / "router.py").write_text(CLEAN)
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {snapshot}\n  rev: {rev}\n  hooks:\n  - id: flaglint\n"
    )
    _git(project, env, "add", "-A")
    _git(project, env, "commit", "-q", "-m", "clean start")
    return project


def _local_project(tmp_path: Path, env: dict[str, str]) -> Path:
    """A project whose .pre-commit-config.yaml runs the manifest's hook locally."""
    manifest = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    hook = dict(next(h for h in manifest if h["id"] == "flaglint"))
    flaglint = Path(sys.executable).with_name("flaglint")
    hook.update(language="system", entry=f"{flaglint} {hook['entry'].split(' ', 1)[1]}")
    project = tmp_path / "project"
    project.mkdir()
    _git(project, env, "init", "-q", "-b", "main")
    (project / "pyproject.toml").write_text(CONFIG)
    (project / "router.py").write_text(CLEAN)
    config = {"repos": [{"repo": "local", "hooks": [hook]}]}
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    _git(project, env, "add", "-A")
    _git(project, env, "commit", "-q", "-m", "clean start")
    return project


def _blocks_then_passes(project: Path, env: dict[str, str]) -> None:
    installed = _run(project, env, sys.executable, "-m", "pre_commit", "install")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    head = _git(project, env, "rev-parse", "HEAD")
    (project / "router.py").write_text(REVIVES_EXPIRED_FLAG)
    _git(project, env, "add", "router.py")
    blocked = _run(project, env, "git", "commit", "-m", "revive power peg")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "router.py:7:8: FL103 flag 'smars-peg-mode' expired on 2004-01-01" in output
    assert _git(project, env, "rev-parse", "HEAD") == head
    (project / "router.py").write_text(CLEAN.replace("return order", "return dict(order)"))
    _git(project, env, "add", "router.py")
    passed = _run(project, env, "git", "commit", "-m", "a clean change")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert _git(project, env, "rev-parse", "HEAD") != head


def test_the_manifests_hook_blocks_a_commit_offline(tmp_path: Path) -> None:
    env = _env(tmp_path / "home")
    env["PIP_NO_INDEX"] = "1"  # nothing may be downloaded
    _blocks_then_passes(_local_project(tmp_path, env), env)


@pytest.mark.network
def test_the_hook_blocks_a_commit_that_adds_a_finding(tmp_path: Path, hook_repo) -> None:
    _, _, env = hook_repo
    _blocks_then_passes(_project(tmp_path, hook_repo), env)


@pytest.mark.network
def test_try_repo_runs_the_published_hook(tmp_path: Path, hook_repo) -> None:
    snapshot, _, env = hook_repo
    project = _project(tmp_path, hook_repo)
    (project / "router.py").write_text(REVIVES_EXPIRED_FLAG)
    _git(project, env, "add", "router.py")
    tried = _run(
        project, env, sys.executable, "-m", "pre_commit", "try-repo", str(snapshot), "flaglint"
    )
    assert tried.returncode == 1, tried.stdout + tried.stderr
    assert "FL103" in tried.stdout
    # Untracked files are not part of the commit: --staged leaves them out.
    (project / "router.py").write_text(CLEAN.replace("return order", "return dict(order)"))
    _git(project, env, "add", "router.py")
    (project / "scratch.py").write_text(REVIVES_EXPIRED_FLAG)
    tried = _run(
        project, env, sys.executable, "-m", "pre_commit", "try-repo", str(snapshot), "flaglint"
    )
    assert tried.returncode == 0, tried.stdout + tried.stderr
    assert "FL103" not in tried.stdout and "Passed" in tried.stdout
