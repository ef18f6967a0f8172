"""Analyse one tree: the work tree, a revision or git's index, and attach a base."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from flaglint import history
from flaglint.cache import location as cachedir
from flaglint.cache.facts import open_cache
from flaglint.config import Config
from flaglint.discovery import SourceFile, assign_modules, discover, excluded
from flaglint.engine import gcpause, progress
from flaglint.engine.pool import build_all, fact_options, plan_facts
from flaglint.facts import FileFacts
from flaglint.project import Project, RunStats


def analyse(
    config: Config,
    paths: Sequence[Path],
    use_cache: bool = True,
    contents: Mapping[str, bytes] | None = None,
    lazy: bool = False,
) -> Project:
    """Discover and collect facts for ``paths`` under the configured root.

    ``contents`` maps root-relative paths to the text to analyse instead of
    the file on disk (``check --stdin-filename``); such a path is analysed
    even when it does not exist yet. ``lazy``: every file is read and keyed
    now, but facts are loaded (or parsed) when the project's files are first
    asked for: a check whose findings are stored needs none.
    """
    stats = RunStats()
    started = time.perf_counter()
    sources = discover(config.root, paths, config.exclude)
    if contents:
        known = {source.path for source in sources}
        if not set(contents) <= known:
            sources = assign_modules(sorted(known | set(contents)), config.root)
    stats.seconds["discover"] = time.perf_counter() - started
    cache = open_cache(config, use_cache, fresh=True)
    started = time.perf_counter()
    blob_ids: dict[str, str] = {}
    plan = plan_facts(config.root, sources, config, cache, stats, blob_ids, contents)
    stats.seconds["facts"] = time.perf_counter() - started

    def load() -> list[FileFacts]:
        # Unpickling a whole tree's facts with the collector running cost four
        # times as much as paused (benchmarks/RESULTS.md, design measurements).
        started = time.perf_counter()
        with gcpause.paused(freeze=True):
            files = plan.load()
        for path in plan.changed:
            # Keyed by content no more: no findings, snapshot or base share it.
            blob_ids.pop(path, None)
        stats.seconds["facts"] += time.perf_counter() - started
        return files

    stats.files = len(plan.order)
    stats.lines = plan.lines
    project = Project(config, load if lazy else load(), stats, listing=plan.listing())
    project.revision_loader = analyse_revision
    project.blob_ids = blob_ids
    project.contents = dict(contents or {})
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
    # Unpickling a whole tree's facts with the collector running cost four
    # times as much as paused, as analyse is (benchmarks/RESULTS.md, design
    # measurements).
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
        shown = f"flaglint: parsing {label or revision[:12] or 'the index'}"
        with progress.bar(shown, len(missing)) as advance:
            for facts, _ in build_all(missing, options, config.workers(), cache):
                results[facts.path] = facts
                advance(1)
        cache.flush()
    stats.seconds["facts"] = time.perf_counter() - started
    files = [results[s.path] for s in sources if s.path in results]
    stats.files = len(files)
    stats.lines = sum(f.lines for f in files)
    project = Project(config, files, stats, revision=revision, label=label)
    project.revision_loader = analyse_revision
    project.blob_ids = blobs
    return project
