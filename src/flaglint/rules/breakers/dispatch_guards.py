"""Every dispatch of a project and the limit checks in force when it runs.

A **dispatch** here is a call to a sink, or to a project function that may
reach one (any path, up to ``MAY_DEPTH`` calls away: ``post_notification``
dispatches through ``process_sms_or_email_notification`` even when only one of
its branches queues the task). FL302 compares these per function between
``--base`` and the work tree.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flaglint.callgraph.model import HUB_PREFIX, EdgeKind
from flaglint.facts.model import FileFacts
from flaglint.rules.base import per_project
from flaglint.rules.breakers.analysis import analysis
from flaglint.rules.breakers.guard_flow import (
    MAX_HELPER_DEPTH,
    Dominating,
    FunctionGuards,
    LineGuards,
    with_via,
)
from flaglint.rules.breakers.limits import Limit, LimitWords, unparse
from flaglint.rules.breakers.sources import FunctionNode, ParsedSources

if TYPE_CHECKING:
    from flaglint.project import Project

MAY_DEPTH = 3
NO_GUARDS = LineGuards(0, ())


@dataclass(frozen=True, slots=True)
class Dispatch:
    """One dispatching call inside a function."""

    facts: FileFacts
    index: int
    sink: str  # the sink it reaches
    via: str  # the project function it reaches the sink through ("" when direct)

    @property
    def line(self) -> int:
        return self.facts.calls[self.index].line

    @property
    def callee(self) -> str:
        return self.facts.calls[self.index].callee.rpartition(".")[2]


class DispatchGuards:
    """Dispatches by enclosing function, and the limit checks around them."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.analysis = analysis(project)
        self.graph = project.graph
        self.sources = ParsedSources(project)
        self.words = LimitWords(project.config.limit_words, project.config.once_gates)
        self._helpers: dict[str, tuple[Limit, ...] | None] = {}
        self._inner: dict[str, LineGuards | None] = {}
        self._positions: dict[str, dict[tuple[int, int], int]] = {}
        # Function -> (caller, line of the call) per call site, file by file. Edges
        # read raw: a Site per edge (with its flag conditions) was most of this.
        self.callers: dict[str, list[tuple[str, int]]] = defaultdict(list)
        tests = self.graph.test_modules
        nodes = self.graph.nodes
        file_edges = self.graph.file_edges
        for path in sorted(file_edges):
            for source, target, _, line, _ in file_edges[path]:
                if source == target or source.startswith("<"):
                    continue
                info = nodes.get(source)
                if info is not None and info.facts.module in tests:
                    continue  # a test calling a function directly is no path in production
                self.callers[target].append((source, line))
        self._direct: set[str] = set()  # functions with a sink call of their own
        self.dispatchers = self._may_dispatch()
        self._dispatcher_names = {q.rpartition(".")[2] for q in self.dispatchers}
        self.sites = self._sites()

    # ------------------------------------------------------------ dispatches
    def _may_dispatch(self) -> dict[str, str]:
        """Project functions that may reach a sink on some path -> the sink."""
        found: dict[str, str] = {}
        frontier: list[str] = []
        may_be_sink = self.analysis.sinks.may_be_sink
        for facts in self.analysis.files:
            for index, call in enumerate(facts.calls):
                if not call.scope or call.decorator or not may_be_sink(call.callee):
                    continue
                sink = self.analysis.direct_sink_at(facts, index)
                qualified = f"{facts.module}.{call.scope}"
                if sink is not None:
                    self._direct.add(qualified)
                if sink is not None and qualified not in found:
                    found[qualified] = sink
                    frontier.append(qualified)
        for _ in range(MAY_DEPTH):
            following: list[str] = []
            for target in frontier:
                for source, _line in self.callers.get(target, ()):
                    kind = self.graph.edge_kind(source, target)
                    if source not in found and kind in (EdgeKind.CALL, EdgeKind.INIT):
                        found[source] = found[target]
                        following.append(source)
            frontier = following
        return found

    def _sites(self) -> dict[str, list[Dispatch]]:
        sites: dict[str, list[Dispatch]] = defaultdict(list)
        may_be_sink = self.analysis.sinks.may_be_sink
        names = self._dispatcher_names
        for facts in self.analysis.files:
            for index, call in enumerate(facts.calls):
                if not call.scope or call.decorator:
                    continue
                bare = call.callee.rpartition(".")[2]
                direct = may_be_sink(call.callee)
                if not direct and bare not in names:
                    continue  # neither a sink by its spelling nor named like a dispatcher
                symbol = f"{facts.module}.{call.scope}"
                # Only functions found calling a sink directly can: asked once per call.
                sink = None
                if direct and symbol in self._direct:
                    sink = self.analysis.direct_sink_at(facts, index)
                via = ""
                if sink is None and bare in names:
                    for target in self._resolved(facts, index):
                        if target in self.dispatchers and target != symbol:
                            sink, via = self.dispatchers[target], target
                            break
                if sink is not None:
                    sites[symbol].append(Dispatch(facts, index, sink, via))
        return dict(sites)

    def _resolved(self, facts: FileFacts, index: int) -> list[str]:
        """Project functions a call reaches by resolution (no guesses by method name)."""
        return [
            node
            for node, _ in self.graph.targets(facts, facts.calls[index])
            if not node.startswith(HUB_PREFIX)
        ]

    # ------------------------------------------------------------ guards
    def guards_at(self, symbol: str, lines: set[int]) -> dict[int, LineGuards]:
        """The limit checks in force at ``lines`` of function ``symbol``."""
        reader = self._reader(symbol, 0)
        try:
            return reader.at_lines(lines) if reader is not None else {}
        except RecursionError:  # absurdly nested code: no guard is known there
            return {}

    def inner_checks(self, via: str, depth: int = 0) -> LineGuards:
        """The checks in force at every dispatch inside ``via``, a function a dispatch
        goes through: a limit moved into the service a view now calls still runs
        before each send, once per call of it (so on every pass of a caller's loop).
        ``loops``: the most loops around a dispatch in there; a check outside such a
        loop is tested once per call, not before each send (``per_pass`` false)."""
        sites = self.sites.get(via, ())
        if not sites or depth > MAY_DEPTH:
            return NO_GUARDS
        if via in self._inner:
            return self._inner[via] or NO_GUARDS
        self._inner[via] = None  # a cycle adds nothing
        guards = self.guards_at(via, {d.line for d in sites})
        per_site: list[list[Dominating]] = []
        loops = 0
        for dispatch in sites:
            here = guards.get(dispatch.line, NO_GUARDS)
            inner = self.inner_checks(dispatch.via, depth + 1) if dispatch.via else NO_GUARDS
            loops = max(loops, here.loops + inner.loops)
            # Outside any loop of ``via``, a check runs before the one send of each call.
            checks = [Dominating(c.limit, c.per_pass or not here.loops) for c in here.checks]
            per_site.append(checks + list(inner.checks))
        common = []
        for check in per_site[0]:
            same = [[o for o in other if o.limit.text == check.limit.text] for other in per_site]
            if all(same) and all(c.limit.text != check.limit.text for c in common):
                per_pass = all(o.per_pass for found in same for o in found)
                common.append(Dominating(check.limit, per_pass))
        found = LineGuards(loops, tuple(common))
        self._inner[via] = found
        return found

    def function_node(self, symbol: str) -> tuple[FileFacts, FunctionNode] | None:
        info = self.graph.nodes.get(symbol)
        if info is None or info.kind not in ("function", "method"):
            return None
        facts = info.facts
        node = self.sources.function(facts.path, symbol[len(facts.module) + 1 :])
        return (facts, node) if node is not None else None

    def _reader(self, symbol: str, depth: int) -> FunctionGuards | None:
        found = self.function_node(symbol)
        if found is None:
            return None
        facts, node = found
        positions = self._call_positions(facts)

        def targets(call: ast.Call) -> list[str]:
            index = positions.get((call.lineno, call.col_offset))
            return self._resolved(facts, index) if index is not None else []

        return FunctionGuards(node, facts.path, self.words, targets, self.helper_limits, depth)

    def _call_positions(self, facts: FileFacts) -> dict[tuple[int, int], int]:
        found = self._positions.get(facts.path)
        if found is None:
            found = {(c.line, c.col): i for i, c in enumerate(facts.calls)}
            self._positions[facts.path] = found
        return found

    def helper_limits(self, qualified: str, depth: int) -> tuple[Limit, ...]:
        """The limit checks calling ``qualified`` enforces (raises or returns under them)."""
        if depth > MAX_HELPER_DEPTH:
            return ()
        if qualified in self._helpers:
            return self._helpers[qualified] or ()
        self._helpers[qualified] = None  # a cycle enforces nothing more
        reader = self._reader(qualified, depth)
        try:
            found = with_via(reader.enforced(), qualified.rpartition(".")[2]) if reader else ()
        except RecursionError:
            found = ()
        self._helpers[qualified] = found
        return found

    def limits_in_file(self, path: str, text: str) -> list[str]:
        """Functions of ``path`` that still hold a comparison written ``text``."""
        out = []
        for name, node in sorted(self.sources.functions(path).items()):
            if any(isinstance(sub, ast.Compare) and unparse(sub) == text for sub in ast.walk(node)):
                out.append(name)
        return out


# Computed once per project: FL301 and FL302 (head and base) share it.
dispatch_guards = per_project(DispatchGuards)
