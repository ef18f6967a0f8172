"""Run the selected rules over a project, through the findings cache."""

from __future__ import annotations

import time
from collections.abc import Iterable

from flaglint import history
from flaglint.cache import background
from flaglint.cache import location as cachedir
from flaglint.cache.findings import ResultCache, Stored, tree_key
from flaglint.config import Config
from flaglint.engine import gcpause
from flaglint.findings import Finding
from flaglint.gate.suppressions import collect
from flaglint.project import Project
from flaglint.rules.base import Rule


def open_results(config: Config, enabled: bool = True) -> ResultCache:
    """The cache of whole-tree findings in ``config``'s cache folder (disabled: a no-op)."""
    return ResultCache(cachedir.locate(config).directory if enabled else None)


def run_rules(
    project: Project, rules: Iterable[type[Rule]], results: ResultCache | None = None
) -> list[Finding]:
    """Every selected rule over the project, sorted and de-duplicated.

    Rules that compare revisions (``needs_history``) run only when the project
    has a base to compare with. With ``results``, findings of a tree analysed
    before under the same key (see :mod:`flaglint.cache.findings`) are read back
    instead of computed.
    """
    rules = list(rules)
    started = time.perf_counter()
    key = None
    if results is not None and results.directory is not None:
        head = history.head_state(project.config.root)
        key = tree_key(project, rules, head)
        cached = results.get(key) if key is not None else None
        if cached is not None:
            project.stats.results_cached = True
            project.stats.seconds["rules"] = time.perf_counter() - started
            # What the gate and the report read of the facts comes with the
            # findings: a tree whose findings are stored loads no facts.
            project.known_suppressions, project.known_errors = cached.suppressions, cached.errors
            project.keep_snapshot()  # checked again: its call graph stays in the cache
            return list(cached.findings)
    findings: set[Finding] = set()
    # The project stage builds a few million small, acyclic objects (graph
    # dicts, resolver memos, reach sets) that reference counting frees alone;
    # the cyclic collector's full scans of them took 40% of this stage
    # (benchmarks/RESULTS.md, design measurements). In the console script, which
    # ends with os._exit, what the stage leaves is frozen rather than scanned.
    with gcpause.paused(until_exit=True):
        selected = [r() for r in rules if not (r.needs_history and project.base is None)]
        if project.base is not None and any(r.needs_history for r in selected):
            # Graphs resolve in forked workers only while no other thread runs:
            # build both (the base borrows the head's edges) before a rule's start
            # may begin threads (FL101's blames).
            # A head that is the tree last checked takes its graph whole from the
            # snapshot: the base goes first (its workers solving while this process
            # builds both inventories), not after a head it would have to borrow from.
            first, second = project, project.base
            if project.matches_snapshot():
                first, second = second, first
            first.next_graph = second  # its inventory is built while first's workers answer
            first.graph  # noqa: B018
            second.graph  # noqa: B018
        waiting = [rule for rule in selected if rule.start(project)]
        for rule in [r for r in selected if r not in waiting] + waiting:
            findings.update(rule.check(project))
    ordered = sorted(findings, key=Finding.sort_key)
    background.wait()  # the snapshot, if a child saves it, is in place when this returns
    if results is not None and key is not None:
        # Again: a file saved while the facts were read has no content id now.
        key = tree_key(project, rules, head)
        if key is not None:
            project.known_suppressions = collect(project.files, project.config.per_file_ignores)
            project.known_errors = project.error_files()
            results.put(key, Stored(ordered, project.known_suppressions, project.known_errors))
    project.stats.seconds["rules"] = time.perf_counter() - started
    return ordered
