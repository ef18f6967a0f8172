"""Project functions that dispatch on every call: the sinks a sink call makes.

A function is a sink when some call in its body reaches a sink with no loop
around it and no check dominating it (see :mod:`flaglint.rules.breakers.analysis`).
Found from the direct sinks by walking the call graph's resolved edges back
from each function found, to a fixed point: only the edges into a function
found to dispatch are read, and a call whose spelling rules out a sink
(:meth:`SinkPatterns.may_be_sink`) is never resolved.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from flaglint.callgraph.model import EdgeKind
from flaglint.facts.model import Call, CallContext, FileFacts

if TYPE_CHECKING:
    from flaglint.project import Project
    from flaglint.rules.breakers.sinks import SinkPatterns


def propagate(
    project: Project, sinks: SinkPatterns, contexts: dict[str, dict[int, CallContext]]
) -> dict[str, str]:
    """Project functions that dispatch on every call -> the sink they reach."""
    return _Propagation(project, sinks, contexts).run()


class _Propagation:
    def __init__(
        self,
        project: Project,
        sinks: SinkPatterns,
        contexts: dict[str, dict[int, CallContext]],
    ) -> None:
        self.project = project
        self.graph = project.graph
        self.sinks = sinks
        self.contexts = contexts
        self._lines: dict[str, set[int]] = {}  # path -> lines of unconditional calls
        self._into: dict[str, list[tuple[str, str, int]]] | None = None

    def run(self) -> dict[str, str]:
        found: dict[str, str] = {}
        queue: list[str] = []
        may_be_sink = self.sinks.may_be_sink
        for facts in self.project.files:
            if facts.error is not None:
                continue
            for index, call in enumerate(facts.calls):
                if not may_be_sink(call.callee):
                    continue
                qualified = self._unconditional(facts, index, call)
                if qualified is None:
                    continue
                direct = self.sinks.at(facts, index)
                if direct is not None and qualified not in found:
                    found[qualified] = direct
                    queue.append(qualified)
        nodes = self.graph.nodes
        while queue:
            target = queue.pop()
            for source in sorted(self._callers(target)):
                info = nodes.get(source)
                if source in found or info is None:
                    continue
                if info.kind in ("function", "method"):
                    found[source] = found[target]
                    queue.append(source)
        return found

    def _unconditional(self, facts: FileFacts, index: int, call: Call) -> str | None:
        """The function whose body makes call ``index`` outside loops and checks, if any."""
        if not call.scope or call.decorator or index in self.contexts[facts.path]:
            return None
        qualified = f"{facts.module}.{call.scope}"
        info = self.graph.nodes.get(qualified)
        if info is None or info.kind not in ("function", "method"):
            return None
        return qualified

    def _callers(self, target: str) -> set[str]:
        """Callers with a call or construction edge into ``target`` on a line where the
        caller's body makes an unconditional call."""
        if self._into is None:
            self._into = self._edges_into()
        kind_of = self.graph.edge_kind
        return {
            source
            for path, source, line in self._into.get(target, ())
            if line in self._unconditional_lines(path)
            and kind_of(source, target) in (EdgeKind.CALL, EdgeKind.INIT)
        }

    def _edges_into(self) -> dict[str, list[tuple[str, str, int]]]:
        """Target -> (path, source, line) of each raw edge into it from another node."""
        # Edges read raw: a Site (with its conditions) per edge took most of this.
        into: dict[str, list[tuple[str, str, int]]] = defaultdict(list)
        for path, edges in self.graph.file_edges.items():
            for source, target, _, line, _ in edges:
                if source != target:
                    into[target].append((path, source, line))
        return into

    def _unconditional_lines(self, path: str) -> set[int]:
        lines = self._lines.get(path)
        if lines is None:
            facts = self.project.by_path[path]
            lines = self._lines[path] = {
                call.line
                for index, call in enumerate(facts.calls)
                if self._unconditional(facts, index, call) is not None
            }
        return lines
