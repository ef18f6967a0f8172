"""The inventories of the trees analysed last, kept between runs.

A tree's inventory follows from its files and the configuration alone, and
the trees analysed most are the same few: the work tree, ``HEAD`` (the
pre-commit hook's base is the tree the previous commit's hook or a clean
``check`` just analysed), a ``--base``. What the rules ask of a base's
inventory is what it found (its reads and gated calls, the keys and gates
they give); those are stored under the tree's digest and answered from the
store. Any other question builds the inventory as before (:class:`StoredInventory`).
Only a revision's inventory (a base's) is taken from the store: the work
tree's is always built, as FL202 asks it about calls the store does not hold.

Keyed by flaglint's code, the configuration and every file's path, module
and content (``Project.tree_digest``): a stored answer is that tree's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flaglint.cache.store import read_stamped, write_stamped
from flaglint.encoding import utf8
from flaglint.facts.model import FileFacts
from flaglint.flags.model import FlagCondition, FlagRead, GatedCall, InventoryOutputs
from flaglint.stamp import code_stamp

if TYPE_CHECKING:
    from flaglint.flags.inventory import Inventory

FORMAT = 1
STORE = "inventories.pickle"
# Trees kept: the work tree, HEAD, a staged index, a base.
KEEP = 4

# A gated call without its file's facts: (path, call index, target, conditions).
Row = tuple[str, int, str, tuple[FlagCondition, ...]]
Entry = tuple[list[FlagRead], list[Row]]


def inventory_key(tree_digest: str, config: object) -> str:
    """The key of a tree's inventory ("" when the tree's content is not known)."""
    if not tree_digest:
        return ""
    digest = hashlib.sha256()
    for part in (f"{FORMAT}:{code_stamp()}", repr(config), tree_digest):
        digest.update(utf8(part) + b"\0")
    return digest.hexdigest()


class StoredInventory(InventoryOutputs):
    """A tree's stored reads and gated calls; anything else asked builds the inventory."""

    def __init__(
        self, reads: list[FlagRead], gated: list[GatedCall], build: Callable[[], Inventory]
    ) -> None:
        self.reads = reads
        self.gated = gated
        self._build = build
        self._built: Inventory | None = None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_build", "_built"):
            raise AttributeError(name)
        if self._built is None:
            self._built = self._build()
        return getattr(self._built, name)


def _entries(directory: Path | None) -> dict[str, Entry]:
    found = read_stamped(directory, STORE, f"inventories:{FORMAT}")
    return found if isinstance(found, dict) else {}


def load(
    directory: Path | None, key: str, files: Iterable[FileFacts], build: Callable[[], Inventory]
) -> StoredInventory | None:
    """The stored inventory of the tree ``key`` names, over ``files``; None if not stored."""
    entry = _entries(directory).get(key) if key else None
    if entry is None:
        return None
    reads, rows = entry
    by_path = {f.path: f for f in files if f.error is None}
    gated: list[GatedCall] = []
    for path, index, target, conditions in rows:
        facts = by_path.get(path)
        if facts is None or not 0 <= index < len(facts.calls):
            return None  # not this tree after all
        gated.append(GatedCall(facts, facts.calls[index], index, target, conditions))
    return StoredInventory(list(reads), gated, build)


def save(directory: Path | None, key: str, inventory: Inventory) -> None:
    """Keep ``inventory``'s findings under ``key``, with the last few trees'."""
    if directory is None or not key:
        return
    entries = _entries(directory)
    entries.pop(key, None)
    rows = [(g.facts.path, g.index, g.target, g.conditions) for g in inventory.gated]
    entries[key] = (inventory.reads, rows)
    kept = dict(list(entries.items())[-KEEP:])
    write_stamped(directory, STORE, f"inventories:{FORMAT}", kept)
