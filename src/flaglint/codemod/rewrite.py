"""One file rewritten with the flag fixed, and what was left in it for a human."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import libcst as cst
from libcst.metadata import MetadataWrapper

from flaglint.codemod.generators import KeepGenerators, generator_paths
from flaglint.codemod.imports import drop_orphaned_imports
from flaglint.codemod.targets import find_targets
from flaglint.codemod.transform import FlagFolder
from flaglint.facts.parse import parse_source
from flaglint.project import Project


@dataclass(frozen=True, order=True)
class Leftover:
    """A read of the flag that the codemod did not rewrite, and why."""

    path: str
    line: int
    reason: str
    # The key it concerns, when several are removed in one run ("" with one key).
    key: str = ""


@dataclass
class FileResult:
    """One file's rewritten bytes, what was left for a human, and hints that do not block."""

    after: bytes
    leftovers: list[Leftover] = field(default_factory=list)
    # Parameters only the removed code used, and the like: a human decides.
    notes: list[Leftover] = field(default_factory=list)


class Rewriter:
    """Rewrites the files that read the keys of ``sides``, each fixed at its kept value.

    All keys are constants at once: ``a() and b()`` of two removed flags folds.

    A wrapper that does more than return the flag is judged by folding its
    own file the same way (:meth:`fold`, once per file, never recursively).
    """

    def __init__(self, project: Project, sides: Mapping[str, bool]) -> None:
        self.project = project
        self.sides = dict(sides)
        self.folded: dict[str, bytes | None] = {}
        self.busy: set[str] = set()
        # Wrappers the inventory does not know, found by folding (qualified name: verdict).
        self.derived: dict[str, tuple[bool | None, str]] = {}
        # Per file, the key and the names that mean it there (a constant's name another
        # module binds otherwise does not), for judging the comments above a folded test.
        self.flag_names: Callable[[str], frozenset[str]] = lambda path: frozenset(sides)

    def fold(self, path: str) -> bytes | None:
        """``path`` rewritten, for judging a wrapper in it; None while it is being folded."""
        if path in self.busy:
            return None
        if path not in self.folded:
            self.busy.add(path)
            try:
                source = (self.project.config.root / path).read_bytes()
                self.folded[path] = self.rewrite(path, source).after
            except OSError:
                self.folded[path] = None
            finally:
                self.busy.discard(path)
        return self.folded[path]

    def rewrite(self, path: str, source: bytes) -> FileResult:
        """One file's rewritten bytes and what was left in it for a human."""
        try:
            module = cst.parse_module(source)
        except cst.ParserSyntaxError as exc:
            return FileResult(
                source, [Leftover(path, exc.raw_line, "LibCST cannot parse this file")]
            )
        targets = find_targets(self.project, path, source, self.sides, self.fold, self.derived)
        folder = FlagFolder(targets, self.sides, self.flag_names(path))
        new_module = MetadataWrapper(module, unsafe_skip_copy=True).visit(folder)
        if new_module.code != module.code:
            new_module = drop_orphaned_imports(module, new_module)
        after = new_module.bytes
        leftovers = [Leftover(path, line, reason) for line, reason in targets.unmatched]
        surviving = _node_ids(new_module)
        by_line: dict[int, tuple[int, str]] = {}
        for node_id, (_, note) in folder.unresolved.items():
            if node_id not in surviving:
                continue
            current = by_line.get(note.line)
            if current is None or note.priority > current[0]:
                by_line[note.line] = (note.priority, note.reason)
        leftovers.extend(Leftover(path, line, reason) for line, (_, reason) in by_line.items())
        for span, leaf in targets.leaves.items():
            if span not in folder.matched and leaf.kind != "local":
                leftovers.append(Leftover(path, leaf.line, "could not match this read in the file"))
        notes = [
            Leftover(path, line, f"parameter {name} is no longer used; drop it with its arguments")
            for line, name in folder.unused_params
        ]
        notes += [
            Leftover(
                path,
                line,
                f"{where} is no longer used, but its value may do something (a call): "
                "delete it by hand if it does not",
            )
            for line, where in folder.kept_stores
        ]
        notes += [
            Leftover(
                path,
                line,
                f"{where} was deleted with the code that read it, and its value called "
                "something that no longer runs: check it had no other effect",
            )
            for line, where in folder.dropped_calls
        ]
        if after != source:
            # Last: the generator pass rebuilds nodes, and the leftovers above are
            # found by the identity of the nodes the rewrite kept.
            kept, refused = _keep_generators(path, source, new_module)
            if refused:
                # A rewrite that would change what code does is not made.
                return FileResult(source, refused)
            after = kept.bytes
            try:
                parse_source(after)
            except SyntaxError:
                # A rewrite that does not parse is a bug here, never the user's problem.
                reason = "the rewrite would not parse; file left as is"
                return FileResult(source, [Leftover(path, 1, reason)])
        return FileResult(after, leftovers, notes)


def _keep_generators(
    path: str, source: bytes, after: cst.Module
) -> tuple[cst.Module, list[Leftover]]:
    """Functions that yielded before the rewrite still do after it (see ``generators``).

    Synchronous generators get ``yield from ()``; an async generator that would
    lose its ``yield`` is reported, and the caller leaves the file as it is.
    """
    try:
        (was, defined_before), (now, defined_after) = (
            generator_paths(source),
            generator_paths(after.bytes),
        )
    except SyntaxError:
        return after, []  # the caller reports a rewrite that does not parse
    lost = {p for p in was if p not in now}
    refused = [
        Leftover(path, 1, f"async generator {'.'.join(p[0])} would lose its yield; edit it by hand")
        for p in sorted(lost)
        if was[p]
    ]
    refused += [
        Leftover(
            path,
            1,
            f"generator {'.'.join(p[0])} would lose its yield, and the rewrite removed another "
            "definition of that name; edit it by hand",
        )
        for p in sorted(lost)
        if not was[p] and defined_before.get(p[0]) != defined_after.get(p[0])
    ]
    if refused:
        return after, refused
    if lost:
        after = after.visit(KeepGenerators(lost))
    return after, []


def _node_ids(module: cst.Module) -> set[int]:
    collector = _IdCollector()
    module.visit(collector)
    return collector.ids


class _IdCollector(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[int] = set()

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.ids.add(id(node))
        return True
