"""Forked resolution ends, with the error or a serial fallback, when a worker dies."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import pytest
from test_incremental import FILES, _project, _write

from flaglint.callgraph import CallGraph
from flaglint.callgraph import workers as graph_module

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(),
    reason="forked resolution needs the fork start method",
)


class _Hung(Exception):
    pass


@pytest.fixture
def watchdog():
    """Fail, instead of hanging the suite, if a build waits for more than 15 s."""

    def fire(signum, frame):
        raise _Hung("the call graph is still waiting for its workers")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.alarm(15)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def slow_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers that are still resolving when the test interrupts them."""
    original = CallGraph.file_result
    parent = os.getpid()

    def slow(self, facts):
        if os.getpid() != parent:
            time.sleep(2)
        return original(self, facts)

    monkeypatch.setattr(CallGraph, "file_result", slow)
    monkeypatch.setattr(graph_module, "PARALLEL_RESOLUTION", 1)
    # An earlier test's executor thread may still be winding down; with it
    # alive the graph would not fork at all.
    deadline = time.monotonic() + 10
    while threading.active_count() > 1 and time.monotonic() < deadline:
        time.sleep(0.05)


def test_ctrl_c_while_the_inventory_builds_ends_the_build(
    tmp_path: Path, watchdog: None, slow_workers: None
) -> None:
    # Ctrl-C reaches the whole process group: the workers die of it, the parent raises.
    project = _project(_write(tmp_path / "shop", FILES))

    def inventory():
        time.sleep(0.5)
        children = multiprocessing.active_children()
        assert children  # the workers forked and are resolving
        for child in children:
            os.kill(child.pid, signal.SIGINT)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        CallGraph(project.files, inventory, project.resolver, jobs=2)


def test_a_killed_worker_leaves_the_parent_to_resolve(
    tmp_path: Path, watchdog: None, slow_workers: None
) -> None:
    # The OOM killer takes a worker: the parent resolves every file itself.
    project = _project(_write(tmp_path / "shop", FILES))
    serial = _project(_write(tmp_path / "again", FILES))

    def inventory():
        time.sleep(0.5)
        os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)
        return project.inventory

    graph = CallGraph(project.files, inventory, project.resolver, jobs=2)
    assert graph.file_edges == serial.graph.file_edges
