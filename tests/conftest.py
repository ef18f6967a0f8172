from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def user_cache_home(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Caches (and their key) in a folder of the test session, never the user's own."""
    home = tmp_path_factory.getbasetemp() / "user-cache"
    monkeypatch.setenv("FLAGLINT_CACHE_DIR", str(home))
    return home


def cache_folder(root: Path) -> Path:
    """Where a run over ``root`` keeps its caches by default."""
    from flaglint.cache.location import default_directory

    return default_directory(root)


@pytest.fixture
def git_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A predictable git identity that ignores the machine's configuration."""
    for name, value in {
        "GIT_AUTHOR_NAME": "flaglint tests",
        "GIT_AUTHOR_EMAIL": "tests@example.com",
        "GIT_COMMITTER_NAME": "flaglint tests",
        "GIT_COMMITTER_EMAIL": "tests@example.com",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
    }.items():
        monkeypatch.setenv(name, value)


def text_tree(root: Path) -> dict[str, str]:
    """Every file under ``root`` (caches aside) by relative path, as text."""
    return {
        p.relative_to(root).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def copy_fixture(name: str, target: Path) -> Path:
    source = FIXTURES / name
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
    else:
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target / source.name)
    return target


def run_git(repo: Path, *args: str, date: str | None = None) -> str:
    env = None
    if date:
        import os

        env = dict(os.environ, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True, env=env
    ).stdout


def committed_repo(root: Path, files: dict[str, str]) -> Path:
    """A git repository at ``root`` holding ``files`` (path -> text) in one commit."""
    root.mkdir(parents=True)
    for path, text in files.items():
        (root / path).write_text(text)
    run_git(root, "init", "-q", "-b", "main")
    run_git(root, "add", "-A")
    run_git(root, "commit", "-q", "-m", "one", date="2001-01-01T00:00:00+0000")
    return root


class CliResult:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run ``flaglint ARGS`` in-process from ``cwd``; returns exit code, stdout, stderr."""
    from flaglint.cli import main

    def invoke(*args: str, cwd: Path | None = None) -> CliResult:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke
