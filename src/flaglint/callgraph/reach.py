"""What a flag's gated code reaches, and what only it reaches.

Graph algorithms here are plain functions over successor maps (the shape of
mypy's ``graph_utils``); :class:`ReachIndex` answers per flag polarity and
keeps what all flags share: the gated edges, the part of the graph reachable
without any flag, and the frontier out of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING

from flaglint.callgraph.model import HUB_PREFIX, SUPER_ROOT, RawEdge, Site

if TYPE_CHECKING:
    from flaglint.callgraph.model import NodeInfo

Successors = Mapping[str, list[str]]
GatedIndex = dict[tuple[str, bool], dict[tuple[str, str], list[Site]]]


def search(
    successors: Successors, starts: Iterable[str], seen: set[str], removed: set[tuple[str, str]]
) -> set[str]:
    """Nodes reachable from ``starts`` (included) outside ``seen``, skipping ``removed``."""
    found = {s for s in starts if s not in seen}
    stack = list(found)
    while stack:
        node = stack.pop()
        for target in successors.get(node, ()):
            if target not in found and target not in seen and (node, target) not in removed:
                found.add(target)
                stack.append(target)
    return found


def reachable_avoiding(
    successors: Successors, root: str, avoided: set[tuple[str, str]], also: Iterable[str] = ()
) -> set[str]:
    """Nodes reachable from ``root`` and ``also`` (included) without an ``avoided`` edge."""
    seen = {root, *also}
    stack = list(seen)
    while stack:
        node = stack.pop()
        for target in successors.get(node, ()):
            if target in seen or (node, target) in avoided:
                continue
            seen.add(target)
            stack.append(target)
    return seen


class FlagReach:
    """What one flag polarity reaches.

    ``sites`` are the gated call sites (path, line, enclosing node, target);
    ``direct`` the project functions called directly inside the gated
    regions; ``reach`` everything reachable from them; ``exclusive`` the part
    of ``reach`` that every path from a root must enter through the flag.

    ``reach`` is searched when first asked for: FL101 needs only
    ``exclusive``, and on a large project with a hundred live flag
    polarities the searches of every flag's whole reach dominated a check.
    """

    __slots__ = ("key", "on", "sites", "direct", "exclusive", "_reach", "_search")

    def __init__(self, key: str, on: bool) -> None:
        self.key = key
        self.on = on
        self.sites: list[tuple[str, int, str, str]] = []
        self.direct: set[str] = set()
        self.exclusive: set[str] = set()
        self._reach: set[str] | None = None
        self._search: Callable[[], set[str]] | None = None

    @property
    def reach(self) -> set[str]:
        if self._reach is None:
            self._reach = self._search() if self._search is not None else set()
            self._search = None
        return self._reach


class ReachIndex:
    """Per flag polarity reach over one graph, sharing the work between flags."""

    def __init__(
        self,
        successors: Callable[[], Successors],
        nodes: Mapping[str, NodeInfo],
        edge_sites: Callable[[], Iterator[tuple[str, str, Site]]],
        file_edges: Mapping[str, list[RawEdge]],
        certain: Callable[[], Successors] | None = None,
        entries: Callable[[], Iterable[str]] = tuple,
    ) -> None:
        self._successors = successors
        # Without ``may`` edges: what a gate certainly leads to. Exclusive
        # reach is searched over these, so it never rests on a guess.
        self._certain = certain or successors
        # Functions nothing in the project calls: a framework or a user may,
        # so code they reach without a flag is not the flag's alone.
        self._entries = entries
        self._nodes = nodes
        self._edge_sites = edge_sites
        self._file_edges = file_edges
        self._cache: dict[tuple[str, bool], FlagReach] = {}
        self._gated_index: GatedIndex | None = None
        self._site_counts: dict[tuple[str, str], int] = {}
        self._fully_gated: set[tuple[str, str]] = set()
        self._unconditional: set[str] | None = None
        self._frontier: list[tuple[str, str]] | None = None

    def reach(self, key: str, on: bool) -> FlagReach:
        """What the gated regions of ``key`` (polarity ``on``) call, and what only they reach."""
        cached = self._cache.get((key, on))
        if cached is not None:
            return cached
        result = FlagReach(key, on)
        gated_edges = self._gated_edges(key, on)
        for (source, target), gated in self.gated_index().get((key, on), {}).items():
            for site in gated:
                result.sites.append((site.path, site.line, source, target))
            if not target.startswith(HUB_PREFIX) or len(gated) != self._site_counts[source, target]:
                result.direct.add(target)
        result.sites.sort()
        if not result.sites:
            self._cache[(key, on)] = result
            return result
        starts = {t for _, _, _, t in result.sites}
        nodes = self._nodes

        def search_reach() -> set[str]:
            return {n for n in search(self._successors(), starts, set(), set()) if n in nodes}

        result._search = search_reach
        # What only the gated edges lead to is searched from their targets,
        # all of which are among ``starts``: it lies inside ``reach``.
        result.exclusive = self.exclusive(gated_edges)
        self._cache[(key, on)] = result
        return result

    def _gated_edges(self, key: str, on: bool) -> list[tuple[str, str]]:
        """The edges every call site of which is under ``key`` with polarity ``on``."""
        index = self.gated_index()  # fills the site counts when first asked
        counts = self._site_counts
        return [
            pair for pair, gated in index.get((key, on), {}).items() if len(gated) == counts[pair]
        ]

    def exclusive_of(self, polarities: Iterable[tuple[str, bool]]) -> set[str]:
        """What only the gated regions of these flag polarities, taken together, reach.

        Retiring several flags at once removes all their gated edges together: a
        function each of two gates reaches is dead with both, though neither's alone.
        """
        index = self.gated_index()  # fills the site counts when first asked
        removed: dict[tuple[str, str], set[int]] = defaultdict(set)
        for key, on in set(polarities):
            for pair, gated in index.get((key, on), {}).items():
                removed[pair].update(id(site) for site in gated)
        # An edge goes when each of its call sites is under one removed side or another:
        # two calls of one function, each under a different key's, are both deleted.
        edges = sorted(p for p, sites in removed.items() if len(sites) == self._site_counts[p])
        return self.exclusive(edges) if edges else set()

    def gated_index(self) -> GatedIndex:
        """Per flag polarity, the edges with call sites under it and those sites.

        Built once from the per-file edges, with the number of call sites of
        every edge that has a gated one: an edge is the flag's alone when all
        of its sites are gated by it.
        """
        if self._gated_index is None:
            index: GatedIndex = defaultdict(dict)
            gated_sites: dict[tuple[str, str], int] = {}
            for source, target, site in self._edge_sites():
                if not site.conditions:
                    continue
                pair = (source, target)
                gated_sites[pair] = gated_sites.get(pair, 0) + 1
                for condition in {(c.key, c.on) for c in site.conditions}:
                    index[condition].setdefault(pair, []).append(site)
            counts = dict.fromkeys(gated_sites, 0)
            for raw in self._file_edges.values():
                for source, target, _, _, _ in raw:
                    pair = (source, target)
                    if pair in counts:
                        counts[pair] += 1
            self._site_counts = counts
            # Behind a fully gated edge, every call site has a flag condition.
            self._fully_gated = {p for p, n in counts.items() if n == gated_sites[p]}
            self._gated_index = dict(index)
        return self._gated_index

    def always_reachable(self) -> set[str]:
        """Nodes reachable from the roots through edges that no flag condition guards.

        Every flag's search starts from this set, so each flag pays only for
        the part of the graph its own and other flags' gates lead into,
        instead of a whole-graph dominator computation per flag.
        """
        if self._unconditional is None:
            self.gated_index()
            self._unconditional = reachable_avoiding(
                self._successors(), SUPER_ROOT, self._fully_gated, self._entries()
            )
        return self._unconditional

    def exclusive(self, gated_edges: list[tuple[str, str]]) -> set[str]:
        """Project nodes that every path from the roots and entries reaches through ``gated_edges``.

        Paths into the gated part may take ``may`` edges (more is reachable
        without the flag, less is claimed exclusive); paths behind the gate
        may not: a node only a guessed edge leads to is not the flag's.

        The same answer as routing those edges through one gate node and
        taking what the gate dominates (a test checks it against networkx's
        dominators): a node is dominated exactly when it is reachable with the
        gate and unreachable without it. Both searches start from
        :meth:`always_reachable`.
        """
        base = self.always_reachable()
        if all(target in base for _, target in gated_edges):
            return set()  # every gated call also runs without the flag
        removed = set(gated_edges)
        successors = self._successors()
        if self._frontier is None:
            self._frontier = [
                (source, target)
                for source in base
                for target in successors.get(source, ())
                if target not in base
            ]
        starts = [t for s, t in self._frontier if (s, t) not in removed]
        without = base | search(successors, starts, base, removed)
        if not any(source in without for source, _ in gated_edges):
            return set()
        certain = self._certain()
        starts = [t for s, t in gated_edges if t in certain.get(s, ())]
        behind = search(certain, starts, without, set())
        return {n for n in behind if n in self._nodes}
