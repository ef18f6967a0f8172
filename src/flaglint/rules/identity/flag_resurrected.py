"""FL203: a flag key that disappeared from the code and came back.

:func:`resurrections` is the entry point for other commands (``flaglint
audit`` checks every key with it); the rule runs it with ``--base`` for the
keys that are new since the base revision.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flaglint import history
from flaglint.discovery import excluded
from flaglint.findings import Finding, Location, Severity
from flaglint.flags.inventory import FlagRead
from flaglint.history import CommitInfo, KeyChange
from flaglint.rules.base import Rule, and_more

if TYPE_CHECKING:
    from flaglint.project import Project

MAX_NAMES = 3
MAX_RELATED = 3
# Enum members are names, not strings: git's search cannot follow them.
UNSEARCHABLE_PROVIDERS = frozenset({"enum"})


@dataclass(frozen=True)
class Resurrection:
    """A key that was read, vanished from every file, and is read again.

    ``readded`` is None when the key is back only in uncommitted changes.
    ``before`` is the last commit at which the old key was still read (the
    removing commit's first parent); ``gated_on``/``gated_off`` and
    ``earlier_reads`` describe the key there.
    """

    key: str
    removed: CommitInfo
    readded: CommitInfo | None
    before: str
    gated_on: tuple[str, ...]
    gated_off: tuple[str, ...]
    earlier_reads: tuple[FlagRead, ...]


def searchable_keys(project: Project) -> list[str]:
    """Keys of the project that git's history search can look for."""
    return [
        key
        for key, reads in project.inventory.keys().items()
        if any(r.provider not in UNSEARCHABLE_PROVIDERS for r in reads)
    ]


def resurrections(project: Project, keys: Iterable[str] | None = None) -> list[Resurrection]:
    """Which of ``keys`` (default: every searchable key) were removed once and came back.

    One ``git log -G`` pass per batch of keys finds the commits that changed
    how often each key is quoted in Python files under the root; a key whose
    count fell to zero and rose again was removed and re-added. The revision
    before the removal is then analysed (from cache where blobs are known) to
    confirm the key was a flag read there, not just a string, and to say what
    it gated. A key that moved from one call to another in the same commit
    never reaches zero, so a migration is not a resurrection.

    Raises :class:`~flaglint.history.HistoryError` outside a git repository
    or in a shallow clone, where the answer would be incomplete.
    """
    config = project.config
    wanted = sorted(set(searchable_keys(project) if keys is None else keys))
    if not wanted:
        return []
    repo = history.toplevel(config.root)
    prefix = config.root.resolve().relative_to(repo.resolve()).as_posix()
    prefix = "" if prefix == "." else prefix + "/"

    def skip(path: str) -> bool:
        if not path.startswith(prefix):
            return True
        return excluded(path[len(prefix) :], config.exclude)

    tip = project.revision or "HEAD"
    if not project.revision and not history.has_commits(repo):
        return []  # nothing committed yet: no key can have been removed
    changes = history.key_history(repo, wanted, (f"{prefix}*.py",), tip, skip, tails=True)
    read_now = project.inventory.keys()
    found: list[Resurrection] = []
    earlier: dict[str, Project] = {}
    for key in wanted:
        gap = _last_gap(changes.get(key, []), key in read_now)
        if gap is None:
            continue
        removed, readded = gap
        before = f"{removed.commit}^"
        if before not in earlier:
            earlier[before] = project.at_revision(before)
        old = earlier[before]
        old_reads = old.inventory.keys().get(key)
        if not old_reads:
            continue  # only a string then, never a flag read
        if _restored(project, old, key):
            continue  # the removal was undone: same readers, same gated code
        found.append(
            Resurrection(
                key,
                removed,
                readded,
                old.revision,
                _gated_functions(old, key, True),
                _gated_functions(old, key, False),
                tuple(old_reads),
            )
        )
    return found


def _gated_functions(project: Project, key: str, on: bool) -> tuple[str, ...]:
    """Project functions a polarity calls directly; library calls only when there are none."""
    direct = sorted(project.graph.reach(key, on).direct)
    if direct:
        return tuple(direct)
    return tuple(project.inventory.gates_by_key().get(key, {}).get("on" if on else "off", ()))


def _restored(now: Project, old: Project, key: str) -> bool:
    """Whether ``key`` is back where it was, gating what it gated (a revert undone).

    The readers (symbols) must be the same, and so must the code the flag
    gates: its on side, or its off side when the on side gated nothing then
    (``if not flag: old_path()``). New code under the old key is a reuse.
    """
    readers_then = {r.symbol for r in old.inventory.keys().get(key, ())}
    readers_now = {r.symbol for r in now.inventory.keys().get(key, ())}
    if readers_then != readers_now:
        return False
    on_then = _gated_functions(old, key, True)
    if on_then:
        return on_then == _gated_functions(now, key, True)
    if _gated_functions(now, key, True):
        return False
    return _gated_functions(old, key, False) == _gated_functions(now, key, False)


def _last_gap(
    changes: list[KeyChange], read_now: bool
) -> tuple[CommitInfo, CommitInfo | None] | None:
    """The last removal (count to zero) and the re-addition after it, if the key came back."""
    count = 0
    removal: CommitInfo | None = None
    gap: tuple[CommitInfo, CommitInfo | None] | None = None
    for change in changes:
        was = count
        count = max(0, count + change.delta)
        if was > 0 and count == 0:
            removal = change.commit
        elif was == 0 and count > 0 and removal is not None:
            gap = (removal, change.commit)
    if count > 0:
        return gap
    if read_now and removal is not None:
        return removal, None  # back only in the working tree
    return None


class FlagResurrected(Rule):
    """A flag key that was removed from the code and has come back.

    ## What it does
    With `check --base REV`, takes every flag key read at head but not at
    REV and searches git history for it (one `git log -G` pass for all of
    them). A key that was read at some earlier commit, then disappeared from
    every Python file, and is read again is reported, naming the commit that
    removed it, the commit that brought it back and what it gated before.
    A key that moved from one API to another in the same change never
    disappears, so a migration is not reported, and neither is a key that
    comes back where it was, read by the same functions and gating the same
    code (a removal reverted: the old state still means what it meant).
    `flaglint audit` checks every key the same way. Keys are searched as
    quoted strings, and a dotted key also as the tail of an f-string
    (`f"{NAMESPACE}.name"`, the Open edX way); enum members and other
    computed keys are not searched.

    ## Why is this bad?
    A removed key is not gone: flag services keep its targeting rules and
    history, caches and configuration files keep its value, old deploys keep
    reading it. Bringing the name back gives all of that state to new code.
    Knight Capital's flag had been dormant for years when the 2012 release
    gave it a meaning again. Unleash refuses to create a flag with the name of
    an archived one for this reason; flaglint applies the same rule to code.

    ## Example
    ```python
    # 2019: removed with the old checkout
    # 2024: FL203, "new-checkout" gated old_checkout until 2019
    if client.is_enabled("new-checkout"):
        checkout_v3(cart)
    ```

    ## Use instead
    ```python
    if client.is_enabled("checkout-v3"):  # a name never used before
        checkout_v3(cart)
    ```
    """

    code = "FL203"
    name = "flag-resurrected"
    severity = Severity.WARNING
    needs_history = True
    summary = "A flag key was removed from the code once and is read again."

    def check(self, project: Project) -> Iterator[Finding]:
        base = project.base
        if base is None:
            return
        new_keys = set(searchable_keys(project)) - set(base.inventory.keys())
        reads = project.inventory.keys()
        for found in resurrections(project, new_keys):
            yield self.report(project, found, reads[found.key][0])

    def report(self, project: Project, found: Resurrection, read: FlagRead) -> Finding:
        removed = found.removed
        back = (
            f'{_short(found.readded)} ({found.readded.date}, "{found.readded.subject}") '
            "brought it back"
            if found.readded is not None
            else "uncommitted changes bring it back"
        )
        gated = _gated(found)
        symbols = sorted({r.symbol for r in found.earlier_reads})
        readers = and_more([f"`{r}`" for r in symbols], MAX_NAMES)
        message = (
            f"flag '{found.key}' was removed by {_short(removed)} ({removed.date}, "
            f'"{removed.subject}") and {back}; before, {readers} read it and it gated {gated}. '
            "Flag services, caches and old deploys still hold the old key's state: use a new key"
        )
        label = found.before[:10]
        related = tuple(
            Location(r.path, r.line, r.column, f"read here until {_short(removed)}", label)
            for r in found.earlier_reads[:MAX_RELATED]
        )
        return self.finding(
            read.path,
            read.line,
            read.column,
            message,
            symbol=read.symbol,
            flag=found.key,
            related=related,
        )


def _short(commit: CommitInfo) -> str:
    return commit.commit[:10]


def _gated(found: Resurrection) -> str:
    parts = []
    for state, functions in (("on", found.gated_on), ("off", found.gated_off)):
        if functions:
            parts.append(f"{and_more([f'`{f}`' for f in functions], MAX_NAMES)} when {state}")
    return "; ".join(parts) if parts else "nothing"
