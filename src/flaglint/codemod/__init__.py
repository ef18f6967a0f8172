"""Removing a flag: rewrite the code as if the flag were permanently on or off.

The inventory says which files read the key and where; only those files are
parsed with LibCST (with positions), so everything else in them, comments and
formatting included, comes back byte for byte. What cannot be rewritten with
certainty is left untouched and listed for a human.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import libcst as cst
from libcst.metadata import MetadataWrapper

from flaglint.codemod.generators import KeepGenerators, generator_paths
from flaglint.codemod.imports import drop_orphaned_imports
from flaglint.codemod.targets import find_targets
from flaglint.codemod.transform import FlagFolder
from flaglint.facts.parse import parse_source
from flaglint.project import Project

__all__ = [
    "FileRewrite",
    "Leftover",
    "RemovalPlan",
    "WriteReport",
    "apply_plan",
    "plan_removal",
    "render_diff",
]


@dataclass(frozen=True, order=True)
class Leftover:
    """A read of the flag that the codemod did not rewrite, and why."""

    path: str
    line: int
    reason: str


@dataclass(frozen=True)
class FileRewrite:
    """One file's text before and after the rewrite."""

    path: str
    before: bytes
    after: bytes


@dataclass(frozen=True)
class RemovalPlan:
    """What removing ``key`` (kept ``on`` or off) changes, leaves, and strands."""

    key: str
    keep_on: bool
    rewrites: tuple[FileRewrite, ...]
    leftovers: tuple[Leftover, ...]
    # Functions only the removed polarity of the flag reached: candidates for deletion.
    unreachable: tuple[str, ...]
    # Where the key itself is still defined: constants and toggle objects (path, line, name).
    definitions: tuple[tuple[str, int, str], ...] = ()


def plan_removal(project: Project, key: str, keep_on: bool) -> RemovalPlan:
    """Rewrite every file that reads ``key``; nothing is written to disk here."""
    paths = sorted({r.path for r in project.inventory.reads if r.key == key})
    unreachable = tuple(sorted(project.graph.reach(key, not keep_on).exclusive))
    rewrites: list[FileRewrite] = []
    leftovers: list[Leftover] = []
    for path in paths:
        before = (project.config.root / path).read_bytes()
        after, left = rewrite_source(project, path, before, key, keep_on)
        leftovers.extend(left)
        if after != before:
            rewrites.append(FileRewrite(path, before, after))
    return RemovalPlan(
        key,
        keep_on,
        tuple(rewrites),
        tuple(sorted(set(leftovers))),
        unreachable,
        key_definitions(project, key),
    )


def key_definitions(project: Project, key: str) -> tuple[tuple[str, int, str], ...]:
    """Module and class bindings that spell the key: ``X = "key"``, ``X = WaffleFlag("key")``."""
    inventory = project.inventory
    found: list[tuple[str, int, str]] = []
    for facts in inventory.files:
        for binding in facts.bindings:
            name = f"{binding.scope}.{binding.name}" if binding.scope else binding.name
            if binding.kind == "str" and binding.value == key:
                found.append((facts.path, binding.line, name))
            elif binding.kind == "call" and binding.call >= 0:
                target = inventory.resolver.resolve(facts.module, binding.value, binding.scope)
                provider = inventory.table.by_toggle(target)
                if provider is None:
                    continue
                call = facts.calls[binding.call]
                position, keyword = provider.key_position(""), provider.key_keyword
                arg = next(
                    (a for a in call.args if a.position == position or a.keyword == keyword),
                    None,
                )
                if arg is not None and inventory.resolve_arg(facts, call, arg)[0] == key:
                    found.append((facts.path, binding.line, name))
    return tuple(sorted(found))


def rewrite_source(
    project: Project, path: str, source: bytes, key: str, keep_on: bool
) -> tuple[bytes, list[Leftover]]:
    """One file's rewritten bytes and what was left in it for a human."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        return source, [Leftover(path, exc.raw_line, "LibCST cannot parse this file")]
    targets = find_targets(project, path, source, key, keep_on)
    folder = FlagFolder(targets, keep_on)
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
    if after != source:
        # Last: the generator pass rebuilds nodes, and the leftovers above are
        # found by the identity of the nodes the rewrite kept.
        kept, refused = _keep_generators(path, source, new_module)
        if refused:
            return source, refused  # a rewrite that would change what code does is not made
        after = kept.bytes
        try:
            parse_source(after)
        except SyntaxError:
            # A rewrite that does not parse is a bug here, never the user's problem.
            return source, [Leftover(path, 1, "the rewrite would not parse; file left as is")]
    return after, leftovers


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


def render_diff(plan: RemovalPlan) -> str:
    """A unified diff of every rewrite, paths relative to the root, in path order."""
    out: list[str] = []
    for rewrite in plan.rewrites:
        before = rewrite.before.decode("utf-8", errors="surrogateescape").splitlines(True)
        after = rewrite.after.decode("utf-8", errors="surrogateescape").splitlines(True)
        for line in difflib.unified_diff(
            before, after, f"a/{rewrite.path}", f"b/{rewrite.path}", n=3
        ):
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


@dataclass(frozen=True)
class WriteReport:
    """What ``--write`` did: files rewritten, and files not written with the reason."""

    written: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]


def apply_plan(plan: RemovalPlan, root: Path) -> WriteReport:
    """Write every rewrite: all or, when a file cannot even be staged, none.

    Each new file is first written in full beside its target (a temporary
    file); only when every one is staged are they renamed into place, each
    rename atomic. A folder that cannot be written, a full disk or a link out
    of the root stops the whole write before any target changes; a rename
    that fails after others succeeded is reported with the rest.
    """
    base = root.resolve()
    staged: list[tuple[str, Path, str]] = []
    failed: list[tuple[str, str]] = []
    for rewrite in plan.rewrites:
        # A link inside the tree is written through, not replaced by a plain file.
        target = (root / rewrite.path).resolve()
        if target != base and base not in target.parents:
            failed.append((rewrite.path, "it leads out of the root"))
            continue
        try:
            mode = target.stat().st_mode
            handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(rewrite.after)
                os.chmod(temporary, mode & 0o7777)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            failed.append((rewrite.path, exc.strerror or str(exc)))
            continue
        staged.append((rewrite.path, target, temporary))
    if failed:
        for _, _, temporary in staged:
            Path(temporary).unlink(missing_ok=True)
        failed.extend((path, "not written: another file could not be") for path, _, _ in staged)
        return WriteReport((), tuple(sorted(failed)))
    written: list[str] = []
    for path, target, temporary in staged:
        try:
            os.replace(temporary, target)
            written.append(path)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            failed.append((path, exc.strerror or str(exc)))
    return WriteReport(tuple(written), tuple(failed))
