"""Work done in a forked child while the check goes on: what the child sends back,
a check's flag inventory built while the flow is solved, vulture's verdict and
the breakers' rules while the other rules run. Each gives what the same work done in place gives,
and a child that fails leaves the work to this process."""

from __future__ import annotations

import os
import shutil
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import committed_repo
from histories import replay

from flaglint.cache import background
from flaglint.callgraph import workers
from flaglint.config import load_config
from flaglint.engine import analyse, attach_base, run_rules
from flaglint.flags import inventory as inventory_module
from flaglint.flags import stored
from flaglint.flags.stored import StoredInventory
from flaglint.rules import ALL_RULES, by_code
from flaglint.rules.dormant import evidence as dormancy

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or sys.platform == "darwin", reason="no child is forked there"
)

FIXTURES = Path(__file__).parent / "fixtures"


def _fail_in_children(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> None:
    """Make ``owner.name`` raise MemoryError in any forked child, and work here."""
    parent = os.getpid()
    real = getattr(owner, name)

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            raise MemoryError
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, failing)


ROUTER = """\
import os

import ldclient


def route(order):
    if ldclient.get().variation("peg", order.ctx, False):
        power_peg(order)
    if os.getenv("FEATURE_FAST_FILL") == "1":
        fast_fill(order)
    elif not ldclient.get().variation(order.kind, order.ctx, False):
        slow_fill(order)
    send(order, ldclient.get().variation("retail-liquidity", order.ctx, False))


def send(order, retail):
    if retail:
        return order
    return None


def power_peg(order):
    '''Deprecated: Power Peg is no longer used.'''
    while True:
        send(order, False)


def fast_fill(order):
    return order


def slow_fill(order):
    return order


if __name__ == "__main__":
    route(None)
"""


# ------------------------------------------------------------------ compute
def test_the_child_sends_back_what_it_computed_from_memory_as_forked() -> None:
    state = {"rows": [1, 2, 3]}
    pending = background.compute(lambda: repr((os.getpid(), state["rows"])).encode())
    assert pending is not None
    state["rows"].clear()  # this process goes on changing what it holds
    pid, rows = eval(pending.result() or b"")  # noqa: S307 - our own repr
    assert rows == [1, 2, 3]
    assert pid != os.getpid()


def test_a_result_larger_than_a_pipe_holds_arrives_whole() -> None:
    big = os.urandom(3 << 20)
    pending = background.compute(lambda: big)
    assert pending is not None
    assert pending.result() == big


def test_a_failing_child_sends_nothing() -> None:
    def fail() -> bytes:
        raise RuntimeError("out of memory, say")

    pending = background.compute(fail)
    assert pending is not None
    assert pending.result() is None


def test_with_another_thread_running_nothing_is_forked() -> None:
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert background.compute(lambda: b"never") is None
    finally:
        release.set()
        other.join()


# ---------------------------------------------------------------- inventory
@pytest.fixture
def built_here(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Pids of the processes that built an inventory (this one's pid appears only
    for builds done here: a child's list is its own copy)."""
    counted: list[int] = []
    original = inventory_module.Inventory.__init__

    def init(self, files, config, resolver=None):  # type: ignore[no-untyped-def]
        counted.append(os.getpid())
        original(self, files, config, resolver)

    monkeypatch.setattr(inventory_module.Inventory, "__init__", init)
    return counted


def _check(root: Path, aside: bool, use_cache: bool = True) -> tuple[object, list[object]]:
    project = analyse(load_config(root), [root], use_cache=use_cache)
    project.inventory_aside = aside
    findings = run_rules(project, ALL_RULES)
    return project, [(f.rule, f.path, f.line, f.symbol, f.flag, f.message) for f in findings]


def _repo(tmp_path: Path) -> Path:
    return committed_repo(
        tmp_path / "repo",
        {"pyproject.toml": "[tool.flaglint]\njobs = 2\n", "router.py": ROUTER},
    )


@pytest.mark.usefixtures("git_env")
def test_a_checks_inventory_is_built_aside_and_gives_the_same_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, built_here: list[int]
) -> None:
    root = _repo(tmp_path)
    _, expected = _check(root, aside=False, use_cache=False)
    assert built_here == [os.getpid()]
    monkeypatch.setattr(workers, "PARALLEL_RESOLUTION", 1)
    project, found = _check(root, aside=True)
    assert found == expected
    assert built_here == [os.getpid()]  # not built here again: the child built it
    assert isinstance(project.inventory, StoredInventory)
    # The child stored it too: the next run of the same tree finds it there.
    key = stored.inventory_key(project.tree_digest(), project.config)
    assert stored.is_stored(project.cache_directory, key)


@pytest.mark.usefixtures("git_env")
def test_a_child_that_fails_leaves_the_inventory_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, built_here: list[int]
) -> None:
    root = _repo(tmp_path)
    _, expected = _check(root, aside=False, use_cache=False)
    monkeypatch.setattr(workers, "PARALLEL_RESOLUTION", 1)
    _fail_in_children(monkeypatch, stored, "entry")
    _, found = _check(root, aside=True)
    assert found == expected
    assert built_here == [os.getpid()] * 2  # built here after the child failed


@pytest.mark.usefixtures("git_env")
def test_without_the_checks_consent_or_below_the_size_the_inventory_is_built_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, built_here: list[int]
) -> None:
    root = _repo(tmp_path)
    _check(root, aside=True)  # a project of two files: a fork would not pay
    monkeypatch.setattr(workers, "PARALLEL_RESOLUTION", 1)
    shutil.rmtree(os.environ["FLAGLINT_CACHE_DIR"])
    project, _ = _check(root, aside=False)  # audit, show: they ask more than is stored
    assert built_here == [os.getpid(), os.getpid()]
    assert not isinstance(project.inventory, StoredInventory)


@pytest.mark.usefixtures("git_env")
@pytest.mark.parametrize("head_checked_first", [True, False])
def test_check_base_builds_inventories_aside_and_says_the_same(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run_cli,  # type: ignore[no-untyped-def]
    built_here: list[int],
    head_checked_first: bool,
) -> None:
    repo = replay("FL201", tmp_path / "repo")
    with (repo / "pyproject.toml").open("a") as config:
        config.write("jobs = 2\n")
    command = ("check", "--base", "HEAD~1", "--format", "json")
    expected = run_cli(*command, "--no-cache", cwd=repo)
    assert '"FL201"' in expected.out
    monkeypatch.setattr(workers, "PARALLEL_RESOLUTION", 1)
    if head_checked_first:
        run_cli("check", cwd=repo)  # the pre-commit hook's shape: the head is stored
    built_here.clear()
    found = run_cli(*command, cwd=repo)
    assert (found.code, found.out) == (expected.code, expected.out)
    # The head checked last: its inventory is stored, the base's graph is built first
    # and the base's inventory in a child while its flow is solved here. On an empty
    # cache the head's graph goes first, its inventory built in a child, and the
    # base's built here while the head's workers answer.
    assert built_here == ([] if head_checked_first else [os.getpid()])


# ------------------------------------------------------------------ vulture
def _markers(tmp_path: Path) -> Path:
    root = tmp_path / "markers"
    shutil.copytree(FIXTURES / "rules_projects" / "FL101_markers", root)
    return root


def _fl101(root: Path) -> list[tuple[int, str, str]]:
    project = analyse(load_config(root), [root], use_cache=False)
    rule = by_code("FL101")
    assert rule is not None
    return [(f.line, f.symbol, f.message) for f in run_rules(project, [rule])]


@pytest.fixture
def scanned_here(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    counted: list[int] = []
    original = dormancy.scan_sources

    def scan(sources):  # type: ignore[no-untyped-def]
        counted.append(os.getpid())
        return original(sources)

    monkeypatch.setattr(dormancy, "scan_sources", scan)
    return counted


def test_vultures_verdict_begun_aside_gives_the_same_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scanned_here: list[int]
) -> None:
    root = _markers(tmp_path)
    expected = _fl101(root)
    assert scanned_here == [os.getpid()]
    assert any("vulture: unreachable code" in message for _, _, message in expected)
    monkeypatch.setattr(dormancy, "BACKGROUND_SCAN_BYTES", 0)
    assert _fl101(root) == expected
    assert scanned_here == [os.getpid()]  # the child scanned, not this process


@pytest.mark.parametrize("aside", [False, True])
def test_the_files_vulture_is_asked_about_are_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aside: bool
) -> None:
    root = _markers(tmp_path)
    expected = _fl101(root)
    read: list[str] = []
    original = dormancy.read_sources

    def reading(project, paths):  # type: ignore[no-untyped-def]
        paths = list(paths)
        read.extend(paths)
        return original(project, paths)

    monkeypatch.setattr(dormancy, "read_sources", reading)
    if aside:
        monkeypatch.setattr(dormancy, "BACKGROUND_SCAN_BYTES", 0)
    assert _fl101(root) == expected
    assert read and len(read) == len(set(read))  # start_scan's read serves scan


def test_a_vulture_child_that_fails_leaves_the_scan_to_this_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _markers(tmp_path)
    expected = _fl101(root)
    _fail_in_children(monkeypatch, dormancy, "scan_sources")
    monkeypatch.setattr(dormancy, "BACKGROUND_SCAN_BYTES", 0)
    assert _fl101(root) == expected


# -------------------------------------------------------------------- rules
@pytest.fixture
def aside_checked_here(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """(code, pid) of each check of a rule that may run aside, as this process sees it
    (a child's checks are in the child's copy of the list)."""
    counted: list[tuple[str, int]] = []
    for rule in ALL_RULES:
        if not rule.aside:
            continue
        original = rule.check

        def check(self, project, original=original):  # type: ignore[no-untyped-def]
            counted.append((self.code, os.getpid()))
            return original(self, project)

        monkeypatch.setattr(rule, "check", check)
    return counted


def _all_rules(repo: Path, jobs: int) -> list[tuple[str, str, int, str, str]]:
    config = replace(load_config(repo), jobs=jobs)
    project = attach_base(analyse(config, [repo], use_cache=False), config, "HEAD~1")
    return [(f.rule, f.path, f.line, f.symbol, f.message) for f in run_rules(project, ALL_RULES)]


@pytest.mark.usefixtures("git_env")
def test_the_breakers_run_aside_and_give_the_same_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aside_checked_here: list[tuple[str, int]]
) -> None:
    repo = replay("FL302_moved_out", tmp_path / "repo")
    expected = _all_rules(repo, jobs=2)  # two files: not worth a child
    assert {code for code, _ in aside_checked_here} == {"FL202", "FL301", "FL302"}
    found = {(f[0], f[3]) for f in expected}
    assert found >= {("FL301", "desk.peg.power_peg"), ("FL302", "desk.peg.power_peg")}
    aside_checked_here.clear()
    monkeypatch.setattr(workers, "PARALLEL_RESOLUTION", 1)
    assert _all_rules(repo, jobs=2) == expected
    assert aside_checked_here == []  # checked in the child
    assert _all_rules(repo, jobs=1) == expected  # one job asked for: no child
    assert {code for code, _ in aside_checked_here} == {"FL202", "FL301", "FL302"}


@pytest.mark.usefixtures("git_env")
def test_rules_that_never_ask_for_the_graph_do_not_have_it_built_for_a_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aside_checked_here: list[tuple[str, int]]
) -> None:
    repo = replay("FL302_moved_out", tmp_path / "repo")
    monkeypatch.setattr(workers, "PARALLEL_RESOLUTION", 1)
    config = replace(load_config(repo), jobs=2)
    project = analyse(config, [repo], use_cache=False)
    rules = [by_code("FL202"), by_code("FL901")]
    run_rules(project, [r for r in rules if r is not None])
    assert "graph" not in project.__dict__
    assert aside_checked_here == [("FL202", os.getpid())]  # checked here


@pytest.mark.usefixtures("git_env")
def test_rules_whose_child_fails_run_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flaglint.rules.breakers.unbounded_dispatch import UnboundedDispatch

    repo = replay("FL302_moved_out", tmp_path / "repo")
    expected = _all_rules(repo, jobs=2)
    monkeypatch.setattr(workers, "PARALLEL_RESOLUTION", 1)
    _fail_in_children(monkeypatch, UnboundedDispatch, "check")
    assert _all_rules(repo, jobs=2) == expected


def test_a_failed_child_reaped_elsewhere_still_sends_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail() -> bytes:
        raise RuntimeError("gone")

    pending = background.compute(fail)
    assert pending is not None
    real_waitpid = os.waitpid

    def reaped_elsewhere(pid: int, options: int) -> tuple[int, int]:
        real_waitpid(pid, options)  # a SIGCHLD handler got there first
        raise ChildProcessError

    monkeypatch.setattr(os, "waitpid", reaped_elsewhere)
    assert pending.result() is None


def test_a_result_not_wanted_is_discarded_and_its_child_reaped() -> None:
    pending = background.compute(lambda: b"x" * (1 << 20))  # more than a pipe holds
    assert pending is not None
    pending.discard()
    background.wait()  # returns: the child, its reader gone, ends
    assert background._children == []
