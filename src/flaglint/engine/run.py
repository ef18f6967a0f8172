"""Run the selected rules over a project, through the findings cache."""

from __future__ import annotations

import pickle
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


def _start_aside(
    project: Project, aside: list[Rule], here: list[Rule]
) -> background.Pending | None:
    """Start the rules that may run aside (``Rule.aside``) in a forked child, while this
    process runs the others; None (nothing started) where it would not pay.

    After the call graph, the rules ran one after the other with a core idle: the
    breakers' 0.6 to 1.0 s (FL301) and 1.4 s with ``--base`` (FL301, FL302) on koku
    and Django, and FL202's 0.1 to 0.5 s, beside FL101's and FL104's
    (benchmarks/RESULTS.md, session 36).
    The child starts from the built graphs (built here first: a selected rule would
    build them anyway) and sends back its findings.
    """
    from flaglint.callgraph.workers import forking_pays

    if (
        not aside
        or not here
        # Without the graph (and its inventory) the rules are quick.
        or not any(rule.uses_graph for rule in (*aside, *here))
        or not forking_pays(project.config.workers(), len(project.files))
        or not background.can_fork()
    ):
        return None
    project.graph  # noqa: B018  (a rule builds it anyway: here, once, before the fork)

    def work() -> bytes:
        found = [finding for rule in aside for finding in rule.check(project)]
        return pickle.dumps(found, pickle.HIGHEST_PROTOCOL)

    return background.compute(work)


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
        aside = [rule for rule in selected if rule.aside]
        here = [rule for rule in selected if not rule.aside]
        pending = _start_aside(project, aside, here)
        if pending is None:
            here = selected
        waiting = [rule for rule in here if rule.start(project)]
        for rule in [r for r in here if r not in waiting] + waiting:
            findings.update(rule.check(project))
        if pending is not None:
            sent = pending.result()
            if sent is None:  # the child failed: the rules run here (and raise here)
                for rule in aside:
                    findings.update(rule.check(project))
            else:
                findings.update(pickle.loads(sent))
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
