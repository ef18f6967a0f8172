"""Every inventory fixture: the reads and gates its markers promise, and nothing else."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from markers import parse_markers

from flaglint.config import Config, load_config
from flaglint.engine import analyse

INVENTORY = Path(__file__).parent / "fixtures" / "inventory"
CASES = sorted(p.name for p in INVENTORY.glob("*.py")) + sorted(
    p.name for p in (Path(__file__).parent / "fixtures" / "inventory_projects").iterdir()
)


def _root_and_paths(name: str) -> tuple[Path, list[Path]]:
    single = INVENTORY / name
    if single.is_file():
        return INVENTORY, [single]
    return Path(__file__).parent / "fixtures" / "inventory_projects" / name, []


@pytest.mark.parametrize("case", CASES)
def test_inventory_fixture(case: str) -> None:
    root, paths = _root_and_paths(case)
    # Single files get the defaults; each project folder carries its own pyproject.toml.
    config = Config(root=root) if paths else load_config(root)
    project = analyse(config, paths or [root], use_cache=False)
    inventory = project.inventory
    reads = defaultdict(list)
    for read in inventory.reads:
        reads[(read.path, read.line)].append(read)
    gates = defaultdict(set)
    for gated in inventory.gated:
        for condition in gated.conditions:
            gates[(gated.facts.path, gated.call.line)].add((condition.key, condition.on))
    branches = defaultdict(set)
    for key, sites in inventory.branches_by_key().items():
        for path, line, side in sites:
            branches[(path, line)].add((key, side))
    markers = [m for m in parse_markers(root) if not paths or m.path == case]
    expected_read_lines = set()
    for marker in markers:
        at = (marker.path, marker.line)
        where = f"{marker.path}:{marker.line}"
        if marker.kind == "read":
            key, _, provider = marker.value.partition(" (")
            found = [r for r in reads[at] if r.key == key]
            assert found, f"{where}: expected a read of {key!r}, found {reads[at]}"
            if provider:
                assert found[0].provider == provider.rstrip(")"), where
            expected_read_lines.add(at)
        elif marker.kind == "dynamic-read":
            assert any(r.key is None for r in reads[at]), f"{where}: expected a dynamic read"
            expected_read_lines.add(at)
        elif marker.kind == "no-read":
            assert not reads[at], f"{where}: expected no read, found {reads[at]}"
        elif marker.kind == "gated":
            key, _, polarity = marker.value.rpartition(" ")
            assert (key, polarity == "on") in gates[at], (
                f"{where}: expected gate {marker.value}, found {gates[at]}"
            )
        elif marker.kind == "not-gated":
            assert not gates[at], f"{where}: expected no gate, found {gates[at]}"
        elif marker.kind == "branch":
            key, _, side = marker.value.rpartition(" ")
            assert (key, side) in branches[at], (
                f"{where}: expected branch {marker.value}, found {branches[at]}"
            )
        elif marker.kind == "no-branch":
            assert not branches[at], f"{where}: expected no branch, found {branches[at]}"
    unexpected = [r for at, found in reads.items() for r in found if at not in expected_read_lines]
    assert not unexpected, f"reads without a marker: {unexpected}"
