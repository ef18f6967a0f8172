"""The pipeline: discover -> facts (parallel, cached) -> project -> rules -> findings."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from flaglint import cachedir, gcpause, history
from flaglint.cache import FactCache, blob_id, dump_facts, entry_key, load_facts
from flaglint.config import Config
from flaglint.discovery import SourceFile, assign_modules, discover, excluded
from flaglint.facts import FileFacts, build_facts
from flaglint.facts.comments import marker_pattern
from flaglint.findings import Finding
from flaglint.inventory import Inventory
from flaglint.providers import ProviderTable
from flaglint.resolve import Resolver
from flaglint.results import ResultCache, tree_key
from flaglint.rules.base import Rule

if TYPE_CHECKING:
    # networkx adds 13 MB of RSS and ~0.2 s of imports: loaded when a graph is built.
    from flaglint.graph import CallGraph, RawEdge

POOL_THRESHOLD = 48
CHUNK = 24


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


@dataclass(frozen=True)
class FactOptions:
    """What a worker needs to turn source into facts (picklable)."""

    trigger_names: frozenset[str]
    deprecation_words: tuple[str, ...]

    def build(self, source: SourceFile, content: bytes) -> FileFacts:
        return build_facts(
            source.path,
            content,
            source.module,
            source.is_package,
            self.trigger_names,
            marker_pattern(self.deprecation_words),
        )


class Project:
    """The analysed tree: its facts and the whole-program views built from them."""

    def __init__(
        self,
        config: Config,
        files: list[FileFacts],
        stats: RunStats | None = None,
        revision: str = "",
        label: str = "",
    ):
        self.config = config
        self.files = sorted(files, key=lambda f: f.path)
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
        # Where the graph of an earlier tree can be borrowed from: the project
        # this one is the base of (same run), or the snapshot in the cache folder.
        self.edge_donor: Project | None = None
        # The cache folder for results derived from many files (None: caching off).
        self.cache_directory: Path | None = None
        self._snapshot_files: dict[str, tuple[str, str]] | None = None

    @cached_property
    def by_module(self) -> dict[str, FileFacts]:
        return {f.module: f for f in self.files if f.error is None}

    @cached_property
    def by_path(self) -> dict[str, FileFacts]:
        return {f.path: f for f in self.files}

    @cached_property
    def resolver(self) -> Resolver:
        return Resolver(self.files)

    @cached_property
    def inventory(self) -> Inventory:
        return Inventory(self.files, self.config, self.resolver)

    @cached_property
    def graph(self) -> CallGraph:
        from flaglint.graph import CallGraph

        started = time.perf_counter()
        graph = CallGraph(
            self.files,
            lambda: self.inventory,
            self.resolver,
            tests=self.config.tests,
            tests_as_roots=self.config.tests_as_roots,
            entry_points=self.config.entry_points,
            reuse=self._reusable_edges(),
            jobs=_jobs(self.config),
        )
        self.stats.edges_reused = graph.reused
        self._save_edges(graph)
        self.stats.seconds["graph"] = time.perf_counter() - started
        return graph

    def _reusable_edges(self) -> dict[str, list[RawEdge]]:
        """Per-file edges an earlier graph lends this one (see :mod:`flaglint.incremental`)."""
        from flaglint import incremental

        donor = self.edge_donor
        if donor is not None and "graph" in donor.__dict__:
            lender = donor.by_path
            old_modules = {p: f.module for p, f in lender.items() if f.error is None}
            old_blobs = donor.blob_ids
            old_edges = donor.graph.file_edges

            def old_facts(path: str) -> FileFacts | None:
                return lender.get(path)

        else:
            snapshot = incremental.load_snapshot(
                self.cache_directory, self.config.facts_fingerprint()
            )
            if snapshot is None:
                return {}
            old_modules = {p: module for p, (module, _) in snapshot.files.items()}
            old_blobs = {p: blob for p, (_, blob) in snapshot.files.items()}
            old_edges = snapshot.edges
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
        from flaglint import incremental

        if self.cache_directory is None or self.revision:
            return
        files = {
            f.path: (f.module, self.blob_ids[f.path])
            for f in self.files
            if f.error is None and f.path in self.blob_ids
        }
        resolved = len(graph.file_edges) - graph.reused
        if self._snapshot_files is not None and resolved <= max(16, len(files) // 50):
            # The snapshot is at most a few files behind this tree: later runs
            # re-resolve those few again, which costs less than rewriting it
            # (1 s for Home Assistant's 12 MB).
            return
        snapshot = incremental.EdgeSnapshot(files, graph.file_edges)
        incremental.save_snapshot(self.cache_directory, self.config.facts_fingerprint(), snapshot)

    @property
    def errors(self) -> list[FileFacts]:
        return [f for f in self.files if f.error is not None]


def fact_options(config: Config) -> FactOptions:
    return FactOptions(ProviderTable.from_config(config).trigger_names(), config.deprecation_words)


def collect_facts(
    root: Path,
    sources: Sequence[SourceFile],
    config: Config,
    cache: FactCache,
    stats: RunStats,
    blob_ids: dict[str, str] | None = None,
) -> list[FileFacts]:
    """Facts for every source: from the cache where the content is known, else parsed.

    ``blob_ids``, when given, receives each file's blob id.
    """
    options = fact_options(config)
    results: dict[str, FileFacts] = {}
    missing: list[Pending] = []
    jobs = _jobs(config)
    base = str(root)
    for source in sources:
        try:
            with open(os.path.join(base, source.path), "rb") as handle:
                content = handle.read()
        except OSError as exc:
            results[source.path] = _unreadable(source, exc)
            continue
        blob = blob_id(content)
        if blob_ids is not None:
            blob_ids[source.path] = blob
        key = cache.key(blob, source.module, source.path)
        cached = cache.get(key)
        if cached is not None:
            results[source.path] = cached
        elif jobs <= 1 or len(missing) < POOL_THRESHOLD:
            missing.append((source, key, content, len(content)))
        else:
            # Workers read the file again rather than hold every source in this
            # process (Django: 20 MB of peak RSS) and key it by what they read.
            missing.append((source, key, None, len(content)))
    stats.cache_hits += len(sources) - len(missing)
    stats.parsed += len(missing)
    for facts, _ in _build_all(missing, options, jobs, cache, root):
        results[facts.path] = facts
    cache.flush()
    return [results[s.path] for s in sources if s.path in results]


def _jobs(config: Config) -> int:
    if config.jobs:
        return config.jobs
    return max(1, min(os.cpu_count() or 1, 8))


# A file to parse: its source, cache key, content (None: read it from the root) and size.
Pending = tuple[SourceFile, str, "bytes | None", int]


def _build_chunk(
    options: FactOptions, root: str, salt: str, chunk: list[Pending]
) -> list[tuple[str | None, bytes]]:
    """A worker's share: cache keys (None: do not cache) and pickled facts."""
    built: list[tuple[str | None, bytes]] = []
    with gcpause.paused():
        for source, key, content, _ in chunk:
            if content is None:
                try:
                    with open(os.path.join(root, source.path), "rb") as handle:
                        content = handle.read()
                except OSError as exc:
                    built.append((None, dump_facts(_unreadable(source, exc))))
                    continue
                key = entry_key(salt, blob_id(content), source.module, source.path)
            built.append((key, dump_facts(options.build(source, content))))
    return built


def _build_all(
    missing: list[Pending],
    options: FactOptions,
    jobs: int,
    cache: FactCache,
    root: Path | None = None,
) -> Iterable[tuple[FileFacts, str]]:
    """Facts for files not in the cache, stored in it as they arrive."""
    if jobs <= 1 or len(missing) < POOL_THRESHOLD:
        for source, key, content, _ in missing:
            if content is None:  # pragma: no cover - only pooled runs leave content out
                raise ValueError(f"no content for {source.path}")
            facts = options.build(source, content)
            cache.put(key, facts)
            yield facts, key
        return
    # Largest files first so that no worker is left with a long tail.
    ordered = sorted(missing, key=lambda item: -item[3])
    chunks = [ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)]
    from concurrent.futures import ProcessPoolExecutor  # only cold runs need a pool

    count = len(chunks)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for built in pool.map(
            _build_chunk, [options] * count, [str(root)] * count, [cache.salt] * count, chunks
        ):
            for key, data in built:
                facts = load_facts(data)
                assert facts is not None  # just pickled by our own worker
                if key is not None:
                    cache.put_pickled(key, facts, data)
                yield facts, key or ""


def _unreadable(source: SourceFile, exc: OSError) -> FileFacts:
    from flaglint.facts.model import ParseError

    return FileFacts(
        source.path,
        source.module,
        source.is_package,
        0,
        error=ParseError(1, 0, f"cannot read file: {exc.strerror or exc}"),
    )


_last_cache: FactCache | None = None
_last_place: tuple[Path | None, str] | None = None


def open_cache(config: Config, enabled: bool = True, fresh: bool = False) -> FactCache:
    """The facts cache of ``config``'s root.

    Within one process the last cache opened for the same folder and
    configuration is handed out again unless ``fresh`` (a new run, as
    :func:`analyse` starts one): ``check --base`` then reads and writes the
    work tree's and the revision's facts through one object, so the pack it
    writes keeps the entries both used instead of only the revision's.
    """
    global _last_cache, _last_place
    directory = cachedir.locate(config).directory
    fingerprint = config.facts_fingerprint()
    place = (directory, fingerprint)
    cache = _last_cache
    if fresh or cache is None or _last_place != place:
        # A disabled cache is remembered too: the base tree of a --no-cache
        # check must not write the pack its work tree left alone.
        cache = _last_cache = FactCache(directory if enabled else None, fingerprint)
        _last_place = place
    return cache


def analyse(config: Config, paths: Sequence[Path], use_cache: bool = True) -> Project:
    """Discover and collect facts for ``paths`` under the configured root."""
    stats = RunStats()
    started = time.perf_counter()
    sources = discover(config.root, paths, config.exclude, config.cache_dir)
    stats.seconds["discover"] = time.perf_counter() - started
    cache = open_cache(config, use_cache, fresh=True)
    started = time.perf_counter()
    blob_ids: dict[str, str] = {}
    with gcpause.paused(freeze=True):
        files = collect_facts(config.root, sources, config, cache, stats, blob_ids)
    stats.seconds["facts"] = time.perf_counter() - started
    stats.files = len(files)
    stats.lines = sum(f.lines for f in files)
    project = Project(config, files, stats)
    project.blob_ids = blob_ids
    if use_cache:
        project.cache_directory = cachedir.locate(config).directory
    return project


def analyse_revision(config: Config, revision: str, reuse: Project | None = None) -> Project:
    """Facts for the tree at ``revision`` of the repository holding the root.

    Files are read from git objects, never checked out; the cache is shared
    with the work tree through blob ids, so only changed files are parsed.
    ``reuse``, a work-tree project of the same configuration, lends its facts
    for files whose content is the same at ``revision`` (``check --base``):
    most files did not change, and this skips even reading them from the cache.
    """
    repo = history.toplevel(config.root)
    commit = history.verify_revision(repo, revision)
    prefix = _repo_prefix(config, repo)
    listed = history.list_python_blobs(repo, commit, prefix)
    return _project_from_blobs(config, repo, listed, revision=commit, label=revision, reuse=reuse)


def analyse_index(config: Config, use_cache: bool = True) -> Project:
    """Facts for the files staged in git's index: the tree the next commit records.

    Unstaged edits and untracked files are left out, which is what a
    pre-commit check wants; like a revision, it is read from git objects.
    """
    repo = history.toplevel(config.root)
    prefix = _repo_prefix(config, repo)
    open_cache(config, use_cache, fresh=True)
    project = _project_from_blobs(config, repo, history.list_index_blobs(repo, prefix))
    if use_cache:
        project.cache_directory = cachedir.locate(config).directory
    return project


def analyse_base(config: Config, revision: str, reuse: Project | None = None) -> Project:
    """The project at ``--base REV``; ``HEAD`` before the first commit is an empty tree."""
    repo = history.toplevel(config.root)
    if revision == "HEAD" and not history.has_commits(repo):
        return Project(config, [])
    return analyse_revision(config, revision, reuse=reuse)


def attach_base(project: Project, config: Config, revision: str) -> Project:
    """Give ``project`` its base (for history rules and ``--new-only``) and return it."""
    started = time.perf_counter()
    project.base = analyse_base(config, revision, reuse=project)
    project.base.edge_donor = project
    project.base.cache_directory = project.cache_directory
    project.base_revision = revision
    project.stats.seconds["base"] = time.perf_counter() - started
    return project


def _repo_prefix(config: Config, repo: Path) -> str:
    """The root's folder inside the repository, as a path prefix ("" at the top)."""
    prefix = config.root.resolve().relative_to(repo.resolve()).as_posix()
    return "" if prefix == "." else prefix + "/"


def _project_from_blobs(
    config: Config,
    repo: Path,
    listed: Sequence[history.Blob],
    revision: str = "",
    label: str = "",
    reuse: Project | None = None,
) -> Project:
    prefix = _repo_prefix(config, repo)
    blobs = {
        b.path[len(prefix) :]: b.blob_id
        for b in listed
        if not excluded(b.path[len(prefix) :], config.exclude)
    }
    sources = assign_modules(sorted(blobs), None)
    stats = RunStats()
    cache = open_cache(config)
    options = fact_options(config)
    results: dict[str, FileFacts] = {}
    wanted: dict[str, list[tuple[SourceFile, str]]] = {}
    lender = reuse.by_path if reuse is not None else {}
    lent_blobs = reuse.blob_ids if reuse is not None else {}
    started = time.perf_counter()
    # Unpickling a whole tree's facts with the collector running cost 3.0 s
    # of a staged check on Home Assistant, against 0.7 s paused (as analyse is).
    with gcpause.paused(freeze=True):
        for source in sources:
            blob = blobs[source.path]
            same = lender.get(source.path)
            if (
                same is not None
                and same.module == source.module
                and lent_blobs.get(source.path) == blob
            ):
                results[source.path] = same
                continue
            key = cache.key(blob, source.module, source.path)
            cached = cache.get(key)
            if cached is not None:
                results[source.path] = cached
            else:
                wanted.setdefault(blob, []).append((source, key))
        stats.cache_hits = len(results)
        missing = [
            (source, key, content, len(content))
            for blob, content in history.read_blobs(repo, sorted(wanted))
            for source, key in wanted.get(blob, [])
        ]
        stats.parsed = len(missing)
        for facts, _ in _build_all(missing, options, _jobs(config), cache):
            results[facts.path] = facts
        cache.flush()
    stats.seconds["facts"] = time.perf_counter() - started
    files = [results[s.path] for s in sources if s.path in results]
    stats.files = len(files)
    stats.lines = sum(f.lines for f in files)
    project = Project(config, files, stats, revision=revision, label=label)
    project.blob_ids = blobs
    return project


def open_results(config: Config, enabled: bool = True) -> ResultCache:
    """The cache of whole-tree findings in ``config``'s cache folder (disabled: a no-op)."""
    return ResultCache(cachedir.locate(config).directory if enabled else None)


def run_rules(
    project: Project, rules: Iterable[type[Rule]], results: ResultCache | None = None
) -> list[Finding]:
    """Every selected rule over the project, sorted and de-duplicated.

    Rules that compare revisions (``needs_history``) run only when the project
    has a base to compare with. With ``results``, findings of a tree analysed
    before under the same key (see :mod:`flaglint.results`) are read back
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
            return cached
    findings: set[Finding] = set()
    # The project stage builds a few million small, acyclic objects (graph
    # dicts, resolver memos, reach sets) that reference counting frees alone;
    # the cyclic collector's full scans of them took 40% of this stage on
    # Django (graph 1.74 -> 1.00 s, rules 2.72 -> 1.58 s with it paused, and
    # peak RSS unchanged).
    with gcpause.paused():
        for rule_class in rules:
            if rule_class.needs_history and project.base is None:
                continue
            findings.update(rule_class().check(project))
    ordered = sorted(findings, key=Finding.sort_key)
    if results is not None and key is not None:
        results.put(key, ordered)
    project.stats.seconds["rules"] = time.perf_counter() - started
    return ordered
