"""The collector's pauses: a console-script run freezes its last stage instead of scanning it."""

from __future__ import annotations

import gc
import importlib
from pathlib import Path

import pytest

from flaglint.config import load_config
from flaglint.engine import analyse, gcpause, run_rules
from flaglint.rules import ALL_RULES


@pytest.fixture
def fresh_collector(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(gcpause, "_ends_with_exit", False)
    gc.unfreeze()
    yield
    gc.unfreeze()


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_an_embedded_run_leaves_its_garbage_to_the_collector(fresh_collector: None) -> None:
    with gcpause.paused(until_exit=True):
        made = [_Node() for _ in range(100)]
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    del made
    assert gc.collect() >= 100


def test_a_process_that_ends_with_exit_freezes_instead(fresh_collector: None) -> None:
    gcpause.ends_with_exit()
    with gcpause.paused(until_exit=True):
        made = [_Node() for _ in range(100)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= 100  # moved out of the collector's sight, not scanned
    del made


def test_only_blocks_that_ask_freeze_in_such_a_process(fresh_collector: None) -> None:
    gcpause.ends_with_exit()
    with gcpause.paused():
        _Node()
    assert gc.get_freeze_count() == 0


def test_the_collector_stays_off_when_it_was_off(fresh_collector: None) -> None:
    gc.disable()
    try:
        with gcpause.paused(until_exit=True):
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_console_script_declares_its_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    cli_main = importlib.import_module("flaglint.cli.main")
    monkeypatch.setattr(gcpause, "_ends_with_exit", False)
    exits: list[int] = []
    monkeypatch.setattr(cli_main, "main", lambda: None)
    monkeypatch.setattr(cli_main.os, "_exit", exits.append)
    cli_main.run()
    assert exits == [0]
    assert gcpause._ends_with_exit


def test_the_rules_stage_ends_frozen_in_such_a_process(
    fresh_collector: None, tmp_path: Path
) -> None:
    (tmp_path / "app.py").write_text(
        "import os\n\ndef run():\n    if os.environ.get('ENABLE_X'):\n        go()\n\n"
        "def go():\n    return 1\n"
    )
    project = analyse(load_config(tmp_path), [tmp_path], use_cache=False)
    assert project.files  # the facts are loaded (and frozen) before the rules
    gcpause.ends_with_exit()
    before = gc.get_freeze_count()
    run_rules(project, ALL_RULES)
    assert gc.get_freeze_count() > before
