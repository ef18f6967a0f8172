"""The whole-program call graph and the questions rules ask of it.

Nodes are modules (their bodies), classes (their bodies run on import),
functions and methods by qualified name, plus two kinds of virtual node:

* ``name:m``, a hub for ``obj.m()`` calls whose receiver is unknown: one edge
  in from each such call, one *may* edge out to every project method named
  ``m``, so reach is over-approximated without an edge per pair;
* ``flag:KEY:on`` / ``flag:KEY:off``, added only while answering
  :meth:`CallGraph.reach`, through which the gated call edges of that flag are
  routed so that networkx's dominator algorithm can tell which code every
  path from a root must reach through the flag.

Edges carry ``kind`` (call, init, may, ref, decorator, body, root). The call
sites behind an edge, each with the flag conditions that dominate it, are not
stored on the edge: :meth:`CallGraph.edge_sites` derives them from each file's
resolved edges (:attr:`CallGraph.file_edges`), which the graph keeps anyway.
Roots are what runs without being called: module bodies, decorated
(registered) functions, ``__all__`` names, dunder methods, methods of classes
extending code outside the project, and configured entry points. Test code
is not a root unless ``tests-as-roots`` is set.
"""

from __future__ import annotations

import fnmatch
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flaglint.facts.model import Call, Definition, FileFacts
from flaglint.flags.inventory import FlagCondition, Inventory
from flaglint.names.resolve import Resolver

if TYPE_CHECKING:
    from flaglint.callgraph.store import KindGraph

SUPER_ROOT = "<roots>"
HUB_PREFIX = "name:"
FLAG_PREFIX = "flag:"

# Decorators that wrap or describe a function without registering it anywhere.
PLAIN_DECORATORS = frozenset(
    {
        "property",
        "staticmethod",
        "classmethod",
        "abstractmethod",
        "abc.abstractmethod",
        "functools.wraps",
        "functools.lru_cache",
        "functools.cache",
        "functools.cached_property",
        "functools.total_ordering",
        "functools.singledispatch",
        "typing.overload",
        "typing.final",
        "typing_extensions.overload",
        "typing_extensions.final",
        "contextlib.contextmanager",
        "contextlib.asynccontextmanager",
        "dataclasses.dataclass",
        "warnings.deprecated",
        "typing_extensions.deprecated",
        "deprecated.deprecated",
        "deprecated.classic.deprecated",
        "deprecated.sphinx.deprecated",
        "wraps",
        "lru_cache",
        "cache",
        "cached_property",
        "overload",
        "deprecated",
        "dataclass",
        "contextmanager",
        "asynccontextmanager",
    }
)

# Decorators that make a function test code: it runs only under the test runner.
TEST_DECORATORS = frozenset({"pytest.fixture", "pytest_asyncio.fixture"})


@dataclass(frozen=True, slots=True)
class Site:
    """One call site behind an edge."""

    path: str
    line: int
    conditions: tuple[FlagCondition, ...]


# (source, target, kind, line, index of the call whose flag conditions apply or -1)
RawEdge = tuple[str, str, str, int, int]


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """Where a function, class or module is defined."""

    qualified: str
    kind: str  # module | class | function | method
    facts: FileFacts
    definition: Definition | None


class FlagReach:
    """What one flag polarity reaches.

    ``sites`` are the gated call sites (path, line, enclosing node, target);
    ``direct`` the project functions called directly inside the gated
    regions; ``reach`` everything reachable from them; ``exclusive`` the part
    of ``reach`` that every path from a root must enter through the flag.

    ``reach`` is searched when first asked for: FL101 needs only
    ``exclusive``, and on Home Assistant (100 live flag polarities) the
    searches of every flag's whole reach took 2 s of a check.
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


class CallGraph:
    """A networkx ``DiGraph`` over the project, with reachability queries."""

    def __init__(
        self,
        files: list[FileFacts],
        inventory: Inventory | Callable[[], Inventory],
        resolver: Resolver,
        tests: Iterable[str] = (),
        tests_as_roots: bool = False,
        entry_points: Iterable[str] = (),
        reuse: Mapping[str, list[RawEdge]] | None = None,
        jobs: int = 1,
    ) -> None:
        # networkx is imported with the first graph: a run answered from the
        # findings cache never needs it (13 MB of RSS, 0.18 s to import).
        from flaglint.callgraph.store import KindGraph

        self.graph: KindGraph = KindGraph()
        self.resolver = resolver
        self.nodes: dict[str, NodeInfo] = {}
        self.roots: set[str] = set()
        self.test_modules: set[str] = set()
        self._tests = tuple(tests)
        self._tests_as_roots = tests_as_roots
        self._entry_points = tuple(entry_points)
        self._methods_by_name: dict[str, list[str]] = defaultdict(list)
        self._gated: dict[tuple[str, int], tuple[FlagCondition, ...]] = {}
        self._reach_cache: dict[tuple[str, bool], FlagReach] = {}
        self._gated_index: dict[tuple[str, bool], dict[tuple[str, str], list[Site]]] | None = None
        self._site_counts: dict[tuple[str, str], int] = {}
        self._fully_gated: set[tuple[str, str]] | None = None
        self._unconditional: set[str] | None = None
        self._succ: dict[str, list[str]] | None = None
        self._frontier: list[tuple[str, str]] | None = None
        self._external: dict[str, bool] = {}
        self._hubs: dict[str, str] = {}
        # Each file's outgoing edges as resolved, before flag conditions are
        # attached: what a later tree can reuse for files whose resolution
        # cannot have changed (see flaglint.callgraph.incremental).
        self.file_edges: dict[str, list[RawEdge]] = {}
        self.reused = 0
        files = [f for f in files if f.error is None]
        self._add_nodes(files)
        reuse = reuse or {}
        pending = [f for f in files if f.path not in reuse]
        # Resolution does not need the inventory: workers resolve while this
        # process builds it, when given the way to (``Project.inventory``).
        collect = self._resolve_in_workers(pending, jobs)
        try:
            self.inventory = inventory() if callable(inventory) else inventory
        except BaseException:
            collect(failing=True)
            raise
        for gated in self.inventory.gated:
            self._gated[(gated.facts.path, gated.index)] = gated.conditions
        resolved = collect()
        for facts in files:
            raw = reuse.get(facts.path)
            if raw is not None:
                self.reused += 1
            else:
                raw = resolved.get(facts.path)
                if raw is None:
                    raw = self._resolve_edges(facts)
            self.file_edges[facts.path] = raw
            self._add_file_edges(raw)
        self._add_roots(files)

    # ---------------------------------------------------------------- nodes
    def _add_nodes(self, files: list[FileFacts]) -> None:
        for facts in files:
            self.nodes[facts.module] = NodeInfo(facts.module, "module", facts, None)
            self.graph.add_node(facts.module)
            if _matches(facts.path, self._tests):
                self.test_modules.add(facts.module)
            for definition in facts.definitions:
                qualified = f"{facts.module}.{definition.qualname}"
                self.nodes[qualified] = NodeInfo(qualified, definition.kind, facts, definition)
                self.graph.add_node(qualified)
                if definition.kind == "method":
                    self._methods_by_name[definition.name].append(qualified)
                # A class body runs when its enclosing body runs.
                parent = definition.qualname.rpartition(".")[0]
                owner = f"{facts.module}.{parent}" if parent else facts.module
                if definition.kind == "class" and (not parent or self._kind(owner) != "function"):
                    self.graph.link(owner, qualified, "body")

    def _kind(self, qualified: str) -> str:
        info = self.nodes.get(qualified)
        return info.kind if info is not None else ""

    # ---------------------------------------------------------------- edges
    def _resolve_in_workers(
        self, files: list[FileFacts], jobs: int
    ) -> Callable[..., dict[str, list[RawEdge]]]:
        """Start resolving ``files``' edges in forked workers; the call returned collects them.

        It collects nothing (and no worker starts) when forking would not pay.

        Resolution reads only what is built before it (nodes, the methods by
        name, the resolver's indexes) and gives the same edges whichever files
        a process resolved before (see :mod:`flaglint.callgraph.incremental`), so each
        worker takes every ``jobs``-th file of the list. A forked worker
        starts with this process's memory and needs nothing sent; it sends
        back node names as their position in :attr:`nodes`, which this side
        turns into its own name objects. Where ``fork`` is unavailable or
        unsafe (Windows, macOS), or while another thread runs, the parent
        resolves alone.
        """
        global _FORKED
        if jobs <= 1 or len(files) < PARALLEL_RESOLUTION or _FORKED is not None:
            return _no_workers
        import threading

        if threading.active_count() > 1:
            # A thread of this process (FL101's blames, for a base graph built
            # after them) may hold a lock the forked copy would wait on forever.
            return _no_workers
        import multiprocessing

        if sys.platform == "darwin" or "fork" not in multiprocessing.get_all_start_methods():
            return _no_workers  # macOS's system libraries are not safe to fork
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        jobs = min(jobs, 8)
        names = list(self.nodes)
        _FORKED = (self, files, names, jobs)
        try:
            # An executor, not multiprocessing.Pool: a worker that dies (the
            # OOM killer, Ctrl-C) breaks it with an error instead of leaving
            # the parent waiting forever. With fork, all workers start at the
            # first submission, while _FORKED holds what they need.
            executor = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"))
            futures = [executor.submit(_resolve_share, share) for share in range(jobs)]
        finally:
            _FORKED = None

        def collect(failing: bool = False) -> dict[str, list[RawEdge]]:
            """The workers' edges; none (the parent resolves) if a worker died."""
            if failing:  # the caller is raising: stop the workers, wait for nothing
                executor.shutdown(wait=False, cancel_futures=True)
                return {}
            try:
                parts = [future.result() for future in futures]
            except BrokenProcessPool:
                return {}
            finally:
                executor.shutdown(wait=True, cancel_futures=True)
            out: dict[str, list[RawEdge]] = {}
            for part in parts:
                for path, encoded in part:
                    out[path] = [
                        (
                            names[source] if source.__class__ is int else self._name(source),
                            names[target] if target.__class__ is int else self._name(target),
                            kind,
                            line,
                            index,
                        )
                        for source, target, kind, line, index in encoded
                    ]
            return out

        return collect

    def _name(self, name: str) -> str:
        """One object per hub name, shared with the hubs this process made."""
        if name.startswith(HUB_PREFIX):
            return self._hub(name[len(HUB_PREFIX) :])
        return name

    def _add_file_edges(self, raw: list[RawEdge]) -> None:
        """One file's edges, each pair once with its merged kind, in first-seen order.

        The kind is the first call site's, except that a "may" edge becomes a
        "call" when a direct call joins it. Every source lies in this file, so
        the only edges already in the graph are class bodies (kind "body").
        """
        merged: dict[tuple[str, str], str] = {}
        for source, target, kind, _, _ in raw:
            key = (source, target)
            previous = merged.get(key)
            if previous is None or (previous == "may" and kind == "call"):
                merged[key] = kind
        # A hub's own edges go in where the file first reaches it, as when
        # edges were added one by one: predecessor order, and with it which
        # of two equally short paths networkx returns, stays the same.
        graph = self.graph
        batch: list[tuple[tuple[str, str], str]] = []
        for pair, kind in merged.items():
            batch.append((pair, kind))
            target = pair[1]
            if target.startswith(HUB_PREFIX) and not graph.succ.get(target):
                graph.link_all(batch)
                batch = []
                self._link_hub(target)
        graph.link_all(batch)

    def edge_sites(self) -> Iterator[tuple[str, str, Site]]:
        """(source, target, call site) for every call site behind an edge, file by file."""
        gated = self._gated
        for path in sorted(self.file_edges):
            for source, target, _, line, index in self.file_edges[path]:
                conditions = gated.get((path, index), ()) if index >= 0 else ()
                yield source, target, Site(path, line, conditions)

    def sites(self, source: str, target: str) -> list[Site]:
        """The call sites behind one edge (none for hub, body and root edges)."""
        info = self.nodes.get(source)
        if info is None:
            return []
        path = info.facts.path
        gated = self._gated
        return [
            Site(path, line, gated.get((path, index), ()) if index >= 0 else ())
            for s, t, _, line, index in self.file_edges.get(path, ())
            if s == source and t == target
        ]

    def _scope_node(self, facts: FileFacts, scope: str) -> str:
        if not scope:
            return facts.module
        # The node's own name object, not the new string: the per-file edges
        # hold one source per call site (95k strings, 10 MB, on Django).
        info = self.nodes.get(f"{facts.module}.{scope}")
        return info.qualified if info is not None else facts.module

    def targets(self, facts: FileFacts, call: Call) -> list[tuple[str, str]]:
        """(node, edge kind) pairs a call may reach inside the project."""
        resolved = self.resolver.call_target(facts, call)
        info = self.nodes.get(resolved)
        if info is not None:
            resolved = info.qualified  # the node's own name object, like the sources
        head = call.callee.split(".", 1)[0]
        method = call.callee.rpartition(".")[2]
        # .get, not [], on the defaultdict: a lookup must not add a name, or what
        # later files resolve would depend on which files were resolved first.
        overrides = self._methods_by_name.get(method, ())
        if info is not None and head in ("self", "cls") and len(overrides) > 1:
            # self.m() may also dispatch to an override in a subclass.
            return [(resolved, "call"), (self._hub(method), "may")]
        if info is not None:
            if info.kind == "class":
                out = [(resolved, "init")]
                for dunder in ("__init__", "__new__", "__post_init__"):
                    method = self.resolver.find_method(resolved, dunder)
                    if method is not None:
                        out.append((method, "init"))
                return out
            return [(resolved, "call")] if info.kind != "module" else []
        inherited = self._inherited(resolved)
        if inherited is not None:
            return [(inherited, "call")]
        if "." in call.callee and method in self._methods_by_name:
            if head in ("self", "cls"):
                return [(self._hub(method), "may")]
            if resolved == call.callee or not self.resolver.split_module(resolved):
                return [(self._hub(method), "may")]
        return []

    def _inherited(self, resolved: str) -> str | None:
        """``Sub.m`` or ``Sub().m`` where ``m`` is defined on a project base class."""
        owner, _, name = resolved.rpartition(".")
        owner = owner.removesuffix("()")
        if not name or self._kind(owner) != "class":
            return None
        found = self.resolver.find_method(owner, name)
        info = self.nodes.get(found) if found is not None else None
        return info.qualified if info is not None else None

    def _hub(self, method: str) -> str:
        hub = self._hubs.get(method)
        if hub is None:
            hub = self._hubs[method] = HUB_PREFIX + method
        return hub

    def _resolve_edges(self, facts: FileFacts) -> list[RawEdge]:
        """The edges out of ``facts``' code, in the order a build adds them."""
        raw: list[RawEdge] = []
        for index, call in enumerate(facts.calls):
            source = self._scope_node(facts, call.scope)
            for target, kind in self.targets(facts, call):
                raw.append(
                    (source, target, "decorator" if call.decorator else kind, call.line, index)
                )
            for arg in call.args:
                if arg.kind == "name":
                    self._reference(raw, facts, call.scope, arg.text, call.line, index)
        for reference in facts.references:
            self._reference(raw, facts, reference.scope, reference.name, reference.line, -1)
        return raw

    def _reference(
        self,
        raw: list[RawEdge],
        facts: FileFacts,
        scope: str,
        name: str,
        line: int,
        index: int,
    ) -> None:
        """A function used as a value (callback, dispatch table) may be called."""
        resolved = self.resolver.resolve(facts.module, name, scope)
        info = self.nodes.get(resolved)
        if info is not None and info.kind in ("function", "method", "class"):
            raw.append((self._scope_node(facts, scope), info.qualified, "ref", line, index))

    def _link_hub(self, hub: str) -> None:
        if self.graph.out_degree(hub) if hub in self.graph else 0:
            return
        for method in self._methods_by_name[hub[len(HUB_PREFIX) :]]:
            self.graph.link(hub, method, "may")

    # ---------------------------------------------------------------- roots
    def _add_roots(self, files: list[FileFacts]) -> None:
        for facts in files:
            is_test = facts.module in self.test_modules
            if is_test and not self._tests_as_roots:
                continue
            self.roots.add(facts.module)
            exported = set(facts.dunder_all)
            for name in facts.dunder_all:
                resolved = self.resolver.resolve(facts.module, name)
                if resolved in self.nodes:
                    self.roots.add(resolved)
            for definition in facts.definitions:
                qualified = f"{facts.module}.{definition.qualname}"
                if self._is_root(facts, definition, exported):
                    self.roots.add(qualified)
        for qualified in self.nodes:
            if any(fnmatch.fnmatchcase(qualified, p) for p in self._entry_points):
                self.roots.add(qualified)
        self.roots.update(self._named_in_strings(files))
        self.graph.add_node(SUPER_ROOT)
        for root in sorted(self.roots):
            self.graph.link(SUPER_ROOT, root, "root")

    def _named_in_strings(self, files: list[FileFacts]) -> set[str]:
        """Functions and classes named by a dotted string constant (``X = "pkg.mod.func"``).

        Settings that name a callable by its import path (Django's
        ``load_func(settings.X)``, Celery routes, plugin tables) register it
        without a call that a graph could see.
        """
        found: set[str] = set()
        for facts in files:
            if facts.module in self.test_modules and not self._tests_as_roots:
                continue
            for binding in facts.bindings:
                if binding.kind == "str" and "." in binding.value:
                    info = self.nodes.get(binding.value)
                    if info is not None and info.kind != "module":
                        found.add(binding.value)
        return found

    def _is_root(self, facts: FileFacts, definition: Definition, exported: set[str]) -> bool:
        if definition.qualname in exported:
            return True
        if definition.kind == "class":
            return False
        if (
            definition.kind == "method"
            and definition.name.startswith("__")
            and definition.name.endswith("__")
        ):
            return True
        scope = definition.qualname.rpartition(".")[0]
        for decorator in definition.decorators:
            resolved = self.resolver.resolve(facts.module, decorator, scope)
            last = resolved.rpartition(".")[2]
            if resolved in TEST_DECORATORS:
                return self._tests_as_roots
            if resolved in PLAIN_DECORATORS or decorator in PLAIN_DECORATORS:
                continue
            if last in ("setter", "getter", "deleter"):
                continue
            return True
        if definition.kind == "method":
            # A framework calls the methods of classes that extend it.
            return self._extends_outside(f"{facts.module}.{scope}")
        return False

    def _extends_outside(self, qualified_class: str) -> bool:
        found = self._external.get(qualified_class)
        if found is None:
            found = any(
                klass not in self.nodes and klass not in ("object", "Exception", "BaseException")
                for klass in self.resolver.mro(qualified_class)[1:]
            )
            self._external[qualified_class] = found
        return found

    # -------------------------------------------------------------- queries
    def callers(self, qualified: str) -> list[str]:
        return sorted(p for p in self.graph.predecessors(qualified) if p != SUPER_ROOT)

    def callees(self, qualified: str) -> list[str]:
        return sorted(self.graph.successors(qualified))

    def reachable_from_roots(self) -> set[str]:
        import networkx as nx

        return nx.descendants(self.graph, SUPER_ROOT)

    def flag_keys(self) -> list[tuple[str, bool]]:
        keys = {(c.key, c.on) for gated in self.inventory.gated for c in gated.conditions}
        return sorted(keys)

    def reach(self, key: str, on: bool) -> FlagReach:
        """What the gated regions of ``key`` (polarity ``on``) call, and what only they reach."""
        cached = self._reach_cache.get((key, on))
        if cached is not None:
            return cached
        result = FlagReach(key, on)
        condition_on = (key, on)
        gated_edges: list[tuple[str, str]] = []
        index = self._edges_gated_by()
        for (source, target), gated in index.get(condition_on, {}).items():
            for site in gated:
                result.sites.append((site.path, site.line, source, target))
            if not target.startswith(HUB_PREFIX):
                result.direct.add(target)
            if len(gated) == self._site_counts[source, target]:
                gated_edges.append((source, target))
            else:
                result.direct.add(target)
        result.sites.sort()
        if not result.sites:
            self._reach_cache[(key, on)] = result
            return result
        starts = {t for _, _, _, t in result.sites}

        def search() -> set[str]:
            return {n for n in self._search(starts, set(), set()) if n in self.nodes}

        result._search = search
        # What only the gated edges lead to is searched from their targets,
        # all of which are among ``starts``: it lies inside ``reach``.
        result.exclusive = self._exclusive(gated_edges)
        self._reach_cache[(key, on)] = result
        return result

    def _edges_gated_by(self) -> dict[tuple[str, bool], dict[tuple[str, str], list[Site]]]:
        """Per flag polarity, the edges with call sites under it and those sites.

        Built once from the per-file edges, with the number of call sites of
        every edge that has a gated one: an edge is the flag's alone when all
        of its sites are gated by it.
        """
        if self._gated_index is None:
            index: dict[tuple[str, bool], dict[tuple[str, str], list[Site]]] = defaultdict(dict)
            gated_sites: dict[tuple[str, str], int] = {}
            for source, target, site in self.edge_sites():
                if not site.conditions:
                    continue
                pair = (source, target)
                gated_sites[pair] = gated_sites.get(pair, 0) + 1
                for condition in {(c.key, c.on) for c in site.conditions}:
                    index[condition].setdefault(pair, []).append(site)
            counts = dict.fromkeys(gated_sites, 0)
            for raw in self.file_edges.values():
                for source, target, _, _, _ in raw:
                    pair = (source, target)
                    if pair in counts:
                        counts[pair] += 1
            self._site_counts = counts
            # Behind a fully gated edge, every call site has a flag condition.
            self._fully_gated = {p for p, n in counts.items() if n == gated_sites[p]}
            self._gated_index = dict(index)
        return self._gated_index

    def _successors(self) -> dict[str, list[str]]:
        """Plain successor lists: the searches below run once per flag and must be cheap."""
        if self._succ is None:
            self._succ = {n: list(self.graph.successors(n)) for n in self.graph}
        return self._succ

    def _search(
        self, starts: Iterable[str], seen: set[str], removed: set[tuple[str, str]]
    ) -> set[str]:
        """Nodes reachable from ``starts`` (included) outside ``seen``, skipping ``removed``."""
        successors = self._successors()
        found = {s for s in starts if s not in seen}
        stack = list(found)
        while stack:
            node = stack.pop()
            for target in successors.get(node, ()):
                if target not in found and target not in seen and (node, target) not in removed:
                    found.add(target)
                    stack.append(target)
        return found

    def _always_reachable(self) -> set[str]:
        """Nodes reachable from the roots through edges that no flag condition guards.

        Every flag's search below starts from this set, so each flag pays only
        for the part of the graph its own and other flags' gates lead into,
        instead of a whole-graph dominator computation per flag.
        """
        if self._unconditional is None:
            self._edges_gated_by()
            fully_gated = self._fully_gated or set()
            seen = {SUPER_ROOT}
            stack = [SUPER_ROOT]
            successors = self._successors()
            while stack:
                node = stack.pop()
                for target in successors.get(node, ()):
                    if target in seen or (node, target) in fully_gated:
                        continue
                    seen.add(target)
                    stack.append(target)
            self._unconditional = seen
        return self._unconditional

    def _exclusive(self, gated_edges: list[tuple[str, str]]) -> set[str]:
        """Project nodes that every path from the roots reaches through ``gated_edges``.

        The same answer as routing those edges through one gate node and
        taking what the gate dominates (:meth:`_dominated`): a node is
        dominated exactly when it is reachable with the gate and unreachable
        without it. Both searches start from :meth:`_always_reachable`.
        """
        base = self._always_reachable()
        if all(target in base for _, target in gated_edges):
            return set()  # every gated call also runs without the flag
        removed = set(gated_edges)
        if self._frontier is None:
            successors = self._successors()
            self._frontier = [
                (source, target)
                for source in base
                for target in successors.get(source, ())
                if target not in base
            ]
        starts = [t for s, t in self._frontier if (s, t) not in removed]
        without = base | self._search(starts, base, removed)
        if not any(source in without for source, _ in gated_edges):
            return set()
        behind = self._search([t for _, t in gated_edges], without, set())
        return {n for n in behind if n in self.nodes}

    def _dominated(
        self, gate: str, gated_edges: list[tuple[str, str]], starts: set[str]
    ) -> set[str]:
        """Nodes whose every path from the roots passes through ``gate``.

        The edges that only gated call sites stand behind are routed through
        one node for the flag, the immediate dominator tree is computed from
        the super-root, and every node under ``gate`` in that tree is
        exclusive. Edges that also have ungated sites stay direct.
        """
        import networkx as nx

        graph = self.graph
        saved = [(s, t, graph.edges[s, t]["kind"]) for s, t in gated_edges]
        graph.remove_edges_from(gated_edges)
        graph.add_node(gate)
        for source, target in gated_edges:
            graph.link(source, gate, "call")
            graph.link(gate, target, "call")
        # Gated edges with ungated siblings still enter through the gate's targets.
        try:
            dominators = nx.immediate_dominators(graph, SUPER_ROOT)
        finally:
            graph.remove_node(gate)
            for source, target, kind in saved:
                graph.link(source, target, kind)
        if gate not in dominators:
            return set()
        children: dict[str, list[str]] = defaultdict(list)
        for node, parent in dominators.items():
            if node != parent:
                children[parent].append(node)
        found: set[str] = set()
        stack = [gate]
        while stack:
            node = stack.pop()
            for child in children.get(node, ()):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return {n for n in found if n in self.nodes}

    def path(self, source: str, target: str) -> list[str]:
        """A shortest call path, for messages (empty when there is none)."""
        import networkx as nx

        try:
            return [
                n
                for n in nx.shortest_path(self.graph, source, target)
                if not n.startswith(HUB_PREFIX)
            ]
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            return []

    # -------------------------------------------------------------- exports
    def adjacency(self) -> dict[str, list[dict[str, object]]]:
        """The graph as ``{node: [{"target", "kind", "lines"}]}`` (project nodes only)."""
        lines: dict[tuple[str, str], set[int]] = defaultdict(set)
        for raw in self.file_edges.values():
            for source, target, _, line, _ in raw:
                lines[source, target].add(line)
        out: dict[str, list[dict[str, object]]] = {}
        for node in sorted(self.nodes):
            edges = []
            for target in sorted(self.graph.successors(node)):
                kind = self.graph.edges[node, target]["kind"]
                found = sorted(lines.get((node, target), ()))
                edges.append({"target": target, "kind": kind, "lines": found})
            out[node] = edges
        return out

    def iter_functions(self) -> Iterator[NodeInfo]:
        for qualified in sorted(self.nodes):
            info = self.nodes[qualified]
            if info.kind in ("function", "method"):
                yield info


def _no_workers(failing: bool = False) -> dict[str, list[RawEdge]]:
    """What collecting from no workers gives: nothing, so the parent resolves every file."""
    return {}


# Below this many files to resolve, forking costs more than it saves.
PARALLEL_RESOLUTION = 400

# What a forked resolution worker inherits: (graph, files, node names, workers).
_FORKED: tuple[CallGraph, list[FileFacts], list[str], int] | None = None


# A raw edge as a worker sends it: source and target as node positions where they are nodes.
EncodedEdge = tuple["int | str", "int | str", str, int, int]


def _resolve_share(share: int) -> list[tuple[str, list[EncodedEdge]]]:
    """In a forked worker: the edges of every ``workers``-th file from ``share``, names encoded."""
    assert _FORKED is not None
    graph, files, names, workers = _FORKED
    position = {name: i for i, name in enumerate(names)}
    out = []
    for facts in files[share::workers]:
        encoded = [
            (position.get(source, source), position.get(target, target), kind, line, index)
            for source, target, kind, line, index in graph._resolve_edges(facts)
        ]
        out.append((facts.path, encoded))
    return out


def _matches(path: str, patterns: tuple[str, ...]) -> bool:
    name = path.rpartition("/")[2]
    return any(fnmatch.fnmatchcase(path, p) or fnmatch.fnmatchcase(name, p) for p in patterns)
