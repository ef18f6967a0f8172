"""Facts for many files: from the cache where the content is known, else parsed in worker processes.

The process fan-out lives here alone (as pylint's ``lint/parallel.py``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from flaglint.cache.facts import FactCache, blob_id, dump_facts, entry_key, load_facts
from flaglint.config import Config
from flaglint.discovery import SourceFile
from flaglint.engine import gcpause, progress
from flaglint.facts import FileFacts, ParseError, build_facts, count_lines
from flaglint.facts.comments import marker_pattern
from flaglint.flags.providers import ProviderTable
from flaglint.lifetime import watch_parent
from flaglint.project import RunStats

POOL_THRESHOLD = 48


CHUNK = 24


@dataclass(frozen=True)
class FactOptions:
    """What a worker needs to turn source into facts (picklable)."""

    trigger_names: frozenset[str]
    deprecation_words: tuple[str, ...]
    max_bytes: int = 0  # 0: no limit

    def build(self, source: SourceFile, content: bytes) -> FileFacts:
        if self.max_bytes and len(content) > self.max_bytes:
            # Parsing costs about 200 times a file's size in memory: a generated
            # 50 MB module would take gigabytes and minutes, and holds no flags.
            size, limit = len(content) / 1e6, self.max_bytes / 1e6
            return FileFacts(
                source.path,
                source.module,
                source.is_package,
                count_lines(content),
                error=ParseError(
                    1, 0, f"skipped: {size:.1f} MB is over max-file-size ({limit:g} MB)"
                ),
            )
        return build_facts(
            source.path,
            content,
            source.module,
            source.is_package,
            self.trigger_names,
            marker_pattern(self.deprecation_words),
        )


def fact_options(config: Config) -> FactOptions:
    return FactOptions(
        ProviderTable.from_config(config).trigger_names(),
        config.deprecation_words,
        config.max_file_size * 1_000_000,
    )


def collect_facts(
    root: Path,
    sources: Sequence[SourceFile],
    config: Config,
    cache: FactCache,
    stats: RunStats,
    blob_ids: dict[str, str] | None = None,
    contents: Mapping[str, bytes] | None = None,
) -> list[FileFacts]:
    """Facts for every source: from the cache where the content is known, else parsed.

    ``blob_ids``, when given, receives each file's blob id. ``contents`` gives
    the text of some paths instead of the files on disk (an editor's buffer).
    """
    return plan_facts(root, sources, config, cache, stats, blob_ids, contents).load()


def plan_facts(
    root: Path,
    sources: Sequence[SourceFile],
    config: Config,
    cache: FactCache,
    stats: RunStats,
    blob_ids: dict[str, str] | None = None,
    contents: Mapping[str, bytes] | None = None,
) -> FactPlan:
    """Every source read and keyed, and which facts the cache holds; none loaded yet.

    A check whose findings are stored (nothing changed) needs no facts at all:
    only the files' contents (blob ids) and line counts, which this reads.
    """
    plan = FactPlan(root, config, cache, stats)
    jobs = config.workers()
    base = str(root)
    given = contents or {}
    for source in sources:
        content = given.get(source.path)
        if content is None:
            try:
                with open(os.path.join(base, source.path), "rb") as handle:
                    content = handle.read()
            except OSError as exc:
                plan.ready[source.path] = unreadable_facts(source, exc)
                plan.order.append(source.path)
                continue
        plan.order.append(source.path)
        blob = blob_id(content)
        if blob_ids is not None:
            blob_ids[source.path] = blob
        key = cache.key(blob, source.module, source.path)
        plan.lines += count_lines(content)
        if cache.has(key):
            plan.stored.append((source, key, content if source.path in given else None))
        elif jobs <= 1 or len(plan.missing) < POOL_THRESHOLD or source.path in given:
            plan.missing.append((source, key, content, len(content)))
        else:
            # Workers read the file again rather than hold every source in this
            # process (peak RSS) and key it by what they read.
            plan.missing.append((source, key, None, len(content)))
    # What is parsed is counted when it is (a stored tree's findings may answer first).
    stats.cache_hits += len(plan.stored)
    return plan


class FactPlan:
    """The facts of a tree, planned by :func:`plan_facts` and loaded by :meth:`load`."""

    def __init__(self, root: Path, config: Config, cache: FactCache, stats: RunStats) -> None:
        self.root, self.config, self.cache, self.stats = root, config, cache, stats
        self.order: list[str] = []  # every path, in the order sources came
        self.ready: dict[str, FileFacts] = {}  # unreadable files: known without the cache
        self.stored: list[tuple[SourceFile, str, bytes | None]] = []
        self.missing: list[Pending] = []
        self.lines = 0
        self.changed: set[str] = set()  # read again when loading, and found changed

    def listing(self) -> list[tuple[str, str, str]]:
        """(path, module, why it is unreadable or "") of every file, in path order."""
        modules = {source.path: source.module for source, _, _ in self.stored}
        modules.update((pending[0].path, pending[0].module) for pending in self.missing)
        out = [
            (path, facts.module, facts.error.message)
            for path, facts in self.ready.items()
            if facts.error
        ]
        out.extend((path, module, "") for path, module in modules.items())
        return sorted(out)

    def load(self) -> list[FileFacts]:
        """Every file's facts: stored ones read back, the rest parsed (and stored)."""
        results = dict(self.ready)
        for source, key, content in self.stored:
            cached = self.cache.get(key)
            if cached is not None:
                results[source.path] = cached
                continue
            # Indexed but unreadable (truncated, foreign): parse it after all.
            if content is None:
                try:
                    with open(self.root / source.path, "rb") as handle:
                        content = handle.read()
                except OSError as exc:
                    results[source.path] = unreadable_facts(source, exc)
                    continue
                # Read now, not when it was keyed: an edit since then is other content,
                # whose facts under the old key every later run of it would read.
                key = self.cache.key(blob_id(content), source.module, source.path)
            self.missing.append((source, key, content, len(content)))
            self.stats.cache_hits -= 1
        self.stats.parsed += len(self.missing)
        options = fact_options(self.config)
        planned = {pending[0].path: pending[1] for pending in self.missing}
        with progress.bar("flaglint: parsing", len(self.missing)) as advance:
            for facts, key in build_all(
                self.missing, options, self.config.workers(), self.cache, self.root
            ):
                results[facts.path] = facts
                if key != planned.get(facts.path):
                    # A worker read other content than was keyed (saved meanwhile):
                    # what this tree holds there is not the blob it was listed by.
                    self.changed.add(facts.path)
                advance(1)
        self.cache.flush()
        return [results[path] for path in self.order if path in results]


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
                    built.append((None, dump_facts(unreadable_facts(source, exc))))
                    continue
                key = entry_key(salt, blob_id(content), source.module, source.path)
            built.append((key, dump_facts(options.build(source, content))))
    return built


def build_all(
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
    with ProcessPoolExecutor(max_workers=jobs, initializer=watch_parent) as pool:
        for built in pool.map(
            _build_chunk, [options] * count, [str(root)] * count, [cache.salt] * count, chunks
        ):
            for key, data in built:
                facts = load_facts(data)
                assert facts is not None  # just pickled by our own worker
                if key is not None:
                    cache.put_pickled(key, facts, data)
                yield facts, key or ""


def unreadable_facts(source: SourceFile, exc: OSError) -> FileFacts:

    return FileFacts(
        source.path,
        source.module,
        source.is_package,
        0,
        error=ParseError(1, 0, f"cannot read file: {exc.strerror or exc}"),
    )
