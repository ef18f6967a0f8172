"""The inventory forgets the indexes its build made over every file, and builds them
again, the same, when a later question needs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from flaglint.config import load_config
from flaglint.engine import analyse
from flaglint.flags.inventory import Inventory
from flaglint.flags.values import ValuesMixin

FLAGS = """\
import os


def run(force, label="x"):
    if force:
        launch(label)


def launch(label):
    return label


def main():
    enabled = os.environ.get("FEATURE_LAUNCH") == "1"
    run(enabled, label="now")
"""


def _project(tmp_path: Path):  # noqa: ANN202
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "jobs.py").write_text(FLAGS)
    return analyse(load_config(tmp_path), [tmp_path], use_cache=False)


def test_build_indexes_are_forgotten_and_rebuilt_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path)
    shed = Inventory(project.files, project.config)
    # What the build left: nothing indexed over every file.
    assert shed._calls_by_name is None
    assert (shed._callers, shed._flow_calls, shed._local_flows, shed._params_by_scope) == (
        {},
        {},
        {},
        {},
    )
    monkeypatch.setattr(ValuesMixin, "_shed_indexes", lambda self: None)
    kept = Inventory(project.files, project.config)
    assert kept._calls_by_name is not None  # the build did use them
    facts = next(f for f in project.files if f.path == "app/jobs.py")
    index = next(i for i, c in enumerate(facts.calls) if c.callee == "run")
    for inventory in (shed, kept):
        assert [(f.path, i) for f, i in inventory._callers_of("run")["app.jobs.run"]] == [
            ("app/jobs.py", index)
        ]
    assert shed._argument(facts, index, "force", 0) == kept._argument(facts, index, "force", 0)
    assert shed._argument(facts, index, "force", 0) == ("n", "enabled")
    assert shed._locals(facts) == kept._locals(facts)
    assert shed.branches_by_key() == kept.branches_by_key()
    assert [r.key for r in shed.reads] == [r.key for r in kept.reads] == ["FEATURE_LAUNCH"]
