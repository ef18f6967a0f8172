"""The whole-program call graph: nodes, resolved edges, and the questions rules ask of it.

Edges carry an :class:`~flaglint.callgraph.model.EdgeKind`. The call sites
behind an edge, each with the flag conditions that dominate it, are not
stored on the edge: :meth:`CallGraph.edge_sites` derives them from each file's
resolved edges (:attr:`CallGraph.file_edges`), which the graph keeps anyway.
Rules ask the questions below, never the adjacency (:mod:`flaglint.callgraph.store`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping

from flaglint.callgraph.answers import FLOW, FileAnswers
from flaglint.callgraph.earlier import Earlier, EarlierAnswers, Reads
from flaglint.callgraph.flow import FlowSolver
from flaglint.callgraph.model import HUB_PREFIX, SUPER_ROOT, EdgeKind, NodeInfo, RawEdge, Site
from flaglint.callgraph.reach import FlagReach, ReachIndex
from flaglint.callgraph.roots import RootFinder, matches
from flaglint.callgraph.store import Adjacency
from flaglint.callgraph.workers import no_workers, resolve_in_workers
from flaglint.facts.model import Call, FileFacts
from flaglint.flags.inventory import FlagCondition, Inventory
from flaglint.names.resolve import Resolver

# A hub stands for every project method of its name: past this many it is no
# evidence of anything, and an unknown receiver links nowhere instead.
HUB_LIMIT = 8


class CallGraph(EarlierAnswers):
    """The project's call graph (an :class:`Adjacency`), with reachability queries."""

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
        earlier: Earlier | None = None,
        meanwhile: Callable[[], object] | None = None,
        solving: Callable[[], object] | None = None,
    ) -> None:
        self.graph = Adjacency()
        self.resolver = resolver
        self.nodes: dict[str, NodeInfo] = {}
        self.roots: set[str] = set()
        self.test_modules: set[str] = set()
        self._tests = tuple(tests)
        self._tests_as_roots = tests_as_roots
        self._entry_points = tuple(entry_points)
        self._methods_by_name: dict[str, list[str]] = defaultdict(list)
        self._gated: dict[tuple[str, int], tuple[FlagCondition, ...]] = {}
        self._succ: dict[str, list[str]] | None = None
        self._hubs: dict[str, str] = {}
        # Each file's outgoing edges as resolved, before flag conditions are
        # attached: what a later tree can reuse for files whose resolution
        # cannot have changed (see flaglint.callgraph.incremental).
        self.file_edges: dict[str, list[RawEdge]] = {}
        self.reused = 0
        files = [f for f in files if f.error is None]
        self._add_nodes(files)
        # Value flow is solved for the whole program before any file's edges
        # are resolved: a file's edges depend on its answers, so a file's old
        # edges are reused only when its answers are the same as before.
        # Tests are not roots by default: what they pass to the program (mocks,
        # fakes, every variant a test tries) is not how it runs, and their flow
        # is three quarters of a large project's constraints (Django's).
        passive = () if tests_as_roots else self.test_modules
        self._solver_inputs = (files, resolver, self.nodes, passive)
        self._flow: FlowSolver | None = None
        self.flow_answers: dict[str, FileAnswers] = {}
        self.flow_reads: dict[str, Reads] = {}
        self._earlier = earlier or Earlier()
        self._reuse: Mapping[str, list[RawEdge]] = reuse or {}
        # Neither the flow nor the answers and edges need the inventory: forked workers
        # solve and answer while this process builds it (``Project.inventory``).
        if not self.mostly_earlier():
            # Most answers must be computed: solve once here for every worker to
            # inherit, rather than once per worker (a second on koku, each).
            if solving is not None:
                solving()  # what may go on meanwhile (the inventory, in a child)
            self.flow  # noqa: B018
        # The earlier tree is this one: every answer is looked up, nothing solved.
        collect = no_workers if self._earlier.same else resolve_in_workers(self, files, jobs)
        if collect is not no_workers:  # the workers took the solved flow: the inventory
            self._flow = None  # reuses its memory (should one die, it is solved again here)
        try:
            self.inventory = inventory() if callable(inventory) else inventory
            if meanwhile is not None and collect is not no_workers:
                meanwhile()  # while the workers answer (the base's inventory, say)
        except BaseException:
            collect(failing=True)
            raise
        for gated in self.inventory.gated:
            self._gated[(gated.facts.path, gated.index)] = gated.conditions
        resolved, computed = collect()
        for facts in files:
            done = resolved.get(facts.path)
            if done is None:
                answers, raw = self.file_result(facts)
            else:
                answers, raw, self.flow_reads[facts.path] = done
                self.flow_answers[facts.path] = answers
            if raw is None:
                raw = self._reuse[facts.path]
                self.reused += 1
            self.file_edges[facts.path] = raw
            self._add_file_edges(raw)
        if self._flow is not None:  # this process answered some files itself
            computed.update(self.values_read(p for p in self.flow_reads if not self.held(p)))
        # Held answers read the earlier tree's values; then those computed again.
        self.flow_values = {**self._earlier.values, **computed}
        # Asked no more, like the lender's answers: 16 MB of koku's peak.
        self._flow, self._solver_inputs, self._earlier, self._reuse = None, None, Earlier(), {}
        self.roots = RootFinder(
            self.nodes, resolver, self.test_modules, tests_as_roots, self._entry_points
        ).roots(files)
        self.graph.add_node(SUPER_ROOT)
        for root in sorted(self.roots):
            self.graph.link(SUPER_ROOT, root, EdgeKind.ROOT)
        self._certain_succ: dict[str, list[str]] | None = None
        self._reach = ReachIndex(
            self._successors,
            self.nodes,
            self.edge_sites,
            self.file_edges,
            self._certain_successors,
            self.uncalled,
        )

    # ---------------------------------------------------------------- nodes
    def _add_nodes(self, files: list[FileFacts]) -> None:
        for facts in files:
            self.nodes[facts.module] = NodeInfo(facts.module, "module", facts, None)
            self.graph.add_node(facts.module)
            if matches(facts.path, self._tests):
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
                    self.graph.link(owner, qualified, EdgeKind.BODY)

    def _kind(self, qualified: str) -> str:
        info = self.nodes.get(qualified)
        return info.kind if info is not None else ""

    # ---------------------------------------------------------------- edges
    def shared_name(self, name: str) -> str:
        """One object per hub name, shared with the hubs this process made."""
        if name.startswith(HUB_PREFIX):
            return self._hub(name[len(HUB_PREFIX) :])
        return name

    def _add_file_edges(self, raw: list[RawEdge]) -> None:
        """One file's edges, each pair once with its merged kind, in first-seen order.

        The kind is the first call site's, except that a ``may`` edge becomes a ``call``
        when a direct call joins it. Every source lies in this file, so the only
        edges already in the graph are class bodies (kind ``body``)."""
        merged: dict[tuple[str, str], EdgeKind] = {}
        for source, target, kind, _, _ in raw:
            key = (source, target)
            previous = merged.get(key)
            if previous is None or (previous == EdgeKind.MAY and kind == EdgeKind.CALL):
                merged[key] = kind
        # A hub's own edges go in where the file first reaches it, as when
        # edges were added one by one: predecessor order, and with it which
        # of two equally short paths networkx returns, stays the same.
        graph = self.graph
        batch: list[tuple[tuple[str, str], EdgeKind]] = []
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
        # hold one source per call site, and copies add up to megabytes.
        info = self.nodes.get(f"{facts.module}.{scope}")
        return info.qualified if info is not None else facts.module

    def targets(self, facts: FileFacts, call: Call) -> list[tuple[str, EdgeKind]]:
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
            return [(resolved, EdgeKind.CALL), *self._bounded_hub(method)]
        if info is not None:
            if info.kind == "class":
                out = [(resolved, EdgeKind.INIT)]
                for dunder in ("__init__", "__new__", "__post_init__"):
                    method = self.resolver.find_method(resolved, dunder)
                    if method is not None:
                        out.append((method, EdgeKind.INIT))
                return out
            return [(resolved, EdgeKind.CALL)] if info.kind != "module" else []
        inherited = self._inherited(resolved)
        if inherited is not None:
            return [(inherited, EdgeKind.CALL)]
        if "." in call.callee and method in self._methods_by_name:
            if head in ("self", "cls"):
                return self._bounded_hub(method)
            if resolved == call.callee or not self.resolver.split_module(resolved):
                return self._bounded_hub(method)
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

    def resolve_edges(self, facts: FileFacts) -> list[RawEdge]:
        """The edges out of ``facts``' code, in the order a build adds them."""
        raw: list[RawEdge] = []
        answers = self.flow_answers.get(facts.path)
        by_call = dict(answers.calls) if answers is not None else {}
        # A call written in a lambda's body is the lambda's (its flow call says so).
        in_lambda = {f.call: f.scope for f in facts.flow_calls if f.scope and f.call >= 0}
        for index, call in enumerate(facts.calls):
            source = self._scope_node(facts, in_lambda.get(index, call.scope))
            answer = by_call.get(index)
            if answer is None:
                pairs = self.targets(facts, call)
            elif answer.how == FLOW:
                pairs = [(self._node_name(t), EdgeKind(k)) for t, k in answer.targets]
            else:
                pairs = self._bounded_hub(answer.method)
            for target, kind in pairs:
                raw.append(
                    (
                        source,
                        target,
                        EdgeKind.DECORATOR if call.decorator else kind,
                        call.line,
                        index,
                    )
                )
            if answer is None:
                for arg in call.args:
                    if arg.kind == "name":
                        self._reference(raw, facts, call.scope, arg.text, call.line, index)
            else:
                for target in answer.escapes:
                    raw.append((source, self._node_name(target), EdgeKind.REF, call.line, index))
        if answers is not None:
            for scope, line, target, kind in answers.implicit:
                source = self._scope_node(facts, scope)
                raw.append((source, self._node_name(target), EdgeKind(kind), line, -1))
        return raw

    def _node_name(self, qualified: str) -> str:
        info = self.nodes.get(qualified)
        return info.qualified if info is not None else qualified

    def _bounded_hub(self, method: str) -> list[tuple[str, EdgeKind]]:
        """The ``name:m`` hub for ``obj.m()`` on an unknown receiver, when it means something."""
        count = len(self._methods_by_name.get(method, ()))
        if not count or count > HUB_LIMIT or method.startswith("__"):
            return []
        return [(self._hub(method), EdgeKind.MAY)]

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
            raw.append((self._scope_node(facts, scope), info.qualified, EdgeKind.REF, line, index))

    def _link_hub(self, hub: str) -> None:
        if self.graph.out_degree(hub) if hub in self.graph else 0:
            return
        for method in self._methods_by_name[hub[len(HUB_PREFIX) :]]:
            self.graph.link(hub, method, EdgeKind.MAY)

    # -------------------------------------------------------------- queries
    def has_node(self, node: str) -> bool:
        """Whether ``node`` is in the graph (hubs and the super-root included)."""
        return node in self.graph

    def successors(self, node: str) -> list[str]:
        """What ``node`` leads to, in the order the edges were added (none if unknown)."""
        return list(self.graph.successors(node)) if node in self.graph else []

    def predecessors(self, node: str) -> list[str]:
        """What leads to ``node``, in the order the edges were added (none if unknown)."""
        return list(self.graph.predecessors(node)) if node in self.graph else []

    def edge_kind(self, source: str, target: str) -> EdgeKind | None:
        """The kind of the edge from ``source`` to ``target``, or None without one."""
        return self.graph.kind(source, target)

    def edges(self) -> Iterator[tuple[str, str, EdgeKind]]:
        """Every edge with its kind, in the order they were added."""
        yield from self.graph.edges()

    def call_cycles(self) -> list[set[str]]:
        """Project functions on a cycle of direct call edges, one set per cycle
        (a set of one: a function that calls itself)."""
        import networkx as nx

        calls = nx.DiGraph()
        nodes = self.nodes
        for source, target, kind in self.edges():
            if kind == EdgeKind.CALL and source in nodes and target in nodes:
                calls.add_edge(source, target)
        return [
            component
            for component in nx.strongly_connected_components(calls)
            if len(component) > 1 or calls.has_edge(*(next(iter(component)),) * 2)
        ]

    def _successors(self) -> dict[str, list[str]]:
        """Plain successor lists: the searches of :mod:`.reach` run per flag and must be cheap."""
        if self._succ is None:
            self._succ = {n: list(self.graph.successors(n)) for n in self.graph}
        return self._succ

    def _certain_successors(self) -> dict[str, list[str]]:
        """Successor lists without ``may`` edges (hubs and guessed overrides)."""
        if self._certain_succ is None:
            succ = self.graph.succ
            self._certain_succ = {
                n: [t for t, kind in succ[n].items() if kind != EdgeKind.MAY] for n in self.graph
            }
        return self._certain_succ

    def uncalled(self) -> list[str]:
        """Functions and methods nothing in the project calls (tests left out): entry points.

        A public function, a view a URL conf names, a handler a framework
        calls: each may run without a caller in the project, so a gate
        inside one still has code that only it reaches.
        """
        pred = self.graph.pred
        tests = self.test_modules
        return sorted(
            name
            for name, info in self.nodes.items()
            if info.kind in ("function", "method")
            and not any(p != SUPER_ROOT for p in pred.get(name, ()))
            and (self._tests_as_roots or info.facts.module not in tests)
        )

    def callers(self, qualified: str) -> list[str]:
        return sorted(p for p in self.graph.predecessors(qualified) if p != SUPER_ROOT)

    def callees(self, qualified: str) -> list[str]:
        return sorted(self.graph.successors(qualified))

    def reachable_from_roots(self) -> set[str]:
        import networkx as nx

        return nx.descendants(self.graph.networkx(), SUPER_ROOT)

    def flag_keys(self) -> list[tuple[str, bool]]:
        return sorted({(c.key, c.on) for gated in self.inventory.gated for c in gated.conditions})

    def reach(self, key: str, on: bool) -> FlagReach:
        """What the gated regions of ``key`` (polarity ``on``) call, and what only they reach."""
        return self._reach.reach(key, on)

    def exclusive_of(self, polarities: Iterable[tuple[str, bool]]) -> set[str]:
        return self._reach.exclusive_of(polarities)  # what only they, taken together, reach

    def path(self, source: str, target: str) -> list[str]:
        """A shortest call path, for messages (empty when there is none)."""
        import networkx as nx

        try:
            return [
                n
                for n in nx.shortest_path(self.graph.networkx(), source, target)
                if not n.startswith(HUB_PREFIX)
            ]
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            return []
