"""The graph is built in the order a one-edge-at-a-time build used, so messages keep their paths."""

from __future__ import annotations

from pathlib import Path

from flaglint.config import load_config
from flaglint.engine import analyse

APP = """\
import warnings

from waffle import flag_is_active


class Store:
    def save(self):
        warnings.warn("Store.save is deprecated", DeprecationWarning)
        return 1


class Other:
    def save(self):
        return 2


def entry(x):
    x.save()
    helper(x)


def helper(x):
    return Store().save()


def main(request):
    if flag_is_active(request, "new_flow"):
        entry(request)


__all__ = ["main"]
"""


def _root(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "app.py").write_text(APP)
    return tmp_path


def test_hub_edges_are_linked_where_the_file_first_reaches_the_hub(tmp_path: Path) -> None:
    """``name:save`` links to its methods as soon as ``entry`` reaches the hub, before
    ``helper -> Store.save`` is added."""
    graph = analyse(load_config(_root(tmp_path)), [tmp_path], use_cache=False).graph
    assert graph.predecessors("app.Store.save") == ["name:save", "app.helper"]


def test_fl101_message_keeps_its_path(run_cli, tmp_path: Path) -> None:
    """networkx's bidirectional shortest path expands predecessors in order: with the
    hub linked later, the message named another of the equally short paths."""
    result = run_cli("check", "--no-cache", str(_root(tmp_path)), cwd=tmp_path)
    assert "path: app.main -> app.entry -> app.Store.save" in result.out, result.out


def _many_owners_program(root: Path) -> None:
    """Twenty classes flow into one parameter whose attribute is stored and called."""
    lines = ["def register(obj, handler):", "    obj.handler = handler", "    obj.handler()", ""]
    for n in range(20):
        lines += [
            f"class C{n}:",
            "    handler = None",
            f"def h{n}():",
            "    return None",
            f"register(C{n}(), h{n})",
            "",
        ]
    (root / "app.py").write_text("\n".join(lines), encoding="utf-8")


def test_callgraph_does_not_depend_on_the_string_hash_seed(tmp_path: Path) -> None:
    """Value flow evaluates its stores in sorted order: the same graph under any hash seed."""
    import os
    import subprocess
    import sys

    _many_owners_program(tmp_path)
    outputs = set()
    for seed in ("0", "1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-m", "flaglint", "callgraph", "--format", "json", "--no-cache", "."],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            check=True,
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert b"app.h7" in next(iter(outputs))
