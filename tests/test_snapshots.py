"""The call graph's snapshots: the newest tree's and the one saved before it.

A check of the files about to be committed, then the pre-commit hook, ask for
two trees (the staged one and HEAD): both are kept, so the hook solves no value
flow, and what it reports is what it reports without the cache.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import committed_repo, run_git

from flaglint.callgraph import flow, incremental
from flaglint.callgraph.incremental import EdgeSnapshot

SALT = "salt"


def _snapshot(tree: str) -> EdgeSnapshot:
    return EdgeSnapshot({f"{tree}.py": (tree, "blob")}, {}, tree=tree)


def _trees(directory: Path) -> list[str]:
    trees = incremental.snapshot_trees(directory, SALT)
    return trees + [""] * (2 - len(trees))  # the newest, the previous; "" for none


def test_a_new_tree_is_the_newest_and_the_newest_becomes_the_previous(tmp_path: Path) -> None:
    incremental.save_snapshot(tmp_path, SALT, _snapshot("one"))
    assert _trees(tmp_path) == ["one", ""]
    incremental.save_snapshot(tmp_path, SALT, _snapshot("two"))
    assert _trees(tmp_path) == ["two", "one"]
    incremental.save_snapshot(tmp_path, SALT, _snapshot("two"))  # the same tree again
    assert _trees(tmp_path) == ["two", "one"]
    incremental.save_snapshot(tmp_path, SALT, _snapshot("three"))
    assert _trees(tmp_path) == ["three", "two"]
    previous = incremental.load_snapshot(tmp_path, SALT, 1)
    assert previous is not None and previous.files == {"two.py": ("two", "blob")}
    assert incremental.snapshot_slot(tmp_path, SALT, "two") == 1
    assert incremental.snapshot_slot(tmp_path, SALT, "one") is None
    assert incremental.snapshot_slot(tmp_path, SALT, "") is None


def test_a_tree_checked_again_is_the_last_one_dropped(tmp_path: Path) -> None:
    incremental.save_snapshot(tmp_path, SALT, _snapshot("one"))
    incremental.save_snapshot(tmp_path, SALT, _snapshot("two"))
    incremental.promote_snapshot(tmp_path, SALT, "one")
    assert _trees(tmp_path) == ["one", "two"]
    incremental.save_snapshot(tmp_path, SALT, _snapshot("three"))
    assert _trees(tmp_path) == ["three", "one"]
    assert incremental.load_snapshot(tmp_path, SALT, 0).tree == "three"  # type: ignore[union-attr]
    # The dropped tree's file goes with it: a folder holds two snapshots at most.
    assert sorted(p.name for p in tmp_path.glob("edges-*.pickle")) == sorted(
        [incremental.INDEX, "edges-three.pickle", "edges-one.pickle"]
    )


def test_the_single_snapshot_of_earlier_versions_goes_at_the_first_save(tmp_path: Path) -> None:
    for name in ("edges.pickle", "edges-tree.pickle"):
        (tmp_path / name).write_bytes(b"format 5")
    incremental.save_snapshot(tmp_path, SALT, _snapshot("one"))
    assert not (tmp_path / "edges.pickle").exists()
    assert not (tmp_path / "edges-tree.pickle").exists()


def test_a_snapshot_whose_file_is_gone_or_forged_is_not_kept(tmp_path: Path) -> None:
    """Each snapshot is named by its tree and tagged: the index can only name it."""
    incremental.save_snapshot(tmp_path, SALT, _snapshot("one"))
    incremental.save_snapshot(tmp_path, SALT, _snapshot("two"))
    (tmp_path / "edges-two.pickle").unlink()
    assert _trees(tmp_path) == ["one", ""]
    assert incremental.snapshot_slot(tmp_path, SALT, "two") is None
    (tmp_path / "edges-one.pickle").write_bytes((tmp_path / "edges-index.pickle").read_bytes())
    assert incremental.load_snapshot(tmp_path, SALT, 0) is None  # not a snapshot of "one"
    incremental.save_snapshot(tmp_path, SALT, _snapshot("one"))
    assert incremental.load_snapshot(tmp_path, SALT, 0).tree == "one"  # type: ignore[union-attr]


ROUTER = """\
import ldclient


def route(order):
    if ldclient.get().variation("peg", order.ctx, False):
        power_peg(order)
    if ldclient.get().variation("fast-fill", order.ctx, False):
        fast_fill(order)


def power_peg(order):
    return order


def fast_fill(order):
    return order
"""


@pytest.mark.usefixtures("git_env")
def test_the_hook_after_a_check_of_the_staged_files_solves_no_flow(
    tmp_path: Path, run_cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {"pyproject.toml": "[tool.flaglint]\n", "router.py": ROUTER}
    root = committed_repo(tmp_path / "repo", files)
    assert run_cli("check", cwd=root).code in (0, 1)  # HEAD's tree
    router = root / "router.py"
    gate = '    if ldclient.get().variation("peg", order.ctx, False):\n        power_peg(order)\n'
    router.write_text(router.read_text().replace(gate, ""))
    assert run_cli("check", cwd=root).code in (0, 1)  # the edited tree; HEAD's kept too
    run_git(root, "add", "router.py")
    solved: list[object] = []
    solve = flow.FlowSolver.solve

    def counted(self: flow.FlowSolver) -> None:
        solved.append(self)
        solve(self)

    monkeypatch.setattr(flow.FlowSolver, "solve", counted)
    hook = ("check", "--staged", "--base", "HEAD", "--new-only", "--format", "json")
    stored = run_cli(*hook)
    assert solved == []  # both graphs from their snapshots
    plain = run_cli(*hook, "--no-cache")
    assert len(solved) == 2  # without the cache, both trees are solved
    assert (stored.code, stored.out) == (plain.code, plain.out)
    assert '"rule": "FL104"' in stored.out and '"symbol": "router.power_peg"' in stored.out


def test_an_editor_buffer_does_not_push_out_the_trees_checked_lately(tmp_path: Path) -> None:
    """``--stdin-filename`` analyses a tree that holds an unsaved buffer: seldom asked for
    again, its snapshot is not saved when it is a few files from the newest."""
    from flaglint.config import load_config
    from flaglint.engine import analyse, run_rules
    from flaglint.rules import ALL_RULES

    root = tmp_path / "repo"
    root.mkdir()
    (root / "router.py").write_text(ROUTER)
    config = load_config(root)
    checked = analyse(config, [root])
    run_rules(checked, ALL_RULES)
    directory, salt = checked.cache_directory, checked._graph_salt()
    kept = incremental.snapshot_trees(directory, salt)
    assert kept == [checked.tree_digest()]
    buffer = {"router.py": ROUTER.replace("fast_fill(order)\n", "pass\n", 1).encode()}
    edited = analyse(config, [], contents=buffer)
    run_rules(edited, ALL_RULES)
    assert edited.tree_digest() not in ("", kept[0])
    assert incremental.snapshot_trees(directory, salt) == kept
