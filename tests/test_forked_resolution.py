"""Forked resolution ends, with the error or a serial fallback, when a worker dies.

The workers and the test meet through two pipes made before the fork: a worker
writes a byte to ``started`` when it begins resolving and then blocks reading
``release``, so the test acts while every worker is inside its work, without
guessing how long forking takes.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from shop_project import FILES, analyse_tree, write_tree

from flaglint.callgraph import CallGraph
from flaglint.callgraph import workers as graph_module

pytestmark = pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(),
    reason="forked resolution needs the fork start method",
)

JOBS = 2


class _Hung(Exception):
    pass


@dataclass
class Handshake:
    started: int  # read end: a byte per worker that began resolving
    release: int  # write end: a byte lets one blocked worker go on

    def wait_for_workers(self) -> None:
        for _ in range(JOBS):
            assert os.read(self.started, 1) == b"s"

    def release_workers(self) -> None:
        os.write(self.release, b"r" * JOBS * 64)


def _join_other_threads() -> None:
    """Wait for an executor's threads to end (they outlive a failing build)."""
    for thread in threading.enumerate():
        if thread is not threading.current_thread():
            thread.join(timeout=10)


@pytest.fixture
def watchdog() -> Iterator[None]:
    """Fail, instead of hanging the suite, if anything waits for more than 15 s."""

    def fire(signum, frame):
        raise _Hung("the call graph or the test is still waiting for the workers")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.alarm(15)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def held_workers(monkeypatch: pytest.MonkeyPatch, watchdog: None) -> Iterator[Handshake]:
    """Workers that announce themselves and wait, inside their work, to be released."""
    _join_other_threads()  # with another thread alive the graph would not fork
    started_r, started_w = os.pipe()
    release_r, release_w = os.pipe()
    original = CallGraph.file_result
    parent = os.getpid()
    announced = set()

    def held(self, facts):
        if os.getpid() != parent and os.getpid() not in announced:
            announced.add(os.getpid())
            os.write(started_w, b"s")
            os.read(release_r, 1)
        return original(self, facts)

    monkeypatch.setattr(CallGraph, "file_result", held)
    monkeypatch.setattr(graph_module, "PARALLEL_RESOLUTION", 1)
    handshake = Handshake(started_r, release_w)
    try:
        yield handshake
    finally:
        handshake.release_workers()  # never leave a worker blocked
        _join_other_threads()
        for fd in (started_r, started_w, release_r, release_w):
            os.close(fd)


def test_ctrl_c_while_the_inventory_builds_ends_the_build(
    tmp_path: Path, held_workers: Handshake
) -> None:
    # Ctrl-C reaches the whole process group: the workers die of it, the parent raises.
    project = analyse_tree(write_tree(tmp_path / "shop", FILES))

    def inventory():
        held_workers.wait_for_workers()
        children = multiprocessing.active_children()
        assert len(children) == JOBS  # the workers forked and are resolving
        for child in children:
            os.kill(child.pid, signal.SIGINT)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        CallGraph(project.files, inventory, project.resolver, jobs=JOBS)


def test_a_killed_worker_leaves_the_parent_to_resolve(
    tmp_path: Path, held_workers: Handshake
) -> None:
    # The OOM killer takes a worker: the parent resolves every file itself.
    project = analyse_tree(write_tree(tmp_path / "shop", FILES))
    serial = analyse_tree(write_tree(tmp_path / "again", FILES))

    def inventory():
        held_workers.wait_for_workers()
        os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)
        held_workers.release_workers()
        return project.inventory

    graph = CallGraph(project.files, inventory, project.resolver, jobs=JOBS)
    assert graph.file_edges == serial.graph.file_edges
    # The flow the workers took is solved again here, for the answers and their values.
    assert graph.flow_values == serial.graph.flow_values


def test_who_solves_the_flow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, watchdog: None
) -> None:
    """From scratch the parent solves the flow once, before forking, and the workers
    inherit it. After a one-file edit (nine files in ten keep their answers) one
    worker solves it beside the parent's inventory: the parent never does. Both
    give a serial build's graph and answers."""
    from flaglint.callgraph.flow import FlowSolver

    _join_other_threads()
    monkeypatch.setattr(graph_module, "PARALLEL_RESOLUTION", 1)
    files = {
        f"pkg/m{i}.py": f"from pkg.m{i + 1} import f{i + 1}\n\n\ndef f{i}():\n    f{i + 1}()\n"
        for i in range(20)
    }
    files["pkg/m20.py"] = "def f20():\n    pass\n"
    files["pkg/__init__.py"] = ""
    old = analyse_tree(write_tree(tmp_path / "old", files))
    edited = {**files, "pkg/m20.py": files["pkg/m20.py"] + "\n\ndef extra():\n    pass\n"}
    new_root = write_tree(tmp_path / "new", edited)
    serial = analyse_tree(new_root)
    serial_graph = CallGraph(serial.files, serial.inventory, serial.resolver, jobs=1)
    solved_here: list[str] = []
    original = FlowSolver.solve
    parent = os.getpid()

    def counted(self):  # type: ignore[no-untyped-def]
        if os.getpid() == parent:
            solved_here.append("solved")
        return original(self)

    monkeypatch.setattr(FlowSolver, "solve", counted)
    old.config = replace(old.config, jobs=JOBS)
    old.graph  # noqa: B018 - from scratch
    assert solved_here == ["solved"]
    solved_here.clear()
    borrowing = analyse_tree(new_root)
    borrowing.config = replace(borrowing.config, jobs=JOBS)
    borrowing.edge_donor = old
    graph = borrowing.graph
    assert graph.reused == 21  # all but the edited file
    assert solved_here == []
    assert graph.file_edges == serial_graph.file_edges
    assert graph.flow_answers == serial_graph.flow_answers


def test_a_worker_that_raises_leaves_the_parent_to_resolve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, watchdog: None
) -> None:
    """A worker raising (a MemoryError while it solves the flow) is not the end of
    the build: the parent solves and resolves every file, as after a dead worker."""
    from flaglint.callgraph.flow import FlowSolver

    _join_other_threads()
    monkeypatch.setattr(graph_module, "PARALLEL_RESOLUTION", 1)
    project = analyse_tree(write_tree(tmp_path / "shop", FILES))
    serial = analyse_tree(write_tree(tmp_path / "again", FILES))
    original = FlowSolver.solve
    parent = os.getpid()

    def failing(self):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            raise MemoryError
        return original(self)

    monkeypatch.setattr(FlowSolver, "solve", failing)
    graph = CallGraph(project.files, lambda: project.inventory, project.resolver, jobs=JOBS)
    assert graph.file_edges == serial.graph.file_edges
    assert graph.flow_answers == serial.graph.flow_answers


def test_the_parent_lets_go_of_the_flow_the_workers_took(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, watchdog: None
) -> None:
    """Solved before forking, the flow goes with the workers: while the parent builds
    the inventory it holds no solver (its memory is the inventory's), and the graph,
    answers and the values they read are a serial build's."""
    import gc
    import weakref

    from flaglint.callgraph.flow import FlowSolver

    _join_other_threads()
    monkeypatch.setattr(graph_module, "PARALLEL_RESOLUTION", 1)
    project = analyse_tree(write_tree(tmp_path / "shop", FILES))
    serial = analyse_tree(write_tree(tmp_path / "again", FILES))
    solvers: list[weakref.ref[FlowSolver]] = []
    original = FlowSolver.solve
    parent = os.getpid()

    def noted(self):  # type: ignore[no-untyped-def]
        if os.getpid() == parent:
            solvers.append(weakref.ref(self))
        return original(self)

    monkeypatch.setattr(FlowSolver, "solve", noted)
    alive: list[bool] = []

    def inventory():
        gc.collect()
        alive.extend(ref() is not None for ref in solvers)
        return project.inventory

    graph = CallGraph(project.files, inventory, project.resolver, jobs=JOBS)
    assert alive == [False]  # solved once here, and let go of
    assert graph.file_edges == serial.graph.file_edges
    assert graph.flow_answers == serial.graph.flow_answers
    assert graph.flow_reads == serial.graph.flow_reads
    assert graph.flow_values == serial.graph.flow_values
