"""A graph whose earlier tree is this very tree takes every answer without solving.

The earlier tree (the snapshot in the cache folder, or the project a base borrows
from) is the same tree when every file has the same path, module and content and
the graph's configuration is the same: the flow would solve to what it solved
then, so nothing is solved. Each test compares with a fresh build.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from shop_project import FILES
from shop_project import analyse_tree as _fresh
from shop_project import write_tree as _write

from flaglint.callgraph import flow as flow_module
from flaglint.config import load_config
from flaglint.engine import analyse
from flaglint.project import Project


def _cached(root: Path) -> Project:
    return analyse(load_config(root), [root], use_cache=True)


def _shape(project: Project) -> tuple[object, ...]:
    graph = project.graph
    edges = sorted((s, t, kind, tuple(graph.sites(s, t))) for s, t, kind in graph.edges())
    return edges, sorted(graph.roots), graph.flow_answers, graph.flow_reads


@pytest.fixture
def solves(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the value flow was solved (appended to on each solve)."""
    counted: list[int] = []
    original = flow_module.FlowSolver.solve

    def solve(self: flow_module.FlowSolver) -> None:
        counted.append(1)
        original(self)

    monkeypatch.setattr(flow_module.FlowSolver, "solve", solve)
    return counted


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_snapshot_of_this_very_tree_answers_without_solving(
    tmp_path: Path, solves: list[int], monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    from flaglint.callgraph import workers

    monkeypatch.setattr(workers, "PARALLEL_RESOLUTION", 1)
    root = _write(tmp_path / "tree", FILES)
    first = _cached(root)
    first.config = replace(first.config, jobs=jobs)
    expected = _shape(first)
    assert solves == [1]
    again = _cached(root)
    again.config = replace(again.config, jobs=jobs)
    assert _shape(again) == expected
    assert solves == [1]  # the second build solved nothing
    assert again.graph.reused == len(again.graph.file_edges)
    assert _shape(_fresh(root)) == expected


def test_a_donor_of_the_same_tree_lends_everything_without_solving(
    tmp_path: Path, solves: list[int]
) -> None:
    donor = _fresh(_write(tmp_path / "a", FILES))
    expected = _shape(donor)
    borrowing = _fresh(_write(tmp_path / "b", FILES))
    borrowing.edge_donor = donor
    assert _shape(borrowing) == expected
    assert solves == [1]


def test_a_donor_that_dropped_its_reads_is_not_the_same_tree(
    tmp_path: Path, solves: list[int]
) -> None:
    """Answers without the locations they read cannot be lent on as held ones."""
    donor = _fresh(_write(tmp_path / "a", FILES))
    donor.graph.drop_reads()
    borrowing = _fresh(_write(tmp_path / "b", FILES))
    borrowing.edge_donor = donor
    assert _shape(borrowing) == _shape(_fresh(tmp_path / "b"))
    assert borrowing.graph.flow_reads  # computed again, not taken empty


@pytest.mark.parametrize(
    "change",
    [
        "one file's content",
        "a file that does not parse",
        "the tests setting",
        "tests as roots",
    ],
)
def test_anything_else_solves_again(tmp_path: Path, solves: list[int], change: str) -> None:
    files = dict(FILES)
    root = _write(tmp_path / "tree", files)
    _cached(root).graph  # noqa: B018 - the snapshot
    assert solves == [1]
    if change == "one file's content":
        path = root / "shop" / "views.py"
        path.write_text(path.read_text() + "\n\ndef appended():\n    return None\n")
    elif change == "a file that does not parse":
        (root / "shop" / "broken.py").write_text("def broken(:\n")
    elif change == "the tests setting":
        (root / "pyproject.toml").write_text('[tool.flaglint]\ntests = ["shop/star.py"]\n')
    else:
        (root / "pyproject.toml").write_text("[tool.flaglint]\ntests-as-roots = true\n")
    again = _cached(root)
    assert _shape(again) == _shape(_fresh(root))
    assert len(solves) == 3  # the second cached build solved, and so did the fresh one


def test_a_base_equal_to_the_snapshot_borrows_the_snapshot(
    tmp_path: Path, solves: list[int]
) -> None:
    """``check --base HEAD`` with an edit: the head borrows the snapshot of HEAD's tree
    and solves; the base is that very tree, so it takes the snapshot whole."""
    root = _write(tmp_path / "tree", FILES)
    _cached(root).graph  # noqa: B018 - the snapshot of the unedited tree
    edited = _write(tmp_path / "edited", FILES)
    views = edited / "shop" / "views.py"
    views.write_text(views.read_text() + "\n\ndef appended():\n    return make()\n")
    head = _fresh(edited)
    head.graph  # noqa: B018
    solves.clear()
    base = _cached(root)
    base.revision = "0" * 40  # a revision: it lends and saves nothing
    base.edge_donor = head
    # A revision's graph keeps no reads (it lends to no one): compare the rest.
    assert _shape(base)[:3] == _shape(_fresh(root))[:3]
    assert solves == [1]  # only the fresh build's


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_base_inventory_is_built_while_the_workers_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """The base's graph needs its inventory next; with workers answering the head's
    files, this process builds it meanwhile instead of waiting (and not otherwise)."""
    from flaglint.callgraph import workers

    monkeypatch.setattr(workers, "PARALLEL_RESOLUTION", 1)
    head = _fresh(_write(tmp_path / "head", FILES))
    head.config = replace(head.config, jobs=jobs)
    base = _fresh(_write(tmp_path / "base", FILES))
    head.base, base.edge_donor, head.next_graph = base, head, base
    head.graph  # noqa: B018
    assert ("inventory" in base.__dict__) == (jobs == 2)
    assert base.inventory.reads == _fresh(tmp_path / "base").inventory.reads


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_head_equal_to_the_snapshot_lets_its_base_go_first(
    run_cli, git_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """``check --base HEAD~1`` on the tree last checked: the head's graph is the
    snapshot's, so only the base solves (first, while the head's inventory is built),
    and the findings are a fresh run's."""
    from conftest import run_git

    from flaglint.callgraph import workers

    monkeypatch.setattr(workers, "PARALLEL_RESOLUTION", 1)
    root = _write(
        tmp_path / "repo", {**FILES, "pyproject.toml": f"[tool.flaglint]\njobs = {jobs}\n"}
    )
    run_git(root, "init", "-q", "-b", "main")
    run_git(root, "add", "-A")
    run_git(root, "commit", "-q", "-m", "one")
    views = root / "shop" / "views.py"
    views.write_text(views.read_text() + "\n\ndef appended():\n    return make()\n")
    run_git(root, "commit", "-q", "-am", "two")
    run_cli("check", cwd=root)  # the snapshot: this tree
    counted: list[int] = []
    original = flow_module.FlowSolver.solve
    monkeypatch.setattr(
        flow_module.FlowSolver, "solve", lambda self: counted.append(1) or original(self)
    )
    based = run_cli("check", "--base", "HEAD~1", "--format", "json", "--no-cache", cwd=root)
    counted.clear()
    order: list[str] = []
    lend = Project._reusable_edges

    def noted(self: Project) -> object:
        order.append("base" if self.revision else "head")
        return lend(self)

    monkeypatch.setattr(Project, "_reusable_edges", noted)
    cached = run_cli("check", "--base", "HEAD~1", "--format", "json", cwd=root)
    assert cached.out == based.out
    assert counted == [1]  # the base's flow; the head's came from the snapshot
    assert order == ["base", "head"]
