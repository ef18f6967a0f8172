"""The call graph said for people: its edges with their kinds, and why a guess was assumed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Protocol

from flaglint.callgraph.model import HUB_PREFIX, EdgeKind, NodeInfo, RawEdge


class _Graph(Protocol):
    """What these functions read of a :class:`~flaglint.callgraph.build.CallGraph`."""

    @property
    def nodes(self) -> Mapping[str, NodeInfo]: ...

    @property
    def file_edges(self) -> Mapping[str, list[RawEdge]]: ...

    def successors(self, node: str) -> list[str]: ...

    def edge_kind(self, source: str, target: str) -> EdgeKind | None: ...


def adjacency(graph: _Graph) -> dict[str, list[dict[str, object]]]:
    """The graph as ``{node: [{"target", "kind", "lines", "why"?}]}`` (project nodes only).

    ``why`` is on ``may`` edges only: the guess behind them.
    """
    lines: dict[tuple[str, str], set[int]] = defaultdict(set)
    for raw in graph.file_edges.values():
        for source, target, _, line, _ in raw:
            lines[source, target].add(line)
    out: dict[str, list[dict[str, object]]] = {}
    for node in sorted(graph.nodes):
        edges = []
        for target in sorted(graph.successors(node)):
            kind = graph.edge_kind(node, target)
            edge: dict[str, object] = {
                "target": target,
                "kind": kind,
                "lines": sorted(lines.get((node, target), ())),
            }
            if kind == EdgeKind.MAY:
                edge["why"] = why_assumed(graph, node, target)
            edges.append(edge)
        out[node] = edges
    return out


def why_assumed(graph: _Graph, source: str, target: str) -> str:
    """Why the ``may`` edge from ``source`` to ``target`` was assumed; "" for other kinds."""
    if graph.edge_kind(source, target) != EdgeKind.MAY:
        return ""
    if target.startswith(HUB_PREFIX):
        name = target[len(HUB_PREFIX) :]
        count = len(graph.successors(target))
        return (
            f"`.{name}()` on a receiver of unknown type: any of the {count} project "
            f"methods named `{name}` may run"
        )
    if source.startswith(HUB_PREFIX):
        return f"a project method named `{source[len(HUB_PREFIX) :]}`"
    name = target.rpartition(".")[2]
    return f"`self.{name}()` may run this override when the instance is a subclass's"


__all__ = ["adjacency", "why_assumed"]
