"""Cache writes in a forked child: in place when this process waits, in place here when
forking is not safe, and a failing child leaves nothing half written."""

from __future__ import annotations

import importlib
import os
import sys
import threading
from pathlib import Path

import pytest

from flaglint.cache import background

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or sys.platform == "darwin", reason="writes run in place there"
)


def _writer(path: Path):  # type: ignore[no-untyped-def]
    def save() -> None:
        temporary = path.with_suffix(".tmp")
        temporary.write_text(str(os.getpid()))
        temporary.rename(path)

    return save


def test_a_forked_child_writes_and_this_process_waits_for_it(tmp_path: Path) -> None:
    target = tmp_path / "snapshot"
    background.write(_writer(target))
    background.wait()
    assert target.exists()
    assert int(target.read_text()) != os.getpid()  # written by the child


def test_the_child_writes_what_there_was_when_it_was_forked(tmp_path: Path) -> None:
    target = tmp_path / "snapshot"
    state = {"edges": [1, 2, 3]}
    background.write(lambda: target.write_text(repr(state["edges"])))
    state["edges"].clear()  # the parent goes on changing what it holds
    background.wait()
    assert target.read_text() == "[1, 2, 3]"


def test_with_another_thread_running_the_write_is_done_here(tmp_path: Path) -> None:
    target = tmp_path / "snapshot"
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not background.can_fork()
        background.write(_writer(target))
        assert int(target.read_text()) == os.getpid()  # done before write() returned
    finally:
        release.set()
        other.join()


class _Unpicklable:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        raise RuntimeError("gone")  # half the pickle is written by then


def test_a_failing_child_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    from flaglint.cache.facts import prepare_directory
    from flaglint.cache.store import write_stamped

    prepare_directory(tmp_path)  # a cache folder, as the first write makes it
    (tmp_path / "kept").write_text("as it was")
    before = sorted(p.name for p in tmp_path.iterdir())
    value = ["a" * 100_000, _Unpicklable()]
    background.write(lambda: write_stamped(tmp_path, "snapshot", "stamp", value))
    background.wait()  # returns: the child's failure is its own
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no file, no temporary
    assert background._children == []


def test_the_console_script_waits_before_it_exits(monkeypatch: pytest.MonkeyPatch) -> None:
    from flaglint.engine import gcpause

    cli_main = importlib.import_module("flaglint.cli.main")
    monkeypatch.setattr(gcpause, "_ends_with_exit", False)  # run() declares it
    order: list[str] = []
    monkeypatch.setattr(cli_main, "main", lambda: None)
    monkeypatch.setattr(cli_main.background, "wait", lambda: order.append("wait"))
    monkeypatch.setattr(cli_main.os, "_exit", lambda code: order.append(f"exit {code}"))
    cli_main.run()
    assert order == ["wait", "exit 0"]


def test_a_check_leaves_its_snapshot_in_place(tmp_path: Path) -> None:
    """run_rules returns once the child saving the call graph's snapshot is done."""
    from flaglint.callgraph import incremental
    from flaglint.config import load_config
    from flaglint.engine import analyse, run_rules
    from flaglint.rules import ALL_RULES

    root = tmp_path / "repo"
    root.mkdir()
    (root / "app.py").write_text("def a():\n    b()\n\ndef b():\n    return 1\n")
    project = analyse(load_config(root), [root])
    run_rules(project, ALL_RULES)
    assert background._children == []
    assert incremental.snapshot_trees(project.cache_directory, project._graph_salt())
