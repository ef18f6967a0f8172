"""Which files' call edges a new tree can take from an older one.

Building the call graph resolves every call site of every file, most of
the graph's time. When a tree differs from one
already analysed in a few files (an edit, the commit before, the staged
index), most of those answers cannot have changed. A file's edges are
reused when its content is the same (same blob, same module name) and no
name whose bindings a changed file added, removed, redefined or reordered
can reach it:

* the file does not spell the name (in a call, an import, a reference, a
  base class, a decorator, an alias): a lookup in another file can only
  find or lose ``helper`` if that file spells ``helper``. A name another
  module imports or aliases from the changed one (``from m import helper as
  h``, ``h2 = m.helper``, a star import), and so on through the tree, is
  changed too;
* no class base in the tree, old or new, denotes a changed name (resolved
  through its module's imports; a base written as a call or a subscript
  counts when it contains the name as a word): bases decide what classes
  inherit, and so lookups in subclasses that never spell the name.

A file added or removed changes every name it binds and its module's last
name (module names decide where dotted names split). Everything else builds
from scratch: a dunder bound or unbound in a changed file (``__init__``
changes what ``Cls()`` calls without anyone spelling it), a star import, a
change to being a package, a package added or removed, a file renamed.

Hubs (``name:m``) and flag conditions are not part of the reused edges;
the graph recomputes both for every tree. Value flow is whole-program: the
graph solves it for every tree and takes a file's old edges only when the
file's flow answers (:mod:`flaglint.callgraph.answers`) are unchanged.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

from flaglint.cache.store import read_stamped, write_stamped
from flaglint.callgraph.model import RawEdge
from flaglint.facts.model import FileFacts

FORMAT = 6
# Each snapshot is a file named by its tree's digest (``edges-<digest>.pickle``);
# the index lists the trees kept, the newest first. Two are kept: a check of the
# files about to be committed, then the pre-commit hook, ask for both (the staged
# tree and HEAD).
INDEX = "edges-index.pickle"
KEPT = 2
# The one snapshot of format 5 and earlier, and its tree: tens of MB no longer read.
_LEGACY = ("edges.pickle", "edges-tree.pickle")
_WORD = re.compile(r"\w+")
_DOTTED = re.compile(r"\w+(\.\w+)*")

InterfaceItem = tuple[str, ...]


def interface(facts: FileFacts) -> dict[str, list[InterfaceItem]]:
    """Per name, the facts binding it that other files' name resolution reads.

    In source order with repeats: resolution keeps the last binding of a name
    (``try: from a import f / except: from b import f``, two conditional
    definitions) and counts a method's definitions, so reordering or
    repeating bindings changes the name. "" holds the package flag and star
    imports.
    """
    items: dict[str, list[InterfaceItem]] = {"": [("package", str(facts.is_package))]}
    for definition in facts.definitions:
        entry = ("def", definition.qualname, definition.kind, *definition.bases)
        items.setdefault(definition.name, []).append(entry)
    for imp in facts.imports:
        name = imp.local if imp.local != "*" else ""
        items.setdefault(name, []).append(("import", imp.local, imp.target))
    for binding in facts.bindings:
        value = binding.value if binding.kind == "name" else ""
        entry = ("bind", binding.scope, binding.name, binding.kind, value)
        items.setdefault(binding.name, []).append(entry)
    # What value flow reads of a function besides its values: how it binds its
    # arguments, whether it is a generator, whether a decorator rebinds it.
    for function in facts.flow_functions:
        entry = ("flow", function.qualname, function.kind, *function.positional)
        items.setdefault(function.qualname.rpartition(".")[2], []).append(entry)
    for flow in facts.flows:
        target = flow.target
        if target[0] == "yield":
            items.setdefault(flow.scope.rpartition(".")[2], []).append(("yield", flow.scope))
        elif target[0] == "n" and flow.value is not None and flow.value[0] == "dec":
            items.setdefault(target[1], []).append(("dec", flow.scope, target[1]))
    return items


def changed_names(old: FileFacts, new: FileFacts) -> set[str] | None:
    """Names whose bindings ``new`` added, removed, redefined or reordered; None if unknowable.

    A new or removed star import can bind any name, a dunder is looked up
    without being spelled (``__init__`` by ``Cls()``), and whether the file
    is a package decides where dotted names split: each of those is None.
    """
    before, after = interface(old), interface(new)
    names: set[str] = set()
    for name in sorted(before.keys() | after.keys()):
        if before.get(name) == after.get(name):
            continue
        if not name or (name.startswith("__") and name.endswith("__")):
            return None
        names.add(name)
    return names


def mentions(facts: FileFacts, names: set[str]) -> bool:
    """Whether any spelled name in ``facts`` contains one of ``names`` (over-approximate)."""
    spelled: Iterable[str] = _spellings(facts)
    return any(name in text for text in spelled for name in names)


def _spellings(facts: FileFacts) -> Iterable[str]:
    for call in facts.calls:
        yield call.callee
        for arg in call.args:
            if arg.kind == "name":
                yield arg.text
    for reference in facts.references:
        yield reference.name
    for imp in facts.imports:
        yield imp.target
        yield imp.local
    for definition in facts.definitions:
        yield from definition.bases
        yield from definition.decorators
    for binding in facts.bindings:
        yield binding.value
    yield from facts.dunder_all


def reusable(
    old_modules: Mapping[str, str],
    old_facts: Callable[[str], FileFacts | None],
    old_edges: Mapping[str, list[RawEdge]],
    new_files: Iterable[FileFacts],
    same: Callable[[FileFacts], bool],
) -> dict[str, list[RawEdge]]:
    """Edges of ``old_edges`` that stand for the new tree, by path ({} to build anew).

    ``old_modules`` maps every path of the old tree that had facts to its
    module; ``old_facts(path)`` gives a changed file's old facts (None when
    they are gone); ``same(facts)`` says whether a new file's content is
    the old one's.
    """
    new = [f for f in new_files if f.error is None]
    modules = {f.path: f.module for f in new}
    if any(modules.get(path, module) != module for path, module in old_modules.items()):
        return {}  # a file renamed to another module
    changed = [f for f in new if not same(f)]
    names: set[str] = set()
    qualified: Qualified = set()
    olds: list[FileFacts] = []
    for facts in changed:
        before = old_facts(facts.path) if facts.path in old_modules else None
        if before is None:  # a file added
            delta = _all_names(facts)
        else:
            delta = changed_names(before, facts)
            olds.append(before)
        if delta is None:
            return {}
        names |= delta
        qualified |= {(facts.module, n) for n in delta}
    for path in old_modules.keys() - modules.keys():  # a file removed
        before = old_facts(path)
        delta = _all_names(before) if before is not None else None
        if before is None or delta is None:
            return {}
        names |= delta
        qualified |= {(before.module, n) for n in delta}
        olds.append(before)
    if not names:
        stale = {f.path for f in changed}
        return {p: edges for p, edges in old_edges.items() if p in modules and p not in stale}
    # A name another module imports or aliases from a changed one changes there
    # too: those names are changed, wherever they are spelled.
    everything = [*new, *olds]
    qualified = _aliased(everything, qualified)
    names |= {name for _, name in qualified}
    # A changed name on the way from a class to its bases changes the class's
    # ancestry, and with it lookups in subclasses that never spell the name.
    for facts in everything:
        if _changes_a_base(facts, names, qualified):
            return {}
    stale = {f.path for f in new if not same(f) or mentions(f, names)}
    return {p: edges for p, edges in old_edges.items() if p in modules and p not in stale}


Qualified = set[tuple[str, str]]


def _all_names(facts: FileFacts) -> set[str] | None:
    """What a module added or removed changes: every name it binds, and its own
    last name (dotted names split at module boundaries); None for a package or a
    star import, whose names reach further."""
    if facts.is_package or any(imp.local == "*" for imp in facts.imports):
        return None
    return {*interface(facts), facts.module.rpartition(".")[2]} - {""}


def _aliased(files: list[FileFacts], changed: Qualified) -> Qualified:
    """``changed`` (module, name) pairs, with every name an import, a star import or a
    module-level alias binds to one of them, followed until nothing is added."""
    links: list[tuple[FileFacts, str, str]] = []
    for facts in files:
        links.extend((facts, imp.local, imp.target) for imp in facts.imports)
        links.extend(
            (facts, b.name, b.value) for b in facts.bindings if b.kind == "name" and not b.scope
        )
    out = set(changed)
    grew = True
    while grew:
        grew = False
        for facts, local, target in links:
            if local == "*":  # every changed name of the starred module
                found = {(facts.module, n) for m, n in out if m == target}
            elif (facts.module, local) not in out and _reaches(facts, target, out):
                found = {(facts.module, local)}
            else:
                continue
            if not found <= out:
                out |= found
                grew = True
    return out


def _reaches(facts: FileFacts, text: str, qualified: Qualified) -> bool:
    """Whether the dotted ``text`` spelled in ``facts`` may denote a pair of ``qualified``."""
    head, _, rest = text.partition(".")
    if (facts.module, head) in qualified:
        return True
    for imp in facts.imports:  # the head through this module's own imports
        if imp.local == head:
            text = f"{imp.target}.{rest}" if rest else imp.target
    parts = text.split(".")
    return any((".".join(parts[:i]), parts[i]) in qualified for i in range(1, len(parts)))


def _changes_a_base(facts: FileFacts, names: set[str], qualified: Qualified) -> bool:
    for definition in facts.definitions:
        for base in definition.bases:
            # A substring test first (C speed); whole words only for the rare hit.
            if not any(name in base for name in names) or not names.intersection(
                _WORD.findall(base)
            ):
                continue
            if not _DOTTED.fullmatch(base) or _reaches(facts, base, qualified):
                return True  # a call or subscript as a base: any changed word counts
    return False


class EdgeSnapshot(NamedTuple):
    """A tree's files (path -> (module, blob id)), the raw edges built for it, the
    value-flow answers they were built from (a file's edges are reused only where
    its answers are the same in the new tree), the locations each file's answers
    read and their values (see :mod:`flaglint.callgraph.earlier`)."""

    files: dict[str, tuple[str, str]]
    edges: dict[str, list[RawEdge]]
    answers: Mapping[str, object] = {}
    reads: Mapping[str, tuple[str, ...]] = {}
    values: Mapping[str, int] = {}
    # The whole tree's digest (``Project.tree_digest``): "" when unknown.
    tree: str = ""


def _snapshot_name(tree: str) -> str:
    return f"edges-{tree or 'unknown'}.pickle"


def _index(directory: Path | None, salt: str) -> list[str]:
    found = read_stamped(directory, INDEX, f"index:{FORMAT}:{salt}")
    return [t for t in found if isinstance(t, str)] if isinstance(found, list) else []


def snapshot_trees(directory: Path | None, salt: str) -> list[str]:
    """The trees whose snapshots are kept, the newest first (their files on disk)."""
    if directory is None:
        return []
    return [t for t in _index(directory, salt) if (directory / _snapshot_name(t)).is_file()]


def load_snapshot(directory: Path | None, salt: str, slot: int = 0) -> EdgeSnapshot | None:
    """The newest snapshot (``slot`` 0), or the one saved before it (1)."""
    trees = snapshot_trees(directory, salt)
    if slot >= len(trees):
        return None
    found = read_stamped(directory, _snapshot_name(trees[slot]), f"edges:{FORMAT}:{salt}")
    # Named by its tree and tagged with the user's key: what it holds is that tree's.
    return found if isinstance(found, EdgeSnapshot) and found.tree == trees[slot] else None


def save_snapshot(directory: Path | None, salt: str, snapshot: EdgeSnapshot) -> None:
    """Save ``snapshot`` as the newest; of the others, the newest stays, the rest go."""
    if directory is None:
        return
    write_stamped(directory, _snapshot_name(snapshot.tree), f"edges:{FORMAT}:{salt}", snapshot)
    before = _index(directory, salt)
    kept = [snapshot.tree, *(t for t in before if t != snapshot.tree)][:KEPT]
    # The list of trees, in a file of a few bytes, renamed into place whole: whether a
    # snapshot is worth loading is known without loading its megabytes.
    write_stamped(directory, INDEX, f"index:{FORMAT}:{salt}", kept)
    dropped = [_snapshot_name(t) for t in before if t not in kept]
    for name in (*dropped, *_LEGACY):
        with contextlib.suppress(OSError):
            os.unlink(directory / name)


def promote_snapshot(directory: Path | None, salt: str, tree: str) -> None:
    """Make ``tree``'s snapshot the newest (a tree checked again is the last one a later
    save should drop)."""
    before = _index(directory, salt)
    if tree in before and before[0] != tree:
        kept = [tree, *(t for t in before if t != tree)]
        write_stamped(directory, INDEX, f"index:{FORMAT}:{salt}", kept)


def snapshot_slot(directory: Path | None, salt: str, tree: str) -> int | None:
    """Which snapshot, the newest (0) or the previous (1), is of ``tree``; None if neither."""
    trees = snapshot_trees(directory, salt) if tree else []
    return trees.index(tree) if tree in trees else None
