"""A base whose tree was analysed lately answers what its inventory found from the store.

What a check asks of an inventory (its reads, gated calls, keys and gates,
its toggle definitions, what the calls at its reads read) is stored under the
tree's digest; anything else builds the inventory. A tree analysed again (the
work tree, the staged index of the tree just checked, a base) answers from the
store. Each test compares with an inventory built afresh.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from conftest import committed_repo, run_git

from flaglint.config import Config, load_config
from flaglint.engine import analyse, attach_base
from flaglint.facts.model import Gate
from flaglint.flags import inventory as inventory_module
from flaglint.flags.stored import StoredInventory
from flaglint.project import Project

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


def power_peg(order):
    return order


def fast_fill(order):
    return order


def slow_fill(order):
    return order
"""


def _tree(tmp_path: Path) -> Path:
    return committed_repo(tmp_path / "repo", _files(ROUTER))


def _files(router: str) -> dict[str, str]:
    return {
        "pyproject.toml": "[tool.flaglint]\n",
        "router.py": router,
        "other.py": "def helper():\n    return 1\n",
    }


def _head(root: Path, config: Config | None = None) -> Project:
    """The tree at HEAD as ``--base HEAD`` analyses it (the work tree's inventory unasked)."""
    config = config or load_config(root)
    base = attach_base(analyse(config, [root]), config, "HEAD").base
    assert base is not None
    return base


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The roots of the inventories built (appended to on each build)."""
    counted: list[str] = []
    original = inventory_module.Inventory.__init__

    def init(self, files, config, resolver=None):  # type: ignore[no-untyped-def]
        counted.append(config.root.name)
        original(self, files, config, resolver)

    monkeypatch.setattr(inventory_module.Inventory, "__init__", init)
    return counted


def _found(project: Project) -> tuple[object, ...]:
    inventory = project.inventory
    gated = [(g.facts.path, g.index, g.call, g.target, g.conditions) for g in inventory.gated]
    return (
        inventory.reads,
        gated,
        inventory.keys(),
        inventory.gates_by_key(),
        inventory.dynamic_reads(),
    )


def _fresh(root: Path) -> tuple[object, ...]:
    return _found(analyse(load_config(root), [root], use_cache=False))


@pytest.mark.usefixtures("git_env")
def test_a_base_analysed_lately_answers_from_the_store(tmp_path: Path, built: list[str]) -> None:
    root = _tree(tmp_path)
    expected = _fresh(root)
    assert built == ["repo"]
    first = analyse(load_config(root), [root])
    assert _found(first) == expected
    again = analyse(load_config(root), [root])
    assert _found(again) == expected
    # The same work tree again: what a check asks is stored (FL202's questions too).
    assert isinstance(again.inventory, StoredInventory)
    assert built == ["repo"] * 2
    base = _head(root)
    assert _found(base) == expected
    assert isinstance(base.inventory, StoredInventory)
    assert built == ["repo"] * 2
    # The stored gated calls are this tree's facts, not copies of the first run's.
    by_path = {f.path: f for f in base.files}
    assert all(g.facts is by_path[g.facts.path] for g in base.inventory.gated)


@pytest.mark.usefixtures("git_env")
def test_any_other_question_builds_the_inventory_once(tmp_path: Path, built: list[str]) -> None:
    root = _tree(tmp_path)
    fresh = analyse(load_config(root), [root], use_cache=False)
    fresh.inventory  # noqa: B018
    analyse(load_config(root), [root]).inventory  # noqa: B018  (stored)
    project = _head(root)
    inventory = project.inventory
    assert isinstance(inventory, StoredInventory)
    assert built == ["repo", "repo"]
    facts = next(f for f in project.files if f.path == "router.py")
    fresh_facts = next(f for f in fresh.files if f.path == "router.py")
    for index in range(len(facts.atoms)):
        for on in (True, False):
            gate = Gate(index, on)
            assert inventory.expand(facts, gate) == fresh.inventory.expand(fresh_facts, gate)
    assert inventory.branches_by_key() == fresh.inventory.branches_by_key()
    assert built == ["repo", "repo", "repo"]


@pytest.mark.usefixtures("git_env")
def test_a_changed_file_or_setting_is_another_tree(tmp_path: Path, built: list[str]) -> None:
    root = _tree(tmp_path)
    (root / "other.py").write_text(
        "import os\n\n\ndef helper():\n    if os.getenv('FEATURE_NEW_PATH') == '1':\n"
        "        return fast()\n    return 1\n\n\ndef fast():\n    return 2\n"
    )
    analyse(load_config(root), [root]).inventory  # noqa: B018  (the edited tree, stored)
    base = _head(root)
    assert type(base.inventory) is inventory_module.Inventory
    assert "FEATURE_NEW_PATH" not in base.inventory.keys()
    run_git(root, "commit", "-qam", "two", date="2002-01-01T00:00:00+0000")
    now = _head(root)
    assert isinstance(now.inventory, StoredInventory)
    assert "FEATURE_NEW_PATH" in now.inventory.keys()
    config = load_config(root)
    config = replace(config, disabled_providers=(*config.disabled_providers, "launchdarkly"))
    other = _head(root, config)
    assert type(other.inventory) is inventory_module.Inventory
    assert "peg" not in other.inventory.keys()
    assert built == ["repo"] * 3  # the edited tree, HEAD before, the other setting


@pytest.mark.usefixtures("git_env")
def test_the_hooks_base_is_the_tree_checked_last(tmp_path: Path, run_cli, built) -> None:
    """After a clean check, the pre-commit hook builds the staged tree's inventory only,
    and reports what it reports without the store."""
    root = _tree(tmp_path)
    assert run_cli("check", cwd=root).code in (0, 1)
    assert built == ["repo"]
    # The gate goes, power_peg stays: FL104 reads the base's inventory.
    router = root / "router.py"
    gate = '    if ldclient.get().variation("peg", order.ctx, False):\n        power_peg(order)\n'
    router.write_text(router.read_text().replace(gate, ""))
    run_git(root, "add", "router.py")
    hook = ("check", "--staged", "--base", "HEAD", "--new-only", "--format", "json")
    stored = run_cli(*hook)
    assert built == ["repo", "repo"]
    plain = run_cli(*hook, "--no-cache")
    assert (stored.code, stored.out) == (plain.code, plain.out)
    assert '"rule": "FL104"' in stored.out and '"symbol": "router.power_peg"' in stored.out


def test_the_key_is_the_content_the_facts_were_read_from(tmp_path: Path) -> None:
    """A file found changed while its facts load is keyed by content no more (its blob
    id goes): the inventory built from what was read then is not stored as the tree
    first read."""
    root = _tree(tmp_path)
    first = analyse(load_config(root), [root], use_cache=False)
    expected = _found(first)
    (root / "other.py").write_text("import os\n\nSWITCH = os.getenv('FEATURE_LATE')\n")
    late = analyse(load_config(root), [root], use_cache=False).files
    blobs = dict(first.blob_ids)

    def load() -> list:
        blobs.pop("other.py")  # what the engine does for a file read again and changed
        return late

    cache = tmp_path / "store"
    cache.mkdir()
    racing = Project(first.config, load, listing=first.listing())
    racing.blob_ids = blobs
    racing.cache_directory = cache
    assert "FEATURE_LATE" in racing.inventory.keys()
    again = Project(first.config, first.files)
    again.blob_ids = dict(first.blob_ids)
    again.cache_directory = cache
    assert _found(again) == expected


FL202_PROJECT = Path(__file__).parent / "fixtures" / "rules_projects" / "FL202_keys"


@pytest.mark.usefixtures("git_env")
def test_fl202_asks_the_store_and_finds_what_a_built_inventory_finds(
    tmp_path: Path, built: list[str]
) -> None:
    """Toggle objects defined twice and key constants read through calls: FL202's
    questions beyond the reads are answered from the store, the same."""
    import shutil

    from flaglint.engine import run_rules
    from flaglint.rules import ALL_RULES

    root = tmp_path / "repo"
    shutil.copytree(FL202_PROJECT, root)
    fl202 = [r for r in ALL_RULES if r.code == "FL202"]
    fresh = analyse(load_config(root), [root], use_cache=False)
    expected = run_rules(fresh, fl202)
    assert {(f.path, f.line, f.symbol) for f in expected} == {
        ("app/rlp_flags.py", 1, "app.rlp_flags.RLP_MODE"),
        ("app/xblock_toggles.py", 4, "app.xblock_toggles.OLD_ENABLE"),
    }
    analyse(load_config(root), [root]).inventory  # noqa: B018  (built and stored)
    assert built == ["repo", "repo"]
    again = analyse(load_config(root), [root])
    inventory = again.inventory
    assert isinstance(inventory, StoredInventory)
    assert run_rules(again, fl202) == expected
    assert built == ["repo", "repo"]  # answered without building
    toggles = [(f.path, b.line, key) for f, b, key in inventory.toggle_definitions()]
    fresh_toggles = [(f.path, b.line, k) for f, b, k in fresh.inventory.toggle_definitions()]
    assert toggles == fresh_toggles and len(toggles) == 4
    # A call at no read is not stored: asking it builds the inventory, and agrees.
    router = next(f for f in again.files if f.path == "app/router.py")
    fresh_router = next(f for f in fresh.files if f.path == "app/router.py")
    unread = next(i for i, c in enumerate(router.calls) if c.callee.endswith("power_peg"))
    assert inventory.call_read(router, unread) == fresh.inventory.call_read(fresh_router, unread)
    assert built == ["repo", "repo", "repo"]
