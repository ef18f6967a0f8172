"""The facts cache: one pack file, entries added in place, corruption is a miss."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from conftest import cache_folder

from flaglint.cache.facts import MAGIC, PACK, STALE_RUNS, FactCache, dump_facts, load_facts
from flaglint.cache.location import TAG_SIZE
from flaglint.facts import build_facts
from flaglint.facts.comments import marker_pattern
from flaglint.facts.model import FileFacts


def _facts(name: str, body: str = "x = 1\n") -> FileFacts:
    source = f"import os\n{body}if os.getenv('FEATURE_{name.upper()}'):\n    go()\n"
    return build_facts(f"{name}.py", source.encode(), name, False, frozenset(), marker_pattern(()))


def _stored(directory: Path, names: list[str]) -> dict[str, FileFacts]:
    cache = FactCache(directory, "test")
    stored = {}
    for name in names:
        facts = _facts(name)
        cache.put(cache.key(name, name, f"{name}.py"), facts)
        stored[name] = facts
    cache.flush()
    return stored


def test_pickled_facts_round_trip_as_the_same_records() -> None:
    facts = _facts("a")
    back = load_facts(dump_facts(facts))
    assert back == facts
    assert type(back) is FileFacts and type(back.calls[0]) is type(facts.calls[0])
    assert load_facts(b"not a pickle") is None


def test_a_new_process_reads_what_the_last_one_wrote(tmp_path: Path) -> None:
    stored = _stored(tmp_path, ["a", "b"])
    assert sorted(p.name for p in tmp_path.iterdir()) == [".gitignore", PACK]
    cache = FactCache(tmp_path, "test")
    assert cache.get(cache.key("a", "a", "a.py")) == stored["a"]
    assert cache.get(cache.key("b", "b", "b.py")) == stored["b"]
    assert cache.get(cache.key("c", "c", "c.py")) is None
    assert (cache.hits, cache.misses) == (2, 1)
    # Another configuration salts every key: nothing it asks for is found.
    other = FactCache(tmp_path, "other")
    assert other.get(other.key("a", "a", "a.py")) is None


def test_adding_an_entry_keeps_the_others(tmp_path: Path) -> None:
    stored = _stored(tmp_path, ["a", "b"])
    cache = FactCache(tmp_path, "test")
    assert cache.get(cache.key("a", "a", "a.py")) is not None
    edited = _facts("a", "x = 2\n")
    cache.put(cache.key("a2", "a", "a.py"), edited)
    cache.flush()
    again = FactCache(tmp_path, "test")
    assert again.get(again.key("a2", "a", "a.py")) == edited
    assert again.get(again.key("a", "a", "a.py")) == stored["a"]
    assert again.get(again.key("b", "b", "b.py")) == stored["b"]


def test_old_versions_of_a_file_go_the_only_version_stays(tmp_path: Path) -> None:
    _stored(tmp_path, ["a", "b", "c"])
    # Every writing run stores a new version of a.py and uses nothing else.
    runs = 3 * STALE_RUNS
    for run in range(runs):
        cache = FactCache(tmp_path, "test")
        cache.put(cache.key(f"a{run}", "a", "a.py"), _facts("a", f"x = {run}\n"))
        cache.flush()
    again = FactCache(tmp_path, "test")
    # b.py and c.py have one version each: kept, however long no writing run used them.
    assert again.get(again.key("b", "b", "b.py")) is not None
    assert again.get(again.key("c", "c", "c.py")) is not None
    # a.py's versions unused for STALE_RUNS runs went; the recent ones stay.
    assert again.get(again.key("a", "a", "a.py")) is None
    assert again.get(again.key("a0", "a", "a.py")) is None
    for run in range(runs - STALE_RUNS, runs):
        assert again.get(again.key(f"a{run}", "a", "a.py")) is not None, run


def test_a_corrupt_pack_is_a_miss_and_is_replaced(tmp_path: Path) -> None:
    stored = _stored(tmp_path, ["a"])
    pack = tmp_path / PACK
    pack.write_bytes(pack.read_bytes()[:-20])
    cache = FactCache(tmp_path, "test")
    key = cache.key("a", "a", "a.py")
    assert cache.get(key) is None
    cache.put(key, stored["a"])
    cache.flush()
    assert FactCache(tmp_path, "test").get(key) == stored["a"]


def test_a_corrupt_entry_is_a_miss_and_a_new_one_wins(tmp_path: Path) -> None:
    stored = _stored(tmp_path, ["a", "b"])
    pack = tmp_path / PACK
    data = bytearray(pack.read_bytes())
    first_entry = len(MAGIC) + TAG_SIZE  # after the header and the entry's tag
    data[first_entry : first_entry + 8] = b"garbage!"
    pack.write_bytes(bytes(data))
    cache = FactCache(tmp_path, "test")
    keys = {name: cache.key(name, name, f"{name}.py") for name in ("a", "b")}
    broken = [name for name, key in keys.items() if cache.get(key) is None]
    assert len(broken) == 1
    cache.put(keys[broken[0]], stored[broken[0]])
    cache.flush()
    again = FactCache(tmp_path, "test")
    assert all(again.get(key) == stored[name] for name, key in keys.items())


def test_no_directory_means_no_files(tmp_path: Path) -> None:
    cache = FactCache(None, "test")
    facts = _facts("a")
    key = cache.key("a", "a", "a.py")
    assert cache.get(key) is None
    cache.put(key, facts)
    cache.flush()
    assert cache.get(key) == facts  # kept for the rest of the process only
    assert not any(tmp_path.iterdir())


def test_check_base_keeps_the_work_tree_cached(run_cli, git_env, tmp_path: Path) -> None:
    """A --base run writes the revision's entries without dropping the work tree's."""
    from conftest import run_git

    repo = tmp_path / "repo"
    (repo / "app").mkdir(parents=True)
    (repo / "pyproject.toml").write_text("[tool.flaglint]\n")
    (repo / "app" / "__init__.py").write_text("")
    for index in range(6):
        (repo / "app" / f"m{index}.py").write_text(f"def f{index}():\n    return {index}\n")
    run_git(repo, "init", "-q", "-b", "main")
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "first")
    (repo / "app" / "m0.py").write_text("def f0():\n    return 10\n")
    run_git(repo, "commit", "-q", "-am", "second")
    run_cli("check", cwd=repo)
    based = run_cli("check", "--base", "HEAD~1", "--stats", cwd=repo)
    assert "parsed=0 cached=7" in based.err
    again = run_cli("check", "--stats", cwd=repo)
    assert "parsed=0 cached=7" in again.err


def _repo(tmp_path: Path, git_env: None) -> Path:
    from conftest import run_git

    repo = tmp_path / "repo"
    for package in ("app", "lib"):
        (repo / package).mkdir(parents=True)
        (repo / package / "__init__.py").write_text("")
        for index in range(4):
            (repo / package / f"m{index}.py").write_text(f"def f{index}():\n    return {index}\n")
    (repo / "pyproject.toml").write_text("[tool.flaglint]\n")
    run_git(repo, "init", "-q", "-b", "main")
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "first")
    return repo


def test_a_run_over_one_folder_keeps_the_other_folders_cached(
    run_cli, git_env, tmp_path: Path
) -> None:
    repo = _repo(tmp_path, git_env)
    run_cli("check", cwd=repo)
    (repo / "app" / "m0.py").write_text("def f0():\n    return 10\n")
    assert "parsed=1 cached=4" in run_cli("check", "app", "--stats", cwd=repo).err
    assert "parsed=0 cached=10" in run_cli("check", "--stats", cwd=repo).err


def test_no_cache_leaves_the_pack_alone_with_base_and_staged(
    run_cli, git_env, tmp_path: Path
) -> None:
    from conftest import run_git

    repo = _repo(tmp_path, git_env)
    (repo / "app" / "m0.py").write_text("def f0():\n    return 10\n")
    run_git(repo, "commit", "-q", "-am", "second")
    run_cli("check", cwd=repo)
    pack = cache_folder(repo) / PACK
    before = pack.read_bytes()
    (repo / "app" / "m1.py").write_text("def f1():\n    return 11\n")
    run_git(repo, "add", "-A")
    for args in (("--base", "HEAD~1"), ("--staged",), ("--staged", "--base", "HEAD~1")):
        result = run_cli("check", "--no-cache", "--stats", *args, cwd=repo)
        assert result.code in (0, 1), (args, result.err)
        assert pack.read_bytes() == before, args


def test_entries_read_by_every_full_run_survive_edits_in_one_folder(
    git_env, tmp_path: Path
) -> None:
    # An editor re-checks the folder it saves into, with full checks between:
    # the full checks write nothing, so only the saves stamp entries.
    from flaglint.config import load_config
    from flaglint.engine import analyse

    root = _repo(tmp_path, git_env)
    config = load_config(root)
    analyse(config, [root])
    for save in range(3 * STALE_RUNS):
        (root / "app" / "m0.py").write_text(f"def f0():\n    return {100 + save}\n")
        assert analyse(config, [root / "app"]).stats.parsed == 1, save
        assert analyse(config, [root]).stats.parsed == 0, save


@pytest.mark.parametrize("fmt", range(1, 10))
def test_a_pack_of_any_older_format_is_a_miss_and_is_replaced(tmp_path: Path, fmt: int) -> None:
    """Every layout the pack has had reads as empty, and the next write replaces it."""
    import pickle

    from flaglint.cache.facts import INDEX, MAGIC
    from flaglint.cache.location import tag

    facts = _facts("a")
    entry = pickle.dumps(facts)
    shapes = {1: (0, len(entry)), 6: (0, len(entry)), 7: (0, len(entry), 1)}
    shape = next((v for k, v in sorted(shapes.items(), reverse=True) if fmt >= k), (0, 1))
    if fmt <= 8:  # unkeyed: entries, a pickled index, its offset
        index = pickle.dumps((1, {"k": shape}) if fmt >= 6 else {"k": shape})
        pack = entry + index + len(entry).to_bytes(8, "little")
    else:  # this format's header and a valid tag over an index of the wrong shape
        index = pickle.dumps((1, {"k": (len(MAGIC), len(entry), 1)}))
        index_tag = tag(index, INDEX)
        assert index_tag is not None
        pack = MAGIC + entry + index + index_tag + (len(MAGIC) + len(entry)).to_bytes(8, "little")
    (tmp_path / PACK).write_bytes(pack)
    cache = FactCache(tmp_path, "test")
    key = cache.key("a", "a", "a.py")
    assert cache.get(key) is None and cache.get("k") is None
    cache.put(key, facts)
    cache.flush()
    assert FactCache(tmp_path, "test").get(key) == facts


def test_a_change_to_flaglint_s_code_is_a_cache_miss(tmp_path, monkeypatch) -> None:
    """Caches are keyed by the installed code, not only the version string."""
    import os

    import flaglint
    from flaglint import stamp

    stamp.code_stamp.cache_clear()
    before = stamp.code_stamp()
    assert before.startswith(flaglint.__version__ + ":")
    module = os.path.join(os.path.dirname(flaglint.__file__), "stamp.py")
    info = os.stat(module)
    try:
        os.utime(module, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
        stamp.code_stamp.cache_clear()
        assert stamp.code_stamp() != before
    finally:
        os.utime(module, ns=(info.st_atime_ns, info.st_mtime_ns))
        stamp.code_stamp.cache_clear()
    assert stamp.code_stamp() == before


def test_a_stamped_file_is_its_tagged_pickle_written_in_pieces(tmp_path: Path, monkeypatch) -> None:
    """The pickle goes to the file as it is made (frames of 64 KB), its tag in front:
    the file reads back, and its tag is the tag of every byte after it."""
    from flaglint.cache import location
    from flaglint.cache.store import MAGIC as STORE_MAGIC
    from flaglint.cache.store import read_stamped, write_stamped

    monkeypatch.setenv("FLAGLINT_CACHE_DIR", str(tmp_path / "home"))
    location._keys.clear()
    folder = tmp_path / "cache"
    value = {f"location.{n}": (n, f"target.{n % 97}", b"x" * (n % 13)) for n in range(40_000)}

    def whole(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise AssertionError("the whole pickle was made in memory")

    with monkeypatch.context() as patched:
        patched.setattr(pickle, "dumps", whole)
        write_stamped(folder, "big.pickle", "test", value)
    data = (folder / "big.pickle").read_bytes()
    assert len(data) > 1 << 20  # many frames
    head = len(STORE_MAGIC) + location.TAG_SIZE
    assert data.startswith(STORE_MAGIC)
    assert data[len(STORE_MAGIC) : head] == location.tag(data[head:], b"flaglint-store1")
    assert read_stamped(folder, "big.pickle", "test") == value
    assert read_stamped(folder, "big.pickle", "other") is None
    forged = bytearray(data)
    forged[-100] ^= 1
    (folder / "big.pickle").write_bytes(bytes(forged))
    assert read_stamped(folder, "big.pickle", "test") is None
    location._keys.clear()


def test_a_value_that_cannot_be_pickled_leaves_no_file(tmp_path: Path, monkeypatch) -> None:
    from flaglint.cache import location
    from flaglint.cache.store import read_stamped, write_stamped

    monkeypatch.setenv("FLAGLINT_CACHE_DIR", str(tmp_path / "home"))
    location._keys.clear()
    folder = tmp_path / "cache"
    write_stamped(folder, "kept.pickle", "test", [1, 2])
    with pytest.raises((pickle.PicklingError, TypeError, AttributeError)):
        write_stamped(folder, "kept.pickle", "test", [b"x" * 200_000, lambda: None])
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".tmp-")) == []
    assert read_stamped(folder, "kept.pickle", "test") == [1, 2]  # the old file stands
    location._keys.clear()


def test_another_python_is_a_cache_miss(monkeypatch) -> None:
    """Facts are read with this interpreter's ``ast``, and findings pickled by it: a
    cache folder shared with another Python version (a venv rebuilt on 3.12, a CI
    image upgraded) is not read back."""
    import sys
    from types import SimpleNamespace

    from flaglint import stamp

    stamp.code_stamp.cache_clear()
    before = stamp.code_stamp()
    other = SimpleNamespace(**{**vars(sys.implementation), "cache_tag": "cpython-399"})
    monkeypatch.setattr(sys, "implementation", other)
    stamp.code_stamp.cache_clear()
    try:
        assert stamp.code_stamp() != before
    finally:
        monkeypatch.undo()
        stamp.code_stamp.cache_clear()
    assert stamp.code_stamp() == before
