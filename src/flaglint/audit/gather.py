"""``flaglint audit``: everything an auditor asks of a repository's flags, gathered once.

The audit is data, not text: the flag inventory with what each polarity
reaches, each flag's history from git (when the tree is a work tree), every
rule's findings and notes on what could not be done. Reporters in
:mod:`flaglint.audit.render` and :mod:`flaglint.audit.html` render it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from flaglint import history
from flaglint.callgraph import HUB_PREFIX
from flaglint.discovery import excluded
from flaglint.engine import run_rules
from flaglint.findings import Finding
from flaglint.flags.inventory import FlagRead
from flaglint.history import CommitInfo, HistoryError
from flaglint.project import Project
from flaglint.rules.base import Rule

# Checks that only an audit runs, after the registered rules: each takes the
# project (``project.base`` is set when ``--since`` was given) and returns
# findings. This is the place for audits over every key of the history, such
# as FL203's resurrected-flag search, which ``check`` only runs for new keys.

BLAME_WORKERS = 4


@dataclass(frozen=True)
class Reach:
    """What one polarity of a flag gates.

    ``sites`` are gated call sites (path, line, enclosing node, target);
    ``exclusive_lines`` counts the source lines of the exclusive functions.
    """

    sites: tuple[tuple[str, int, str, str], ...] = ()
    direct: tuple[str, ...] = ()
    reach: tuple[str, ...] = ()
    exclusive: tuple[str, ...] = ()
    exclusive_lines: int = 0
    # Calls made by the gated targets and what only the flag reaches
    # (readable names), and those callees that dispatch (the ``sinks`` words).
    calls: tuple[tuple[str, str], ...] = ()
    sinks: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeyEvent:
    """A commit that added (``delta`` > 0) or removed quoted spellings of a key."""

    commit: CommitInfo
    delta: int


@dataclass(frozen=True)
class FlagHistory:
    """A flag key in git.

    ``first_seen``/``last_mention``: the first and the last commit whose diff
    added or removed a line spelling the key (None when the key is built, not
    spelled). ``gate_change``: the newest commit among the gate lines (the
    reads and the calls they guard), at ``gate_path:gate_line``.
    ``uncommitted_gates``: gate lines changed since the last commit.
    """

    first_seen: CommitInfo | None
    last_mention: CommitInfo | None
    gate_change: CommitInfo | None
    gate_path: str = ""
    gate_line: int = 0
    uncommitted_gates: int = 0
    # The text looked for in diffs: the key, or its last part for a built key.
    searched: str = ""
    # Commits that changed how often the key is quoted (reads added, removed).
    changes: tuple[KeyEvent, ...] = ()


@dataclass(frozen=True)
class AuditedFlag:
    key: str
    providers: tuple[str, ...]
    reads: tuple[FlagRead, ...]
    on: Reach
    off: Reach
    history: FlagHistory | None


@dataclass(frozen=True)
class Repository:
    """The git state the audit describes; ``since`` is the ``--since`` commit."""

    head: CommitInfo | None
    shallow: bool
    dirty: tuple[str, ...]
    since: CommitInfo | None = None
    since_revision: str = ""
    # Where the audited root lies in the repository ("" at its top, else "svc/").
    prefix: str = ""


@dataclass(frozen=True)
class Audit:
    name: str
    files: int
    lines: int
    flags: tuple[AuditedFlag, ...]
    dynamic_reads: tuple[FlagRead, ...]
    findings: tuple[Finding, ...]
    rules_run: tuple[type[Rule], ...]
    rules_skipped: tuple[type[Rule], ...]
    repository: Repository | None
    notes: tuple[str, ...]
    # With --since: keys read now and not at the base, and the other way round.
    added_since: tuple[str, ...] = ()
    removed_since: tuple[str, ...] = ()
    # A flag whose gate changed this many days after its key first appeared
    # is listed as an old key with a new gate (``dormant-after-days``).
    rewired_after_days: int = 730
    # The last commit of each finding's line, by (path, line): the finding
    # appears on the timelines at that date.
    finding_commits: tuple[tuple[str, int, CommitInfo], ...] = ()


def run_audit(
    project: Project,
    rules: Sequence[type[Rule]],
    since: str = "",
    checks: Sequence[Callable[[Project], Iterable[Finding]]] = (),
    with_history: bool = True,
) -> Audit:
    """Audit ``project``: inventory, reach, history, every rule in ``rules``, ``checks``.

    Rules that compare revisions run only when ``project.base`` is set (the
    caller sets it for ``--since``); the others are listed as skipped.
    """
    notes: list[str] = []
    findings = set(run_rules(project, rules))
    for extra in checks:
        findings.update(extra(project))
    ran = tuple(r for r in rules if not (r.needs_history and project.base is None))
    skipped = tuple(r for r in rules if r.needs_history and project.base is None)
    if skipped:
        codes = ", ".join(r.code for r in skipped)
        notes.append(f"Rules that compare revisions did not run (pass --since REV): {codes}.")

    inventory = project.inventory
    keyed = inventory.keys()
    before = project.base.inventory.keys() if project.base is not None else {}
    repository: Repository | None = None
    histories: dict[str, FlagHistory] = {}
    finding_commits: tuple[tuple[str, int, CommitInfo], ...] = ()
    root = project.config.root
    if not with_history:
        notes.append("History was not read (--no-history).")
    elif not history.is_work_tree(root):
        notes.append(
            "Not a git work tree: flag history (first seen, last gate change) is not available."
        )
    else:
        started = time.perf_counter()
        repository, histories, finding_commits = _history(
            project, keyed, since, notes, sorted(findings, key=Finding.sort_key)
        )
        project.stats.seconds["history"] = time.perf_counter() - started

    started = time.perf_counter()
    sink_words = project.config.sinks
    flags = tuple(
        AuditedFlag(
            key,
            tuple(sorted({r.provider for r in reads})),
            tuple(reads),
            _reach(project, key, True, sink_words),
            _reach(project, key, False, sink_words),
            histories.get(key) if repository is not None else None,
        )
        for key, reads in keyed.items()
    )
    project.stats.seconds["reach"] = time.perf_counter() - started
    return Audit(
        name=root.resolve().name,
        files=project.stats.files,
        lines=project.stats.lines,
        flags=flags,
        dynamic_reads=tuple(inventory.dynamic_reads()),
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        rules_run=ran,
        rules_skipped=skipped,
        repository=repository,
        notes=tuple(notes),
        rewired_after_days=project.config.dormant_after_days,
        # Without --since there is nothing to compare with: no key is "added".
        added_since=tuple(sorted(set(keyed) - set(before))) if project.base else (),
        removed_since=tuple(sorted(set(before) - set(keyed))),
        finding_commits=finding_commits,
    )


def _reach(project: Project, key: str, on: bool, sink_words: Sequence[str] = ()) -> Reach:
    graph = project.graph
    found = graph.reach(key, on)
    if not found.sites:
        return Reach()
    # The calls of what the gates call and of what only the flag reaches: the
    # reach picture draws them; the full reach list stays a list.
    callers = sorted(set(found.direct) | set(found.exclusive))
    calls = tuple(
        (_readable(node), _readable(target)) for node in callers for target in graph.callees(node)
    )
    covered: dict[str, set[int]] = {}
    for node in found.exclusive:
        info = graph.nodes.get(node)
        if info is None or info.definition is None:
            continue
        lines = covered.setdefault(info.facts.path, set())
        lines.update(range(info.definition.line, info.definition.end_line + 1))
    return Reach(
        sites=tuple(
            (path, line, source, _readable(target)) for path, line, source, target in found.sites
        ),
        direct=tuple(sorted(_readable(node) for node in found.direct)),
        reach=tuple(sorted(found.reach)),
        exclusive=tuple(sorted(found.exclusive)),
        exclusive_lines=sum(len(lines) for lines in covered.values()),
        calls=calls,
        sinks=tuple(
            sorted(
                {t for _, t in calls if is_sink(t, sink_words)}
                | {_readable(t) for *_, t in found.sites if is_sink(_readable(t), sink_words)}
            )
        ),
    )


def is_sink(name: str, words: Sequence[str]) -> bool:
    """Whether a called name dispatches: its last part, or its dotted tail, is a sink word."""
    last = name.rsplit(".", 1)[-1]
    return any(
        (fnmatchcase(name, word) or fnmatchcase(name, "*." + word))
        if "." in word
        else fnmatchcase(last, word)
        for word in words
    )


def _history(
    project: Project,
    keyed: dict[str, list[FlagRead]],
    since: str,
    notes: list[str],
    findings: Sequence[Finding] = (),
) -> tuple[Repository, dict[str, FlagHistory], tuple[tuple[str, int, CommitInfo], ...]]:
    config = project.config
    root = config.root
    top = history.toplevel(root)
    prefix = root.resolve().relative_to(top.resolve()).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    head = history.commit_info(root)
    if head is None:
        notes.append("The repository has no commits yet: flag history is not available.")
        return Repository(None, False, ()), {}, ()
    shallow = history.shallow(root)
    if shallow:
        notes.append(
            "This clone is shallow: history starts at the shallow boundary, so first-seen "
            "dates may be too recent (git fetch --unshallow for the full history)."
        )
    dirty = tuple(
        p[len(prefix) :]
        for p in history.dirty_paths(root)
        if p.startswith(prefix) and p.endswith(".py")
    )
    if dirty:
        notes.append(
            f"{len(dirty)} tracked Python file(s) have uncommitted changes; "
            "their changed gate lines count as uncommitted."
        )
    since_commit = None
    if project.base is not None:
        since_commit = history.commit_info(root, project.base.revision)

    def keep(path: str) -> bool:
        if not path.startswith(prefix):
            return False
        return not excluded(path[len(prefix) :], config.exclude)

    gate_lines = {key: _gate_lines(project, key, reads) for key, reads in keyed.items()}
    # Finding lines are blamed in the same pass: the timelines show each
    # finding at the last change of its line.
    finding_lines = [(f.path, f.line) for f in findings if not f.path.startswith("<")]
    # Three independent reads of the history, each a git process that mostly
    # waits on itself: run side by side, their time is the longest of them
    # (koku, 5,138 commits: 26.8 s in a row). Notes keep their order.
    mention_notes: list[str] = []
    change_notes: list[str] = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        mentions_job = pool.submit(_mentions, root, sorted(keyed), keep, mention_notes)
        changes_job = (
            pool.submit(_key_changes, root, sorted(keyed), keep, change_notes)
            if not shallow
            else None
        )
        blamed = _blame(root, {**gate_lines, "": finding_lines})
        mentions, tails = mentions_job.result()
        changes = changes_job.result() if changes_job is not None else {}
    notes.extend(mention_notes + change_notes)
    histories: dict[str, FlagHistory] = {}
    for key, places in gate_lines.items():
        newest: tuple[int, str, int, CommitInfo] | None = None
        uncommitted = 0
        for path, line in places:
            commit = blamed.get(path, {}).get(line)
            if commit is None:
                uncommitted += 1
                continue
            candidate = (commit.timestamp, path, line, commit)
            if newest is None or candidate[:3] > newest[:3]:
                newest = candidate
        found = mentions.get(key)
        histories[key] = FlagHistory(
            first_seen=found.first if found else None,
            last_mention=found.last if found else None,
            gate_change=newest[3] if newest else None,
            gate_path=newest[1] if newest else "",
            gate_line=newest[2] if newest else 0,
            uncommitted_gates=uncommitted,
            searched=tails[key] if found and key in tails else key,
            changes=changes.get(key, ()),
        )
    dated = tuple(
        (path, line, commit)
        for path, line in sorted(set(finding_lines))
        if (commit := blamed.get(path, {}).get(line)) is not None
    )
    repository = Repository(head, shallow, dirty, since_commit, since, prefix)
    return repository, histories, dated


def _mentions(
    root: Path, keys: list[str], keep: Callable[[str], bool], notes: list[str]
) -> tuple[dict[str, history.KeyMentions], dict[str, str]]:
    """Per key, the first and last commit naming it; and the keys found by their last part."""
    mentions: dict[str, history.KeyMentions] = {}
    tails: dict[str, str] = {}
    try:
        mentions = history.key_mentions(root, keys, keep_path=keep)
        # A key built at run time (f"{NAMESPACE}.name") is spelled in no diff,
        # but its last part usually is: a second pass searches those parts.
        tails = {key: tail for key in keys if key not in mentions and (tail := _tail(key))}
        if tails:
            by_tail = history.key_mentions(root, sorted(set(tails.values())), keep_path=keep)
            mentions.update({k: by_tail[t] for k, t in tails.items() if t in by_tail})
    except HistoryError as exc:
        notes.append(f"First-seen dates are missing: {exc}.")
    return mentions, tails


def _key_changes(
    root: Path, keys: list[str], keep: Callable[[str], bool], notes: list[str]
) -> dict[str, tuple[KeyEvent, ...]]:
    """Per key, the commits that added or removed quoted spellings of it (the timelines)."""
    try:
        found = history.key_history(root, keys, skip_path=lambda p: not keep(p), tails=True)
    except HistoryError as exc:
        notes.append(f"Reads added and removed are missing from the timelines: {exc}.")
        return {}
    return {
        key: tuple(KeyEvent(c.commit, c.delta) for c in events if c.delta)
        for key, events in found.items()
    }


def _readable(node: str) -> str:
    """A graph node for people: ``name:get`` (a call on an unknown receiver) is ``*.get``."""
    return "*." + node[len(HUB_PREFIX) :] if node.startswith(HUB_PREFIX) else node


def _tail(key: str) -> str:
    """The last part of a namespaced key, when it is distinctive enough to search for."""
    tail = re.split(r"[.:/]", key)[-1]
    return tail if tail != key and len(tail) >= 8 else ""


def _gate_lines(project: Project, key: str, reads: list[FlagRead]) -> list[tuple[str, int]]:
    """The lines that make up a flag's gates: its reads and the calls they guard.

    A flag can change meaning without its ``if`` line changing (Knight's did:
    only the call under it was new), so the guarded call sites count too.
    """
    places = {(read.path, read.line) for read in reads}
    for on in (True, False):
        places.update((path, line) for path, line, _, _ in project.graph.reach(key, on).sites)
    return sorted(places)


def _blame(
    root: Path, gate_lines: dict[str, list[tuple[str, int]]]
) -> dict[str, dict[int, CommitInfo | None]]:
    """Blame every gate line: one ``git blame`` per file, a few files at a time."""
    lines_by_path: dict[str, set[int]] = {}
    for places in gate_lines.values():
        for path, line in places:
            lines_by_path.setdefault(path, set()).add(line)

    def blame(path: str) -> tuple[str, dict[int, CommitInfo | None]]:
        try:
            return path, history.blame_line_commits(root, path, sorted(lines_by_path[path]))
        except HistoryError:  # untracked file: nothing of it is committed
            return path, {}

    with ThreadPoolExecutor(max_workers=BLAME_WORKERS) as pool:
        return dict(pool.map(blame, sorted(lines_by_path)))
