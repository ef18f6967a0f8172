"""The result cache: a tree analysed before is read back, and every input changes the key."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import cache_folder, run_git

from flaglint.cache import findings as results_module
from flaglint.cache.findings import RESULTS
from flaglint.demo import materialise


@pytest.fixture
def demo(tmp_path: Path, git_env: None) -> Path:
    return materialise(tmp_path / "smars")


def _check(run_cli, repo: Path, *args: str):
    """A cached run and an uncached one: they must agree byte for byte."""
    cached = run_cli("check", "--stats", *args, cwd=repo)
    fresh = run_cli("check", "--no-cache", *args, cwd=repo)
    assert (cached.code, cached.out) == (fresh.code, fresh.out)
    return cached


def _state(result) -> str:
    return "cached" if "results=cached" in result.err else "computed"


def test_an_unchanged_tree_reads_its_findings_back(run_cli, demo: Path) -> None:
    first = _check(run_cli, demo)
    second = _check(run_cli, demo)
    assert (_state(first), _state(second)) == ("computed", "cached")
    assert "FL202" in second.out  # the demo's head has a finding to remember
    assert (cache_folder(demo) / RESULTS).is_file()


def test_every_input_of_the_findings_changes_the_key(
    run_cli, demo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _check(run_cli, demo)
    router = demo / "smars" / "router.py"
    appended = "\ndef more():\n    pass\n"
    steps = {
        "a file's content": lambda: router.write_text(router.read_text() + appended),
        "a new commit at HEAD": lambda: (
            run_git(demo, "add", "-A"),
            run_git(demo, "commit", "-qm", "more", date="2013-01-01T00:00:00"),
        ),
        "the configuration": lambda: (demo / "pyproject.toml").write_text(
            (demo / "pyproject.toml").read_text().replace("= 730", "= 3650")
        ),
        "a new file": lambda: (demo / "extra.py").write_text("def extra():\n    pass\n"),
    }
    for what, change in steps.items():
        change()
        assert _state(_check(run_cli, demo)) == "computed", what
        assert _state(_check(run_cli, demo)) == "cached", what
    # Dates in findings (expiry) are compared with today.
    tomorrow = dt.date.today() + dt.timedelta(days=1)

    class Tomorrow(dt.date):
        @classmethod
        def today(cls) -> dt.date:
            return tomorrow

    monkeypatch.setattr(results_module.dt, "date", Tomorrow)
    assert _state(run_cli("check", "--stats", cwd=demo)) == "computed"


def test_select_and_base_are_part_of_the_key(run_cli, demo: Path) -> None:
    runs = [
        ("check",),
        ("check", "--select", "FL3"),
        ("check", "--base", "v2003"),
        ("check", "--base", "v2005-refactor"),
    ]
    for args in runs:
        assert _state(_check(run_cli, demo, *args[1:])) == "computed", args
    for args in runs:
        assert _state(_check(run_cli, demo, *args[1:])) == "cached", args


def test_a_corrupt_results_file_is_a_miss(run_cli, demo: Path) -> None:
    _check(run_cli, demo)
    (cache_folder(demo) / RESULTS).write_bytes(b"\x80\x05 not a pickle")
    assert _state(_check(run_cli, demo)) == "computed"
    assert _state(_check(run_cli, demo)) == "cached"


def test_no_cache_writes_no_results(run_cli, demo: Path) -> None:
    result = run_cli("check", "--no-cache", "--stats", cwd=demo)
    assert _state(result) == "computed"
    assert not (cache_folder(demo) / RESULTS).exists()


def test_staged_checks_compute_every_time(run_cli, demo: Path) -> None:
    # The index is keyed, but blame reads the work tree: no entry for the staged tree.
    for _ in range(2):
        assert _state(run_cli("check", "--staged", "--stats", cwd=demo)) == "computed"


def test_a_clean_work_tree_answers_for_its_head_commit(run_cli, demo: Path) -> None:
    # The pre-commit hook's base run (HEAD's tree) reads what a clean check stored.
    assert _state(_check(run_cli, demo)) == "computed"
    router = demo / "smars" / "router.py"
    router.write_text(router.read_text() + "\ndef more():\n    pass\n")
    run_git(demo, "add", "-A")
    hook = ("--staged", "--base", "HEAD", "--new-only")
    cached = run_cli("check", "--stats", *hook, cwd=demo)
    assert "base-results=cached" in cached.err
    fresh = run_cli("check", "--no-cache", *hook, cwd=demo)
    assert (cached.code, cached.out) == (fresh.code, fresh.out)
    # A dirty work tree is not HEAD's: its files differ, and so does its key.
    assert _state(_check(run_cli, demo)) == "computed"


def test_a_revision_is_keyed_by_its_own_files(run_cli, demo: Path) -> None:
    # v2003 is an ancestor with other files: nothing of the work tree's applies.
    _check(run_cli, demo)
    result = run_cli("check", "--stats", "--base", "v2003", "--new-only", cwd=demo)
    assert "base-results=computed" in result.err
    again = run_cli("check", "--stats", "--base", "v2003", "--new-only", cwd=demo)
    assert "base-results=cached" in again.err


@pytest.mark.parametrize("output", ["text", "json", "sarif", "github"])
def test_stored_findings_answer_without_loading_any_facts(
    run_cli, demo: Path, monkeypatch: pytest.MonkeyPatch, output: str
) -> None:
    """A tree whose findings are stored reads no facts: the suppressions the gate
    needs (an unused one among them) and the files that do not parse come with
    the findings, and every format says what a run without the cache says."""
    from flaglint.cache import facts as facts_module

    (demo / "smars" / "broken.py").write_text("def broken(:\n")
    router = demo / "smars" / "router.py"
    router.write_text(router.read_text() + "\nVALUE = 1  # flaglint: ignore[FL101]\n")
    args = ("--format", output, "--report-unused-suppressions")
    first = _check(run_cli, demo, *args)
    assert _state(first) == "computed"
    assert output != "text" or ("FL901" in first.out and "FL902" in first.out)
    read: list[str] = []
    real = facts_module.FactCache.get
    monkeypatch.setattr(
        facts_module.FactCache, "get", lambda self, key: read.append(key) or real(self, key)
    )
    second = run_cli("check", "--stats", *args, cwd=demo)
    assert _state(second) == "cached"
    assert read == []
    assert (second.code, second.out) == (first.code, first.out)


def test_a_stored_entry_that_cannot_be_read_is_parsed_again(run_cli, demo: Path) -> None:
    """The cache's index says an entry is there, but its bytes are damaged: the
    file is parsed after all, and the findings are a fresh run's."""
    from flaglint.cache.facts import PACK

    fresh = run_cli("check", "--no-cache", cwd=demo)
    run_cli("check", cwd=demo)
    (cache_folder(demo) / RESULTS).unlink()
    pack = cache_folder(demo) / PACK
    data = bytearray(pack.read_bytes())
    for at in range(200, min(len(data) // 2, 20_000), 97):
        data[at] ^= 0xFF  # entries near the start: their tags no longer match
    pack.write_bytes(bytes(data))
    again = run_cli("check", "--stats", cwd=demo)
    assert (again.code, again.out) == (fresh.code, fresh.out)
    assert "parsed=0" not in again.err


def test_a_damaged_entry_parsed_again_is_keyed_by_what_was_read(tmp_path: Path) -> None:
    """A check loads its facts late (after the findings cache said it must): a file
    whose stored entry is damaged is read again then. If it was edited since it was
    keyed, its new facts must not be stored under the old content's key, or every
    later run of the old content reads the new content's facts."""
    from flaglint.cache.facts import PACK, FactCache
    from flaglint.config import load_config
    from flaglint.engine import analyse

    root = tmp_path / "tree"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.flaglint]\n")
    old, new = "def one():\n    return 1\n", "def two():\n    return 2\n"
    (root / "a.py").write_text(old)
    config = load_config(root)
    assert [d.qualname for d in analyse(config, [root]).files[0].definitions] == ["one"]
    pack = cache_folder(root) / PACK
    [(offset, length, _, _)] = FactCache(pack.parent, config.facts_fingerprint())._open().values()
    data = bytearray(pack.read_bytes())
    data[offset + length - 1] ^= 0xFF  # indexed, but its tag no longer matches
    pack.write_bytes(bytes(data))
    lazy = analyse(config, [root], lazy=True)  # keyed by the old content
    (root / "a.py").write_text(new)  # an editor saves before the facts are loaded
    lazy.files  # noqa: B018
    (root / "a.py").write_text(old)
    assert [d.qualname for d in analyse(config, [root]).files[0].definitions] == ["one"]


def test_a_file_saved_while_facts_load_stores_nothing_under_the_old_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A check reads and keys every file, then loads facts; a file saved in between
    is parsed as it is now (workers read it again). Its findings and edges are not
    stored under the content first read, so the next run of that content is a
    fresh run's (found by review: a cached run reported an FL301 the code had not)."""
    from flaglint.config import load_config
    from flaglint.engine import analyse
    from flaglint.engine.run import open_results, run_rules
    from flaglint.rules import ALL_RULES

    monkeypatch.setenv("FLAGLINT_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "tree"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.flaglint]\njobs = 2\n")
    quiet = (
        "def send_child_order(s, q, p):\n    return q\n\n\n"
        "def peg(parent, market):\n    send_child_order(parent.symbol, 100, market.bid)\n"
    )
    loop = quiet.replace("    send_child_order(p", "    while True:\n        send_child_order(p")
    for i in range(60):  # more than a pool's threshold: workers read the files again
        (root / f"m{i}.py").write_text(f"X{i} = {i}\n")
    (root / "z.py").write_text(quiet)
    config = load_config(root)
    rules = list(ALL_RULES)
    planned = analyse(config, [root], lazy=True)
    (root / "z.py").write_text(loop)
    assert [f.path for f in run_rules(planned, rules, open_results(config))] == ["z.py"]
    (root / "z.py").write_text(quiet)
    again = analyse(config, [root], lazy=True)
    assert run_rules(again, rules, open_results(config)) == []
    assert not again.stats.results_cached


def test_stored_findings_parse_nothing_and_say_so(run_cli, demo: Path) -> None:
    """Facts missing from the cache are not parsed when the stored findings answer:
    ``--stats`` counts what was parsed, not what would have been."""
    from flaglint.cache.facts import PACK

    run_cli("check", cwd=demo)
    (cache_folder(demo) / PACK).unlink()
    again = run_cli("check", "--stats", cwd=demo)
    assert _state(again) == "cached"
    assert "parsed=0 cached=0" in again.err
