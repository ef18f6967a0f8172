"""The inventories of the trees analysed last, kept between runs.

A tree's inventory follows from its files and the configuration alone, and
the trees analysed most are the same few: the work tree, ``HEAD`` (the
pre-commit hook's base is the tree the previous commit's hook or a clean
``check`` just analysed), the staged index (the tree a ``check`` of the work
tree just analysed, when everything is staged), a ``--base``. What a check
asks of an inventory is what it found (its reads and gated calls, the keys
and gates they give), the toggle objects it defines (FL202) and what the
calls at its reads read (FL202's key constants); those are stored under the
tree's digest and answered from the store. Any other question (``audit``,
``show``, ``remove-flag``) builds the inventory as before (:class:`StoredInventory`).

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
from flaglint.facts.model import Binding, FileFacts
from flaglint.flags.model import FlagCondition, FlagRead, GatedCall, InventoryOutputs
from flaglint.stamp import code_stamp

if TYPE_CHECKING:
    from flaglint.flags.inventory import Inventory

FORMAT = 2
STORE = "inventories.pickle"
# Trees kept: the work tree, HEAD, a staged index, a base.
KEEP = 4

# A gated call without its file's facts: (path, call index, target, conditions).
Row = tuple[str, int, str, tuple[FlagCondition, ...]]
# A toggle object's definition: (path, the binding's position in the file's, key).
Toggle = tuple[str, int, str]
# What the call at each read reads: (path, call index) -> read.
CallReads = dict[tuple[str, int], "FlagRead | None"]
Entry = tuple[list[FlagRead], list[Row], list[Toggle], CallReads]


def inventory_key(tree_digest: str, config: object) -> str:
    """The key of a tree's inventory ("" when the tree's content is not known)."""
    if not tree_digest:
        return ""
    digest = hashlib.sha256()
    for part in (f"{FORMAT}:{code_stamp()}", repr(config), tree_digest):
        digest.update(utf8(part) + b"\0")
    return digest.hexdigest()


class StoredInventory(InventoryOutputs):
    """A tree's stored findings (reads, gated calls, toggle definitions, what the calls
    at its reads read); anything else asked builds the inventory."""

    def __init__(
        self,
        files: list[FileFacts],
        reads: list[FlagRead],
        gated: list[GatedCall],
        toggles: list[tuple[FileFacts, Binding, str]],
        call_reads: CallReads,
        build: Callable[[], Inventory],
    ) -> None:
        self.files = files
        self.reads = reads
        self.gated = gated
        self._toggles = toggles
        self._call_reads = call_reads
        self._build = build
        self._built: Inventory | None = None

    def toggle_definitions(self) -> list[tuple[FileFacts, Binding, str]]:
        return list(self._toggles)

    def call_read(self, facts: FileFacts, index: int) -> FlagRead | None:
        found = self._call_reads.get((facts.path, index), _UNKNOWN)
        if found is _UNKNOWN:
            return self._inventory().call_read(facts, index)
        return found  # type: ignore[return-value]

    def _inventory(self) -> Inventory:
        if self._built is None:
            self._built = self._build()
        return self._built

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_build", "_built"):
            raise AttributeError(name)
        return getattr(self._inventory(), name)


_UNKNOWN = object()


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
    return from_entry(entry, files, build)


def is_stored(directory: Path | None, key: str) -> bool:
    """Whether the inventory of the tree ``key`` names is in the store."""
    return bool(key) and key in _entries(directory)


def from_entry(
    entry: Entry, files: Iterable[FileFacts], build: Callable[[], Inventory]
) -> StoredInventory | None:
    """An inventory's stored findings (:func:`entry`) over ``files``; None if they are
    not that tree's."""
    reads, rows, toggle_rows, call_reads = entry
    parsed = [f for f in files if f.error is None]
    by_path = {f.path: f for f in parsed}
    gated: list[GatedCall] = []
    for path, index, target, conditions in rows:
        facts = by_path.get(path)
        if facts is None or not 0 <= index < len(facts.calls):
            return None  # not this tree after all
        gated.append(GatedCall(facts, facts.calls[index], index, target, conditions))
    toggles: list[tuple[FileFacts, Binding, str]] = []
    for path, position, key in toggle_rows:
        facts = by_path.get(path)
        if facts is None or not 0 <= position < len(facts.bindings):
            return None
        toggles.append((facts, facts.bindings[position], key))
    return StoredInventory(parsed, list(reads), gated, toggles, dict(call_reads), build)


def save(directory: Path | None, key: str, inventory: Inventory) -> None:
    """Keep ``inventory``'s findings under ``key``, with the last few trees'."""
    if directory is None or not key:
        return
    save_entry(directory, key, entry(inventory))


def entry(inventory: Inventory) -> Entry:
    """What is stored of ``inventory``: its findings, without the files' facts."""
    rows = [(g.facts.path, g.index, g.target, g.conditions) for g in inventory.gated]
    return (inventory.reads, rows, _toggles(inventory), _call_reads(inventory))


def save_entry(directory: Path | None, key: str, found: Entry) -> None:
    """Keep an inventory's findings (:func:`entry`) under ``key``, with the last few trees'."""
    if directory is None or not key:
        return
    entries = _entries(directory)
    entries.pop(key, None)
    entries[key] = found
    kept = dict(list(entries.items())[-KEEP:])
    write_stamped(directory, STORE, f"inventories:{FORMAT}", kept)


def _toggles(inventory: Inventory) -> list[Toggle]:
    found: list[Toggle] = []
    for facts, binding, key in inventory.toggle_definitions():
        position = next(i for i, b in enumerate(facts.bindings) if b is binding)
        found.append((facts.path, position, key))
    return found


def _call_reads(inventory: Inventory) -> CallReads:
    """What each call written where a read is found reads (FL202 asks those of keyed reads)."""
    places = {(r.path, r.line, r.column) for r in inventory.reads}
    found: CallReads = {}
    for facts in inventory.files:
        for index, call in enumerate(facts.calls):
            if (facts.path, call.line, call.col + 1) in places:
                found[(facts.path, index)] = inventory.call_read(facts, index)
    return found
