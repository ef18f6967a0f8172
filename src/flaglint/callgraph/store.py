"""The adjacency the call graph is stored in, and networkx views of it for algorithms.

The graph of every run is held here in plain dicts, not in a networkx graph:
issue #20's decision keeps networkx as the library of graph algorithms, asked
only by the questions that need one (:meth:`Adjacency.networkx`), and never
imported by a run that asks none. Importing networkx took 14 MB and a quarter
of a second; holding it before the resolution workers fork put those 14 MB in
every worker too (benchmarks/RESULTS.md, session 35).

The layout is networkx's own (a dict of successors per node, each mapping a
target to the edge's data, and the same for predecessors), with one
difference: an edge's data is its :class:`~flaglint.callgraph.model.EdgeKind`,
not a dict. So a view costs nothing to make, and an algorithm that only walks
the adjacency (reachability, unweighted shortest paths) meets the nodes and
edges in the order they were added, as it did when the graph was a networkx
graph: which of two equally short paths a message names stays the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from flaglint.callgraph.model import EdgeKind

if TYPE_CHECKING:
    import networkx as nx

_NO_DATA: dict[str, object] = {}


class Adjacency:
    """A directed graph whose edges carry a kind, in the order they were added."""

    __slots__ = ("succ", "pred", "_view")

    def __init__(self) -> None:
        self.succ: dict[str, dict[str, EdgeKind]] = {}
        self.pred: dict[str, dict[str, EdgeKind]] = {}
        self._view: nx.DiGraph | None = None

    def __contains__(self, node: object) -> bool:
        return node in self.succ

    def __iter__(self) -> Iterator[str]:
        return iter(self.succ)

    def __len__(self) -> int:
        return len(self.succ)

    def add_node(self, node: str) -> None:
        if node not in self.succ:
            self.succ[node], self.pred[node] = {}, {}
            self._view = None  # its node list is made anew when next asked for

    def link(self, source: str, target: str, kind: EdgeKind) -> None:
        """Add the edge with ``kind``; an existing edge keeps its kind."""
        self.add_node(source)
        self.add_node(target)
        out = self.succ[source]
        if target not in out:
            out[target] = kind
            self.pred[target][source] = kind

    def link_all(self, edges: Iterable[tuple[tuple[str, str], EdgeKind]]) -> None:
        """Add ``((source, target), kind)`` edges in order, as :meth:`link` would,
        except that a ``may`` edge a ``call`` edge joins becomes a ``call`` (and
        moves last among its source's successors)."""
        successors, predecessors = self.succ, self.pred
        self._view = None
        for (source, target), kind in edges:
            if source not in successors:
                successors[source], predecessors[source] = {}, {}
            if target not in successors:
                successors[target], predecessors[target] = {}, {}
            out = successors[source]
            existing = out.get(target)
            if existing is None:
                out[target] = kind
                predecessors[target][source] = kind
            elif existing == EdgeKind.MAY and kind == EdgeKind.CALL:
                self.relink(source, target, kind)

    def relink(self, source: str, target: str, kind: EdgeKind) -> None:
        """Change an existing edge's kind (its place among the successors moves last)."""
        del self.succ[source][target]
        del self.pred[target][source]
        self.link(source, target, kind)

    def successors(self, node: str) -> Iterator[str]:
        return iter(self.succ[node])

    def predecessors(self, node: str) -> Iterator[str]:
        return iter(self.pred[node])

    def out_degree(self, node: str) -> int:
        return len(self.succ[node])

    def kind(self, source: str, target: str) -> EdgeKind | None:
        """The kind of the edge from ``source`` to ``target``, or None without one."""
        out = self.succ.get(source)
        return out.get(target) if out is not None else None

    def edges(self) -> Iterator[tuple[str, str, EdgeKind]]:
        """Every edge with its kind: sources in the order they were added, then targets."""
        for source, out in self.succ.items():
            for target, kind in out.items():
                yield source, target, kind

    def networkx(self) -> nx.DiGraph:
        """A networkx view of this graph for algorithms that walk its adjacency.

        It shares the adjacency dicts, so it must not be changed, and edge data
        reads as the kind itself: algorithms that read an edge's attributes
        (weights) do not apply. Made when first asked for, and again once a
        node is added.
        """
        if self._view is None:
            import networkx as nx

            view = nx.DiGraph()
            view._succ = view._adj = self.succ  # type: ignore[assignment]
            view._pred = self.pred  # type: ignore[assignment]
            view._node = dict.fromkeys(self.succ, _NO_DATA)
            self._view = view
        return self._view
