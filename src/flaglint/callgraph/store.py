"""The networkx graph class the call graph is stored in.

Its own module so that importing :mod:`flaglint.callgraph.build` for its types
does not import networkx: a run answered from the findings cache never needs it.
"""

from __future__ import annotations

from collections.abc import Iterable

import networkx as nx

from flaglint.callgraph.model import EdgeKind

# One attribute dict per edge kind, shared by every edge of that kind.
_KIND_DATA = {kind: {"kind": kind} for kind in EdgeKind}
_NO_DATA: dict[str, object] = {}
_MAY = _KIND_DATA[EdgeKind.MAY]
_SHARED = "KindGraph edges and nodes share their attribute dicts: add edges with link()"


class KindGraph(nx.DiGraph):
    """A ``DiGraph`` whose edges share one attribute dict per kind, and nodes one empty dict.

    networkx's documented way to save memory when edge data is uniform is an
    ``edge_attr_dict_factory`` that returns a shared dict. A fresh dict per
    edge with a list of call-site objects on it cost more than the adjacency
    itself (benchmarks/RESULTS.md, design measurements); each tree of a
    ``--base`` run holds a graph. Edges are added with :meth:`link`; adding
    attributes any other way (``add_edge(u, v, kind=...)``, ``copy()``, which
    re-adds every edge with its dict) would write into a dict every edge of a
    kind shares, so it raises instead.
    """

    def __init__(self) -> None:
        self._next_data = _KIND_DATA[EdgeKind.CALL]
        super().__init__()

    def _edge_data(self) -> dict[str, object]:
        return self._next_data

    def _node_data(self) -> dict[str, object]:
        return _NO_DATA

    edge_attr_dict_factory = _edge_data  # type: ignore[assignment]
    node_attr_dict_factory = _node_data  # type: ignore[assignment]

    def add_edge(self, u_of_edge: str, v_of_edge: str, **attr: object) -> None:
        if attr:
            raise TypeError(_SHARED)
        super().add_edge(u_of_edge, v_of_edge)

    def add_edges_from(self, ebunch_to_add: Iterable[tuple], **attr: object) -> None:  # type: ignore[type-arg]
        edges = list(ebunch_to_add)
        if attr or any(len(edge) > 2 and edge[2] for edge in edges):
            raise TypeError(_SHARED)
        super().add_edges_from(edges)

    def add_node(self, node_for_adding: str, **attr: object) -> None:
        if attr:
            raise TypeError(_SHARED)
        super().add_node(node_for_adding)

    def link(self, source: str, target: str, kind: EdgeKind) -> None:
        """Add the edge with ``kind``; an existing edge keeps its kind."""
        self._next_data = _KIND_DATA[kind]
        self.add_edge(source, target)

    def link_all(self, edges: Iterable[tuple[tuple[str, str], EdgeKind]]) -> None:
        """Add ``((source, target), kind)`` edges in order, as :meth:`link` would.

        It writes the adjacency the way ``add_edge`` does, without its per-call
        checks and cache clearing: a graph of a few hundred thousand edges is
        built here on every run that resolves or borrows them, and
        ``add_edge``'s own work was a visible share of the pre-commit hook.
        """
        successors, predecessors, nodes = self._succ, self._pred, self._node
        for (source, target), kind in edges:
            if source not in successors:
                successors[source], predecessors[source], nodes[source] = {}, {}, _NO_DATA
            if target not in successors:
                successors[target], predecessors[target], nodes[target] = {}, {}, _NO_DATA
            out = successors[source]
            existing = out.get(target)
            if existing is None:
                data = _KIND_DATA[kind]
                out[target] = data
                predecessors[target][source] = data
            elif existing is _MAY and kind == EdgeKind.CALL:
                self.relink(source, target, kind)
        clear = getattr(nx, "_clear_cache", None)
        if clear is not None:
            clear(self)

    def relink(self, source: str, target: str, kind: EdgeKind) -> None:
        """Change an existing edge's kind (its place among the successors moves last)."""
        self.remove_edge(source, target)
        self.link(source, target, kind)
