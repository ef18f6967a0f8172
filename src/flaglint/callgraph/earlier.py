"""A file's flow answers kept from an earlier tree, and when they still hold.

Answering a file's call sites reads the solved value flow at a few dozen
locations (a median of 15 on koku, 74 thousand in all for 1,070 files) and
reads the program's structure: which names are defined, imported, decorated,
generators, how functions bind their arguments. The graph records, for each
file, every location its answers read (:func:`recorded_answers`), and keeps
the values found there (:func:`read_values`). In a later tree, a file's old
answers hold without being computed again when

* its edges may be reused (:func:`flaglint.callgraph.incremental.reusable`):
  the same content, and no name whose bindings changed (definitions, imports,
  bindings, and the flow structure named in
  :func:`flaglint.callgraph.incremental.interface`) is spelled in it, so every
  structural lookup it makes finds what it found before; and
* every location it read holds the same values (:meth:`Earlier.holds`), so
  the flow it saw is the flow it sees.

Whether a lambda of the file is called by any call site of the program is a
read too (``"\\0"`` and its name), since an uncalled lambda is linked from
where it is written.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from hashlib import blake2b
from typing import TYPE_CHECKING, Any, NamedTuple

from flaglint.callgraph.answers import FileAnswers, file_answers, overrides
from flaglint.callgraph.flow import FlowSolver
from flaglint.callgraph.invoke import static_invoke
from flaglint.facts.model import FileFacts

if TYPE_CHECKING:
    from flaglint.callgraph.model import NodeInfo, RawEdge
    from flaglint.names.resolve import Resolver


def digest(values: Iterable[str]) -> int:
    """A set of values as 8 bytes, the same in every process and run: a file's reads
    are compared with a later tree's by these (a frozenset per location was most of
    the memory the reads took)."""
    text = "\0".join(sorted(values)).encode("utf-8", "surrogatepass")
    return int.from_bytes(blake2b(text, digest_size=8).digest(), "little")


# The locations a file's answers read, sorted.
Reads = tuple[str, ...]


class Earlier(NamedTuple):
    """An earlier tree's answers per path, the locations each read, and their values.

    ``same`` says the earlier tree is this very tree (every file's path, module
    and content, and the graph's settings): the flow would solve to what it
    solved then, so every answer whose reads are known holds unchecked.
    """

    answers: Mapping[str, FileAnswers] = {}
    reads: Mapping[str, Reads] = {}
    values: Mapping[str, int] = {}
    same: bool = False

    def holds(self, solver: FlowSolver, path: str) -> bool:
        """Whether every location ``path``'s earlier answers read has its earlier values."""
        reads = self.reads.get(path)
        if reads is None or path not in self.answers:
            return False
        values = self.values
        for location in reads:
            before = values.get(location)
            if before is None or _value(solver, location) != before:
                return False
        return True


class EarlierAnswers:
    """The part of :class:`~flaglint.callgraph.build.CallGraph` that answers a file,
    or takes its answers from an earlier tree."""

    _flow: FlowSolver | None
    _solver_inputs: tuple[list[FileFacts], Resolver, Mapping[str, NodeInfo], Collection[str]] | None
    flow_answers: dict[str, FileAnswers]
    flow_reads: dict[str, Reads]
    flow_values: dict[str, int]
    _earlier: Earlier
    _reuse: Mapping[str, list[RawEdge]]

    def resolve_edges(self, facts: FileFacts) -> list[RawEdge]:
        raise NotImplementedError

    @property
    def flow(self) -> FlowSolver:
        """The program's value flow, solved when first asked for (in a forked
        worker, while the process that forked it builds the inventory)."""
        if self._flow is None:
            assert self._solver_inputs is not None, "the graph is built: its flow is gone"
            solver = FlowSolver(*self._solver_inputs)
            solver.solve()
            self._flow = solver
        return self._flow

    def mostly_earlier(self) -> bool:
        """Whether nine in ten files or more may keep the earlier tree's answers."""
        files = self._solver_inputs[0] if self._solver_inputs is not None else ()
        return len(self._reuse) >= 0.9 * len(files) > 0

    def values_read(self, paths: Iterable[str]) -> dict[str, int]:
        """The values of every location the answers of ``paths`` read."""
        return read_values(self.flow, (self.flow_reads[path] for path in paths))

    def earlier(self, path: str) -> tuple[FileAnswers, Reads]:  # a worker found them unchanged
        # A lender that dropped its reads still lends answers (computed again, equal).
        return self._earlier.answers[path], self._earlier.reads.get(path, ())

    def drop_reads(self) -> None:
        """Forget what the answers read: nothing will borrow from this graph."""
        self.flow_reads, self.flow_values = {}, {}

    def held(self, path: str) -> bool:
        """Whether ``path``'s answers are the earlier tree's, taken without computing them."""
        return self.flow_reads[path] is self._earlier.reads.get(path)

    def file_result(self, facts: FileFacts) -> tuple[FileAnswers, list[RawEdge] | None]:
        """A file's flow answers, and its edges (None: the earlier tree's edges still hold).

        A file's edges depend on its answers, so its old edges are reused only
        when its answers are the same as before: kept when nothing they read
        changed, else computed and compared.
        """
        path, earlier = facts.path, self._earlier
        if path in self._reuse and (
            (earlier.same and path in earlier.answers and path in earlier.reads)
            or earlier.holds(self.flow, path)
        ):
            answers, self.flow_reads[path] = earlier.answers[path], earlier.reads[path]
            self.flow_answers[path] = answers
            return answers, None
        answers, self.flow_reads[path] = recorded_answers(self.flow, facts)
        self.flow_answers[path] = answers
        if path in self._reuse and earlier.answers.get(path) == answers:
            return answers, None
        return answers, self.resolve_edges(facts)


def recorded_answers(solver: FlowSolver, facts: FileFacts) -> tuple[FileAnswers, Reads]:
    """A file's answers, and every location computing them read.

    Besides the flow's locations, what the answers asked of the program's
    classes and functions through values the file may never spell: an
    attribute of a value (``"\\2"``: the methods and locations the class's
    ancestors give it), calling a value (``"\\3"``: its targets, how it binds
    arguments, a generator), the overrides below a class (``"\\1"``).
    """
    # The solver notes the locations the running constraint reads; after
    # solving, that bookkeeping serves to note what one file's answers read.
    notes: dict[str, None] = {}
    attribute, invoke = solver.attribute, solver.invoke

    def noting_attribute(owner: str, name: str) -> set[str]:
        notes[f"\2{owner}\0{name}"] = None
        return attribute(owner, name)

    def noting_invoke(value: str) -> Any:
        notes["\3" + value] = None
        return invoke(value)

    solver._readers, solver._reading, solver._notes = {}, 0, notes
    solver.attribute, solver.invoke = noting_attribute, noting_invoke  # type: ignore[method-assign]
    try:
        answers = file_answers(solver, facts)
    finally:
        read, solver._readers, solver._reading, solver._notes = solver._readers, {}, -1, None
        del solver.attribute, solver.invoke
    lambdas = (f"\0{facts.module}.{d.qualname}" for d in facts.definitions if d.kind == "lambda")
    # Sorted: which locations were read is what counts, and the order values
    # are visited in (sets whose history differs) must not make two reads differ.
    return answers, tuple(sorted({*read, *notes, *lambdas}))


def read_values(solver: FlowSolver, reads: Iterable[Reads]) -> dict[str, int]:
    """The values of every location in ``reads``, to compare a later tree's with."""
    out: dict[str, int] = {}
    for locations in reads:
        for location in locations:
            if location not in out:
                out[location] = _value(solver, location)
    return out


def _value(solver: FlowSolver, location: str) -> int:
    """The digest of what ``location`` holds in ``solver``'s program (memoised there)."""
    known = solver._digests.get(location)
    if known is None:
        known = solver._digests[location] = digest(_values(solver, location))
    return known


def _values(solver: FlowSolver, location: str) -> Iterable[str]:
    head = location[:1]
    if head == "\0":
        return ("called",) if location[1:] in solver.called else ()
    if head == "\1":
        klass, _, name = location[1:].partition("\0")
        return overrides(solver, klass, name)
    if head == "\2":
        owner, _, name = location[1:].partition("\0")
        known = solver._attributes.get((owner, name))
        if known is None:
            known = solver._attributes[(owner, name)] = solver._attribute(owner, name)
        fixed, locations = known
        out = {*fixed, *("\0" + place for place in locations)}
        if solver._extends_outside(owner.removesuffix("()")):
            out.add("\0outside")
        return out
    if head == "\3":
        # A repr, not the sets: it is compared across processes and runs.
        invoked = static_invoke(solver, location[1:])
        if invoked is None:
            return ()
        targets, binder, fixed, returned = invoked
        return (repr((targets, binder, sorted(fixed), returned)),)
    return solver.pts.get(location) or ()
