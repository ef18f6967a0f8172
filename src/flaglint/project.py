"""The analysed tree and the whole-program views built from it, as rules see it.

Rules, the gate, the caches and the reporters import :class:`Project` from
here, never the engine that builds it: imports run one way (the role mypy's
``semanal_shared`` plays for its helpers).
"""

from __future__ import annotations

import hashlib
import pickle
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, cast

from flaglint.cache import background
from flaglint.cache.facts import open_cache
from flaglint.config import Config
from flaglint.encoding import utf8
from flaglint.facts import FileFacts
from flaglint.flags.inventory import Inventory
from flaglint.names.resolve import Resolver

if TYPE_CHECKING:
    # The call graph's module is imported when a graph is built.
    from flaglint.callgraph import CallGraph, RawEdge
    from flaglint.callgraph.earlier import Earlier
    from flaglint.gate.suppressions import Suppression


@dataclass
class RunStats:
    """Counters for ``--stats``; never part of the report (which must not vary)."""

    files: int = 0
    lines: int = 0
    cache_hits: int = 0
    parsed: int = 0
    # True when the findings came from the result cache (nothing to recompute).
    results_cached: bool = False
    # Files whose call edges were taken from an earlier graph instead of resolved.
    edges_reused: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


class Project:
    """The analysed tree: its facts and the whole-program views built from them."""

    def __init__(
        self,
        config: Config,
        files: list[FileFacts] | Callable[[], list[FileFacts]],
        stats: RunStats | None = None,
        revision: str = "",
        label: str = "",
        listing: list[tuple[str, str, str]] | None = None,
    ):
        """``files`` are the tree's facts, or what loads them when first asked for;
        ``listing`` then says what the tree holds before they are loaded (see
        :meth:`listing`)."""
        self.config = config
        self._files: list[FileFacts] | None = None
        self._load: Callable[[], list[FileFacts]] | None = None
        if callable(files):
            self._load, self._listing = files, listing or []
        else:
            self._files = sorted(files, key=lambda f: f.path)
        self.stats = stats or RunStats()
        # The commit these facts were read from; "" for the work tree.
        self.revision = revision
        # How the user named that revision (``v2005``, ``HEAD~1``), for messages.
        self.label = label or revision[:12]
        # The tree at ``--base REV``, set by :func:`attach_base`; rules with
        # ``needs_history`` compare against it and stay quiet while it is None.
        self.base: Project | None = None
        self.base_revision: str = ""
        # Path -> git blob id of the content the facts were built from, so a
        # base revision can borrow facts without reading the files again.
        self.blob_ids: dict[str, str] = {}
        # Texts analysed instead of the files on disk (an editor's buffer): rules that
        # read a file's statements beyond its facts read these (see ``source``).
        self.contents: Mapping[str, bytes] = {}
        # Where the graph of an earlier tree can be borrowed from: the project
        # this one is the base of (same run), or the snapshot in the cache folder.
        self.edge_donor: Project | None = None
        # How the engine that built this project builds another revision of the
        # same tree (FL203 reads old revisions); rules ask through at_revision.
        self.revision_loader: Callable[[Config, str], Project] | None = None
        # The cache folder for results derived from many files (None: caching off).
        self.cache_directory: Path | None = None
        # Files FL302 parsed to read the statements around a dispatch, by blob id
        # (see ``rules.breakers.sources``); a base shares the tree's that borrows it.
        self.parsed_by_blob: dict[str, tuple[object, object]] = {}
        # From the findings cache, with the findings (None: compute them from the
        # facts): every file's suppression comments, and the files that did not parse.
        self.known_suppressions: list[Suppression] | None = None
        self.known_errors: list[FileFacts] | None = None
        # The tree whose graph is built right after this one's (set by run_rules).
        self.next_graph: Project | None = None
        # Whether this tree's inventory may be built in a forked child while this
        # process solves the value flow (set by ``check``): the stored inventory it
        # sends back answers what a check asks, and anything else asked would build
        # it again here (see ``_inventory_aside``).
        self.inventory_aside = False
        self._inventory_pending: background.Pending | None = None
        self._snapshot_files: dict[str, tuple[str, str]] | None = None
        self._earlier: Earlier | None = None

    def source(self, path: str) -> bytes | None:
        """A work-tree file's text as analysed: the buffer given for it, else the disk's."""
        given = self.contents.get(path)
        if given is not None:
            return given
        try:
            return (self.config.root / path).read_bytes()
        except OSError:
            return None

    @property
    def files(self) -> list[FileFacts]:
        """Every file's facts, sorted by path (read from the cache, or parsed, when
        first asked for)."""
        if self._files is None:
            assert self._load is not None
            self._files = sorted(self._load(), key=lambda f: f.path)
            self._load = None
        return self._files

    def error_files(self) -> list[FileFacts]:
        """The files that could not be read or parsed."""
        if self.known_errors is not None:
            return self.known_errors
        return [f for f in self.files if f.error is not None]

    def listing(self) -> list[tuple[str, str, str]]:
        """(path, module, why it could not be read or "") of every file, in path order:
        what a tree's cache keys need, known before the facts are loaded."""
        if self._files is None:
            return self._listing
        return [
            (f.path, f.module, f.error.message if f.error is not None else "") for f in self._files
        ]

    @cached_property
    def by_path(self) -> dict[str, FileFacts]:
        return {f.path: f for f in self.files}

    @cached_property
    def resolver(self) -> Resolver:
        return Resolver(self.files)

    @cached_property
    def inventory(self) -> Inventory:
        """This tree's flag inventory, built and stored; taken from the store when the
        same tree was analysed lately (see ``flags.stored``)."""
        from flaglint.flags import stored

        def build() -> Inventory:
            return Inventory(self.files, self.config, self.resolver)

        if self.cache_directory is None:
            return build()
        # Loaded first: a file found changed while loading loses its blob id, and with
        # it the tree's digest (the facts are not the content it names).
        files = self.files
        key = stored.inventory_key(self.tree_digest(), self.config)
        pending, self._inventory_pending = self._inventory_pending, None
        sent = pending.result() if pending is not None else None
        if sent is not None:
            found = stored.from_entry(pickle.loads(sent), files, build)
            if found is not None:
                return cast(Inventory, found)
        found = stored.load(self.cache_directory, key, files, build)
        if found is not None:
            return cast(Inventory, found)
        inventory = build()
        stored.save(self.cache_directory, key, inventory)
        return inventory

    @cached_property
    def graph(self) -> CallGraph:
        from flaglint.callgraph import CallGraph

        started = time.perf_counter()
        graph = CallGraph(
            self.files,
            lambda: self.inventory,
            self.resolver,
            tests=self.config.tests,
            tests_as_roots=self.config.tests_as_roots,
            entry_points=self.config.entry_points,
            reuse=self._reusable_edges(),
            jobs=self.config.workers(),
            earlier=self._earlier,
            meanwhile=self._next_inventory,
            solving=self._inventory_aside,
        )
        self.stats.edges_reused = graph.reused
        self._save_edges(graph)
        # What the answers read is kept only to lend: the earlier tree's is done
        # with, a revision's graph lends to no one and is not saved, and a lender's
        # is done with once its borrower is built (koku's reads and values: tens of MB).
        self._earlier = None
        if self.revision:
            graph.drop_reads()
        donor = self.edge_donor
        if donor is not None and "graph" in donor.__dict__:
            donor.graph.drop_reads()
        self.stats.seconds["graph"] = time.perf_counter() - started
        return graph

    def _inventory_aside(self) -> None:
        """Start building this tree's inventory in a forked child, which stores it and
        sends it back, while this process solves the program's value flow.

        A cold check solved the flow here with the second core idle, then built the
        inventory while the resolution workers took both cores: 3.6 s and 3.7 s of
        Django's, 1.4 s and 2.4 s of koku's (benchmarks/RESULTS.md, session 36). Only
        where a check asked for it (``inventory_aside``), the tree is large enough
        for a fork to pay, and the inventory is neither built nor stored.
        """
        from flaglint.callgraph.workers import forking_pays
        from flaglint.flags import stored

        if (
            not self.inventory_aside
            or self.cache_directory is None
            or "inventory" in self.__dict__
            or self._inventory_pending is not None
            or not forking_pays(self.config.workers(), len(self.files))
        ):
            return
        key = stored.inventory_key(self.tree_digest(), self.config)
        if not key or stored.is_stored(self.cache_directory, key):
            return
        directory = self.cache_directory

        def build() -> bytes:
            found = stored.entry(Inventory(self.files, self.config, self.resolver))
            stored.save_entry(directory, key, found)
            return pickle.dumps(found, pickle.HIGHEST_PROTOCOL)

        self._inventory_pending = background.compute(build)

    def _next_inventory(self) -> None:
        """The inventory of the tree whose graph is built next (``next_graph``: the
        base's after the head's, or the reverse), while this graph's workers answer;
        this process would wait for them otherwise."""
        if self.next_graph is not None:
            self.next_graph.inventory  # noqa: B018

    def matches_snapshot(self) -> bool:
        """Whether a snapshot in the cache folder is this very tree (its graph would
        take every answer from it without solving)."""
        from flaglint.callgraph import incremental

        slot = incremental.snapshot_slot(
            self.cache_directory, self._graph_salt(), self.tree_digest()
        )
        return slot is not None

    def _reusable_edges(self) -> dict[str, list[RawEdge]]:
        """Per-file edges an earlier graph lends this one (see ``callgraph.incremental``)."""
        from flaglint.callgraph import incremental
        from flaglint.callgraph.earlier import Earlier

        donor = self.edge_donor
        tree = self.tree_digest()
        donor_tree = donor.tree_digest() if donor is not None else ""
        salt = self._graph_salt()
        snapshot = None
        slot = incremental.snapshot_slot(self.cache_directory, salt, tree)
        if donor is not None and tree and tree != donor_tree and slot is not None:
            # A base that is a tree checked lately (the pre-commit hook's HEAD):
            # the snapshot is this very tree, a closer lender than the head.
            snapshot = incremental.load_snapshot(self.cache_directory, salt, slot)
        if snapshot is None and donor is not None and "graph" in donor.__dict__:
            lender = donor.by_path
            old_modules = {p: f.module for p, f in lender.items() if f.error is None}
            old_blobs = donor.blob_ids
            old_edges = donor.graph.file_edges
            graph = donor.graph
            # A lender that dropped its reads lends answers to compare, not to hold.
            same = bool(tree) and tree == donor_tree and bool(graph.flow_reads)
            self._earlier = Earlier(graph.flow_answers, graph.flow_reads, graph.flow_values, same)

            def old_facts(path: str) -> FileFacts | None:
                return lender.get(path)

        else:
            snapshot = snapshot or incremental.load_snapshot(self.cache_directory, salt, slot or 0)
            if snapshot is None:
                return {}
            old_modules = {p: module for p, (module, _) in snapshot.files.items()}
            old_blobs = {p: blob for p, (_, blob) in snapshot.files.items()}
            old_edges = snapshot.edges
            same = bool(tree) and snapshot.tree == tree
            self._earlier = Earlier(snapshot.answers, snapshot.reads, snapshot.values, same)  # type: ignore[arg-type]
            self._snapshot_files = snapshot.files
            cache = open_cache(self.config)

            def old_facts(path: str) -> FileFacts | None:
                return cache.get(cache.key(old_blobs[path], old_modules[path], path))

        blobs = self.blob_ids

        def same(facts: FileFacts) -> bool:
            blob = blobs.get(facts.path)
            return blob is not None and old_blobs.get(facts.path) == blob

        return incremental.reusable(old_modules, old_facts, old_edges, self.files, same)

    def _save_edges(self, graph: CallGraph) -> None:
        from flaglint.callgraph import incremental

        if self.cache_directory is None or self.revision:
            return
        if self.keep_snapshot():
            return  # saved already
        files = {
            f.path: (f.module, self.blob_ids[f.path])
            for f in self.files
            if f.error is None and f.path in self.blob_ids
        }
        tree, salt = self.tree_digest(), self._graph_salt()
        resolved = len(graph.file_edges) - graph.reused
        few = self._snapshot_files is not None and resolved <= max(16, len(files) // 50)
        if few and (self.contents or not background.can_fork()):
            # The snapshot is at most a few files behind this tree, and later runs
            # re-resolving those few costs less than writing it here, in the run's
            # time; or the tree holds an editor's unsaved buffer, seldom asked for
            # again, whose snapshot would push out the trees checked lately.
            return
        # Only the values some file's answers read (held answers bring the earlier
        # tree's, including locations no file reads any more).
        values = graph.flow_values
        values = {k: values[k] for reads in graph.flow_reads.values() for k in reads}
        snapshot = incremental.EdgeSnapshot(
            files,
            graph.file_edges,
            graph.flow_answers,
            graph.flow_reads,
            values,
            tree,
        )
        directory = self.cache_directory
        # Pickled in a forked child while this process goes on with the rules; the
        # snapshot it replaces stays as the previous one (the hook's HEAD, say).
        background.write(lambda: incremental.save_snapshot(directory, salt, snapshot))

    def keep_snapshot(self) -> bool:
        """Whether a snapshot of this tree is kept; if so it becomes the newest, so
        that a later save drops the other one (the trees checked lately stay)."""
        from flaglint.callgraph import incremental

        if self.cache_directory is None or self.revision:
            return False
        salt, tree = self._graph_salt(), self.tree_digest()
        slot = incremental.snapshot_slot(self.cache_directory, salt, tree)
        if slot:
            incremental.promote_snapshot(self.cache_directory, salt, tree)
        return slot is not None

    def tree_digest(self) -> str:
        """Every file's path, module and content, and the graph's settings: two trees
        with one digest solve to the same value flow ("" when a file's content is not
        known by its blob id)."""
        digest = hashlib.sha256(utf8(self._graph_salt()) + b"\0")
        for path, module, _ in self.listing():
            blob = self.blob_ids.get(path)
            if blob is None:
                return ""
            # Whether a file parses follows from its content (and the salt).
            digest.update(utf8(f"{path}\0{module}\0{blob}\n"))
        return digest.hexdigest()

    def _graph_salt(self) -> str:
        """What the graph's flow depends on besides the files: the facts' settings
        and which modules are tests (their flow is not solved unless they are roots)."""
        config = self.config
        return f"{config.facts_fingerprint()}:{config.tests!r}:{config.tests_as_roots}"

    def at_revision(self, revision: str) -> Project:
        """The same tree at git revision ``revision``, built by the engine that built this one."""
        if self.revision_loader is None:
            raise RuntimeError("this project was not built by the engine: no revision loader")
        other = self.revision_loader(self.config, revision)
        other.revision_loader = self.revision_loader
        return other

    @property
    def errors(self) -> list[FileFacts]:
        return [f for f in self.files if f.error is not None]
