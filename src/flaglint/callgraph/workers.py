"""Value flow, flow answers and call edges, computed in forked workers while the
parent builds the inventory.

They read only what is built before them (nodes, the methods by name, the
resolver's indexes) and give the same result whichever files a process did
before (see :mod:`flaglint.callgraph.incremental`), so each worker solves the
program's value flow (deterministic: every worker finds the same) and takes
every ``jobs``-th file of the list. A forked worker starts with the parent's
memory and needs nothing sent; it sends back each file's answers and the flow
locations they read with their values (the parent keeps them, to reuse answers
and edges next time) and node names as their position in the graph's nodes,
which the parent turns into its own name objects. Where ``fork`` is
unavailable or unsafe (Windows, macOS), or while another thread runs, the
parent solves and resolves alone.

What goes back is small and cheap to load: a file whose answers are the
earlier tree's (its edges reused) sends none, the parent has them already;
the rest is pickled with named tuples as ``tuple.__new__(cls, values)``, one
C call each in the parent, not a Python ``__new__`` per answer (unpickling
the answers of every file took a tenth of a check after a one-file edit on
koku, in the thread that competes with the parent's inventory for the GIL).
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Protocol

from flaglint.cache.facts import dump_named_tuples
from flaglint.callgraph.model import EdgeKind, RawEdge
from flaglint.lifetime import watch_parent

if TYPE_CHECKING:
    from flaglint.callgraph.answers import FileAnswers
    from flaglint.callgraph.earlier import Reads
    from flaglint.facts.model import FileFacts


class Resolving(Protocol):
    """What the workers need of the graph being built (:class:`CallGraph` has it)."""

    @property
    def nodes(self) -> Mapping[str, object]: ...

    def file_result(self, facts: FileFacts) -> tuple[FileAnswers, list[RawEdge] | None]: ...

    def shared_name(self, name: str) -> str: ...

    def earlier(self, path: str) -> tuple[FileAnswers, Reads]: ...

    @property
    def flow_reads(self) -> Mapping[str, Reads]: ...

    def held(self, path: str) -> bool: ...

    def values_read(self, paths: Iterable[str]) -> dict[str, int]: ...

    def mostly_earlier(self) -> bool: ...


# Below this many files to resolve, forking costs more than it saves.
PARALLEL_RESOLUTION = 400


def forking_pays(jobs: int, files: int) -> bool:
    """Whether work over a tree of ``files`` files is worth a forked process, with
    ``jobs`` processes allowed (the resolution workers, and the work done aside)."""
    return jobs > 1 and files >= PARALLEL_RESOLUTION


# What a forked resolution worker inherits: (graph, files, node names, workers).
_FORKED: tuple[Resolving, list[FileFacts], list[str], int] | None = None

# A raw edge as a worker sends it: source and target as node positions where they are nodes.
EncodedEdge = tuple["int | str", "int | str", EdgeKind, int, int]

# Per path: the file's flow answers, its edges (None: the earlier tree's edges hold),
# and the locations its answers read.
Resolved = dict[str, "tuple[FileAnswers, list[RawEdge] | None, Reads]"]
# What the workers resolved, and the values of the flow locations their answers read.
Collected = tuple[Resolved, dict[str, int]]
Collect = Callable[..., Collected]


def no_workers(failing: bool = False) -> Collected:
    """What collecting from no workers gives: nothing, so the parent resolves every file."""
    return {}, {}


def resolve_in_workers(graph: Resolving, files: list[FileFacts], jobs: int) -> Collect:
    """Start resolving ``files``' edges in forked workers; the call returned collects them.

    It collects nothing (and no worker starts) when forking would not pay.
    """
    global _FORKED
    if not forking_pays(jobs, len(files)) or _FORKED is not None:
        return no_workers
    import threading

    if threading.active_count() > 1:
        # A thread of this process (FL101's blames, for a base graph built
        # after them) may hold a lock the forked copy would wait on forever.
        return no_workers
    import multiprocessing

    if sys.platform == "darwin" or "fork" not in multiprocessing.get_all_start_methods():
        return no_workers  # macOS's system libraries are not safe to fork
    from concurrent.futures import ProcessPoolExecutor

    # Where nearly every file's answers will be the earlier tree's (a one-file
    # edit), one worker solves the flow and does it all beside this process's
    # inventory; otherwise the graph solved it before forking, and the workers
    # inherit the solution and share the files.
    jobs = 1 if graph.mostly_earlier() else min(jobs, 8)
    names = list(graph.nodes)
    _FORKED = (graph, files, names, jobs)
    try:
        # An executor, not multiprocessing.Pool: a worker that dies (the
        # OOM killer, Ctrl-C) breaks it with an error instead of leaving
        # the parent waiting forever. With fork, all workers start at the
        # first submission, while _FORKED holds what they need.
        executor = ProcessPoolExecutor(
            jobs, mp_context=multiprocessing.get_context("fork"), initializer=watch_parent
        )
        futures = [executor.submit(_resolve_share, share) for share in range(jobs)]
    finally:
        _FORKED = None

    def collect(failing: bool = False) -> Collected:
        """The workers' edges; none (the parent resolves) if a worker died."""
        if failing:  # the caller is raising: stop the workers, wait for nothing
            executor.shutdown(wait=False, cancel_futures=True)
            return {}, {}
        try:
            parts = [pickle.loads(future.result()) for future in futures]
        except Exception:  # BrokenProcessPool among them
            # A worker died, or raised (out of memory solving the flow, say):
            # this process solves and resolves every file itself.
            return {}, {}
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
        out: Resolved = {}
        values: dict[str, int] = {}
        name = graph.shared_name
        for part, part_values in parts:
            values.update(part_values)
            for path, answers, encoded, reads in part:
                if reads is None:  # the earlier tree's answers held without computing
                    answers, reads = graph.earlier(path)
                elif answers is None:  # computed again, and equal to the earlier ones
                    answers = graph.earlier(path)[0]
                if encoded is None:
                    out[path] = (answers, None, reads)
                    continue
                out[path] = (
                    answers,
                    [
                        (
                            names[source] if source.__class__ is int else name(source),  # type: ignore[index,arg-type]
                            names[target] if target.__class__ is int else name(target),  # type: ignore[index,arg-type]
                            kind,
                            line,
                            index,
                        )
                        for source, target, kind, line, index in encoded
                    ],
                    reads,
                )
        return out, values

    return collect


def _resolve_share(share: int) -> bytes:
    """In a forked worker: answers and edges of every ``workers``-th file from ``share``.

    Pickled here (see the module's docstring): a list of ``(path, answers,
    edges, reads)``; answers are None when equal to the earlier tree's, whose
    edges then hold (edges None); reads too when those answers held without
    being computed again (see :mod:`flaglint.callgraph.earlier`).
    """
    assert _FORKED is not None
    graph, files, names, workers = _FORKED
    position = {name: i for i, name in enumerate(names)}
    out: list[tuple[str, FileAnswers | None, list[EncodedEdge] | None, Reads | None]] = []
    computed: list[str] = []  # answered here, not held from the earlier tree
    for facts in files[share::workers]:
        answers, raw = graph.file_result(facts)
        held = graph.held(facts.path)
        reads = None if held else graph.flow_reads[facts.path]
        if not held:
            computed.append(facts.path)
        if raw is None:
            out.append((facts.path, None, None, reads))
            continue
        encoded = [
            (position.get(source, source), position.get(target, target), kind, line, index)
            for source, target, kind, line, index in raw
        ]
        out.append((facts.path, answers, encoded, graph.flow_reads[facts.path]))
    # Only for answers computed here: held ones read the earlier tree's values.
    return dump_named_tuples((out, graph.values_read(computed)))
