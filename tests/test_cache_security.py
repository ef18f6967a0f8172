"""No cache file that an analysed repository can supply is ever unpickled.

A repository that force-adds ``.flaglint_cache/``, ships a tarball with one,
or points ``cache-dir`` at a tracked folder must not run code on the machines
that check it. Every forged file below would run ``os.mkdir(MARKER)`` if it
reached ``pickle.loads``.
"""

from __future__ import annotations

import os
import pickle
import stat
from pathlib import Path

import pytest
from conftest import cache_folder, run_git

from flaglint.cache import location as cachedir
from flaglint.cache.facts import MAGIC, PACK
from flaglint.cache.findings import RESULTS
from flaglint.cache.store import MAGIC as STORE_MAGIC
from flaglint.callgraph.incremental import INDEX
from flaglint.rules.dormant.unused import VULTURE_STORE

SOURCE = """\
import os


def route(order):
    if os.environ.get("FEATURE_FAST"):
        return fast(order)
    return order


def fast(order):
    return order
"""


class _Payload:
    """Pickles to a call of ``os.mkdir(path)``: proof that a file was unpickled."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (str(self.path),))


def _forge(folder: Path, marker: Path) -> None:
    """Every cache file flaglint reads, in the old unkeyed layouts and the new one."""
    folder.mkdir(parents=True, exist_ok=True)
    evil = pickle.dumps(_Payload(marker), protocol=pickle.HIGHEST_PROTOCOL)
    for name in (RESULTS, "edges.pickle", INDEX, VULTURE_STORE):
        (folder / name).write_bytes(evil)  # format before keys: one plain pickle
    # The facts pack before keys: entries, a pickled index, its offset.
    (folder / PACK).write_bytes(evil + (0).to_bytes(8, "little"))
    # The keyed layouts with a made-up tag: refused before unpickling.
    tag = b"\0" * cachedir.TAG_SIZE
    (folder / ("forged-" + RESULTS)).write_bytes(STORE_MAGIC + tag + evil)
    (folder / "edges-unknown.pickle").write_bytes(STORE_MAGIC + tag + evil)  # a snapshot
    index_at = len(MAGIC)
    forged_pack = MAGIC + evil + tag + index_at.to_bytes(8, "little")
    (folder / ("forged-" + PACK)).write_bytes(forged_pack)


def _repository(tmp_path: Path, cache_dir: str | None) -> Path:
    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / "app" / "router.py").write_text(SOURCE)
    if cache_dir is not None:
        (repo / "pyproject.toml").write_text(f'[tool.flaglint]\ncache-dir = "{cache_dir}"\n')
    run_git(repo, "init", "-q")
    return repo


COMMANDS = [
    ("check",),
    ("check", "--staged"),
    ("check", "--base", "HEAD"),
    ("flags",),
    ("audit", "--format", "json"),
    ("remove-flag", "FEATURE_FAST", "--keep", "on"),
    ("callgraph",),
]


@pytest.mark.parametrize("cache_dir", [None, "assets"])
def test_a_cache_the_repository_ships_never_runs(
    run_cli, git_env, tmp_path: Path, cache_dir: str | None
) -> None:
    marker = tmp_path / "pwned"
    repo = _repository(tmp_path, cache_dir)
    # Shipped where flaglint used to look by default, where the config points,
    # and force-added to git so that a clone has them.
    for folder in {repo / ".flaglint_cache", repo / (cache_dir or ".flaglint_cache")}:
        _forge(folder, marker)
    run_git(repo, "add", "-f", "-A")
    run_git(repo, "commit", "-qm", "a repository with a booby-trapped cache")
    for args in COMMANDS:
        result = run_cli(*args, cwd=repo)
        assert not marker.exists(), args
        assert result.code in (0, 1), (args, result.err)
    if cache_dir is not None:
        assert "holds files git tracks" in run_cli("check", cwd=repo).err


def test_forged_files_in_the_users_cache_folder_never_run(run_cli, git_env, tmp_path: Path) -> None:
    # Written by another program, an older flaglint or another user: no valid tag.
    marker = tmp_path / "pwned"
    repo = _repository(tmp_path, None)
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-qm", "clean")
    _forge(cache_folder(repo), marker)
    for args in COMMANDS:
        run_cli(*args, cwd=repo)
        assert not marker.exists(), args
    # ... and the run replaced them with entries it can read back.
    warm = run_cli("flags", "--stats", cwd=repo)
    assert "parsed=0" in warm.err and not marker.exists()


def test_caches_live_outside_the_tree_by_default(run_cli, git_env, tmp_path: Path) -> None:
    repo = _repository(tmp_path, None)
    run_cli("check", cwd=repo)
    assert not (repo / ".flaglint_cache").exists()
    assert (cache_folder(repo) / PACK).is_file()
    assert repo not in cache_folder(repo).parents


def test_cache_dir_on_the_command_line_is_used_as_given(run_cli, git_env, tmp_path: Path) -> None:
    repo = _repository(tmp_path, None)
    chosen = tmp_path / "ci-cache"
    run_cli("check", "--cache-dir", str(chosen), cwd=repo)
    assert (chosen / PACK).is_file()
    assert "parsed=0" in run_cli("check", "--stats", "--cache-dir", str(chosen), cwd=repo).err


@pytest.mark.parametrize("value", [".", "./", "../elsewhere", "/tmp/x", "a/../../b", ".git/x", ""])
def test_a_cache_dir_outside_the_root_is_a_config_error(
    run_cli, tmp_path: Path, value: str
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "m.py").write_text("x = 1\n")
    (repo / "pyproject.toml").write_text(f'[tool.flaglint]\ncache-dir = "{value}"\n')
    result = run_cli("check", cwd=repo)
    assert result.code == 2
    assert "cache-dir" in result.err and result.err.count("\n") == 1
    assert not (repo / ".gitignore").exists()
    assert not (tmp_path / "elsewhere").exists()


def test_a_cache_dir_linked_out_of_the_root_is_not_used(run_cli, git_env, tmp_path: Path) -> None:
    repo = _repository(tmp_path, "assets")
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / "assets").symlink_to(outside)
    result = run_cli("check", cwd=repo)
    assert "leads out of the root" in result.err
    assert list(outside.iterdir()) == []


def test_an_untracked_cache_dir_inside_the_root_works(run_cli, git_env, tmp_path: Path) -> None:
    repo = _repository(tmp_path, "build/flaglint")
    run_cli("check", cwd=repo)
    assert (repo / "build" / "flaglint" / PACK).is_file()
    assert "parsed=0" in run_cli("flags", "--stats", cwd=repo).err


def test_a_key_others_can_write_is_not_trusted(tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("FLAGLINT_CACHE_DIR", str(home))
    cachedir._keys.clear()
    key = cachedir.secret_key()
    assert key is not None and len(key) == cachedir.KEY_SIZE
    key_file = home / cachedir.KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key_file.chmod(0o666)
    cachedir._keys.clear()
    assert cachedir.secret_key() is None
    assert cachedir.tag(b"data", b"ctx") is None
    assert not cachedir.verified(b"data", b"\0" * cachedir.TAG_SIZE, b"ctx")
    cachedir._keys.clear()


@pytest.mark.parametrize("home", [".fcache", "IN_TREE"])
def test_a_cache_home_inside_the_tree_is_never_trusted(
    run_cli, git_env, tmp_path: Path, monkeypatch, home: str
) -> None:
    """The tree may ship the key itself: a home inside it turns caching off."""
    marker = tmp_path / "pwned"
    repo = _repository(tmp_path, None)
    planted = repo / ".fcache"
    planted.mkdir()
    (planted / cachedir.KEY_FILE).write_bytes(b"k" * cachedir.KEY_SIZE)
    (planted / cachedir.KEY_FILE).chmod(0o600)
    monkeypatch.setenv("FLAGLINT_CACHE_DIR", str(planted) if home == "IN_TREE" else home)
    cachedir._keys.clear()
    # A forged results file tagged with the planted key, where the default folder would be.
    import hashlib

    forged = cache_folder(repo)
    forged.mkdir(parents=True)
    payload = pickle.dumps(_Payload(marker))
    tag = hashlib.blake2b(
        payload, digest_size=32, key=b"k" * cachedir.KEY_SIZE, person=b"flaglint-store1"
    ).digest()
    (forged / RESULTS).write_bytes(STORE_MAGIC + tag + payload)
    run_git(repo, "add", "-f", "-A")
    run_git(repo, "commit", "-qm", "planted key")
    result = run_cli("check", cwd=repo)
    assert not marker.exists()
    assert "caching is off" in result.err
    cachedir._keys.clear()
