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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from flaglint.codemod.attributes import drop_orphaned_attributes, inline_constant_properties
from flaglint.codemod.cascade import CheckByHand, Deleted, cascade
from flaglint.codemod.comments import stale_docstrings
from flaglint.codemod.ddt_columns import edit_ddt_columns
from flaglint.codemod.default_tests import called_outside_tests, known_default
from flaglint.codemod.key_names import names_in_file, shadowed_leftovers, shadowed_names
from flaglint.codemod.lines import OriginalLines, one_per_site
from flaglint.codemod.overrides import edit_overrides
from flaglint.codemod.parametrized import edit_assignments
from flaglint.codemod.patched_tests import (
    DeletedTest,
    PatchLeftover,
    constant_functions,
    edit_tests,
)
from flaglint.codemod.rewrite import Leftover, Rewriter
from flaglint.codemod.sdk_patches import edit_sdk_patches
from flaglint.codemod.templates import (
    TemplateNote,
    conditional_entries,
    drop_entries,
    fold_templates,
    folded_entries,
    read_back,
)
from flaglint.codemod.test_mentions import template_mentions, unedited_mentions
from flaglint.codemod.wrappers import calling_files, derived_wrappers
from flaglint.facts.parse import parse_source
from flaglint.project import Project

__all__ = [
    "CheckByHand",
    "Deleted",
    "DeletedTest",
    "FileRewrite",
    "Leftover",
    "RemovalPlan",
    "WriteReport",
    "apply_plan",
    "plan_removal",
    "render_diff",
]


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
    # Functions only the removed polarity of the flag reached and still defined.
    unreachable: tuple[str, ...]
    # Where the key itself is still defined: constants and toggle objects (path, line, name).
    definitions: tuple[tuple[str, int, str], ...] = ()
    # Definitions only the removed code used, deleted in the same diff.
    deleted: tuple[Deleted, ...] = ()
    # Definitions only the removed code used, kept because something may still name them.
    check_by_hand: tuple[CheckByHand, ...] = ()
    # Hints that block nothing: parameters the rewrite left unused.
    notes: tuple[Leftover, ...] = ()
    # Tests deleted because they patched a wrapper to the removed value.
    deleted_tests: tuple[DeletedTest, ...] = ()


def plan_removal(project: Project, key: str, keep_on: bool) -> RemovalPlan:
    """Rewrite every file that reads ``key``; nothing is written to disk here."""
    paths = sorted({r.path for r in project.inventory.reads if r.key == key})
    rewriter = Rewriter(project, key, keep_on)
    key_defined = key_definitions(project, key)
    names_in = names_in_file(project, key, key_defined, shadowed_names(project, key_defined))
    rewriter.flag_names = names_in
    before, after, leftovers, notes = _rewrite_all(rewriter, paths)
    # Functions that read the key and return it, unknown to the inventory as
    # wrappers: their calls are reads too, so everything is rewritten again.
    derived = derived_wrappers(project, key, keep_on, after)
    if derived:
        rewriter.derived = derived
        paths = sorted(set(paths) | set(calling_files(project, derived)))
        before, after, leftovers, notes = _rewrite_all(rewriter, paths)
    changed = {p: before[p] for p in after}

    deleted_tests: list[DeletedTest] = []
    # Each test editor reads what the ones before it left and reports in those lines:
    # its reports are told in the lines of the file on disk.
    lines = OriginalLines(project.config.root, changed)

    def take(
        tests: dict[str, bytes],
        deleted: Sequence[DeletedTest],
        found: Sequence[PatchLeftover | Leftover],
        hints: Sequence[PatchLeftover] = (),
    ) -> None:
        """A pass's edited files join the diff (their text before is read once), and
        what it deleted and left is recorded, in the lines of the files on disk."""
        seen = dict(after)
        deleted_tests.extend(lines.mapped(deleted, seen))
        leftovers.extend(Leftover(x.path, x.line, x.reason) for x in lines.mapped(found, seen))
        notes.extend(Leftover(x.path, x.line, x.reason) for x in lines.mapped(hints, seen))
        for path, text in tests.items():
            changed.setdefault(path, (project.config.root / path).read_bytes())
            after[path] = text

    constants = constant_functions(before, after)
    if not leftovers:
        # Wrappers now ``return True``: tests that patch them are edited as well, so
        # that the cascade can delete the wrappers (see ``patched_tests``).
        modules = frozenset(f.module for f in project.files)
        take(*edit_tests(project.config.root, constants, modules, after))
    # Tests that override the flag itself (waffle's testutils) or set it; first, ddt
    # columns feeding those overrides are narrowed to the kept value.
    definitions = key_definitions(project, key)
    names = frozenset(d[2].rpartition(".")[2] for d in definitions)
    shadowed = shadowed_names(project, definitions)
    if shadowed:  # another value has the name too: a test may mean either
        names = names - shadowed.keys()
        take({}, (), shadowed_leftovers(project, key, shadowed, after))
    take(
        *edit_ddt_columns(
            project.config.root,
            key,
            keep_on,
            names,
            after,
            project.config.tests,
            called_outside_tests(project),
        )
    )
    module_paths = {f.module: f.path for f in project.files}
    take(
        *edit_overrides(
            project.config.root,
            key,
            keep_on,
            names,
            after,
            module_paths,
            known_default(project, key),
            project.config.tests,
            called_outside_tests(project),
        )
    )
    # Tests that write it into a mapping (pytest-django's ``settings``), parametrized or not.
    take(
        *edit_assignments(
            project.config.root,
            key,
            keep_on,
            names,
            after,
            project.config.tests,
            called_outside_tests(project),
        )
    )
    # Tests that patch the SDK's read function where only this flag can be meant.
    inventory = project.inventory
    take(
        *edit_sdk_patches(
            project.config.root,
            key,
            keep_on,
            inventory.reads,
            inventory.table.providers,
            module_paths,
            after,
            project.config.tests,
        )
    )
    template_notes = _fold_templates(project, changed, after)
    notes.extend(Leftover(n.path, n.line, n.reason) for n in template_notes)
    after.update(drop_orphaned_attributes(project.config.root, changed, after))
    inlined, properties = inline_constant_properties(project.config.root, changed, after)
    after.update(inlined)
    definitions = key_definitions(project, key)
    exclusive = frozenset(project.graph.reach(key, not keep_on).exclusive)
    # Wrappers of the key left as ``return True``, called or not: deleted when nothing
    # names them. Other functions made constant may be entry points: they stay.
    wrappers = set(derived) | {
        r.provider.removeprefix("wrapper:")
        for r in project.inventory.reads
        if r.key == key and r.provider.startswith("wrapper:")
    }
    wrapper_names = {target.rpartition(".")[2] for target in wrappers}
    emptied = frozenset(n for n in constants if n in wrapper_names and not leftovers)
    final, deleted, check = cascade(project, changed, after, definitions, exclusive, emptied)
    deleted = sorted([*deleted, *(Deleted(*p) for p in properties)])
    gone_names = {(d.path, d.qualname) for d in deleted}
    definitions = tuple(d for d in definitions if (d[0], d[2]) not in gone_names)
    rewrites = []
    for path in sorted(final):
        original = changed.get(path) or before.get(path)
        if original is None:
            original = (project.config.root / path).read_bytes()
        if final[path] == original:
            continue
        try:
            if path.endswith((".py", ".pyi")):
                parse_source(final[path])
        except (SyntaxError, ValueError):
            # --write only ever writes whole files that parse; a bug here is never the user's.
            leftovers.append(Leftover(path, 1, "the rewrite would not parse; file left as is"))
            continue
        rewrites.append(FileRewrite(path, original, final[path]))
    read_lines: dict[str, set[int]] = {}
    for read in project.inventory.reads:
        if read.key == key:
            read_lines.setdefault(read.path, set()).add(read.line)
    for path, line, qualname in stale_docstrings(read_lines, names_in, changed, final):
        reason = f"{qualname}: its docstring still describes the flag; reword it"
        notes.append(Leftover(path, line, reason))
    # Last: a test that still names the flag, untouched above, may assert the removed side.
    reported = {(x.path, x.line) for x in [*leftovers, *notes]} | {d[:2] for d in definitions}
    test_paths = (f.path for f in project.files)
    leftovers.extend(
        unedited_mentions(
            project.config.root, test_paths, final, key, names, project.config.tests, reported
        )
    )
    notes.extend(template_mentions(project.config.root, final, key))
    gone = {f"{project.by_path[d.path].module}.{d.qualname}" for d in deleted}
    gone_lines = {(d.path, d.line) for d in deleted}
    notes = [n for n in notes if (n.path, n.line) not in gone_lines]
    by_hand = {f"{project.by_path[c.path].module}.{c.qualname}" for c in check}
    unreachable = sorted(exclusive - gone - by_hand)
    return RemovalPlan(
        key,
        keep_on,
        tuple(rewrites),
        tuple(sorted(one_per_site(leftovers))),
        tuple(unreachable),
        definitions,
        tuple(deleted),
        tuple(check),
        tuple(sorted(set(notes))),
        tuple(sorted(deleted_tests)),
    )


def _fold_templates(
    project: Project, changed: dict[str, bytes], after: dict[str, bytes]
) -> list[TemplateNote]:
    """Context entries the rewrite made literal: templates folded, entries dropped (in place)."""
    names = folded_entries(changed, after)
    conditional = conditional_entries(changed, after)
    if not names:
        return conditional
    root = project.config.root
    trial = {path: drop_entries(text, set(names)) for path, text in after.items()}
    read = read_back(root, set(names), trial)
    notes = [
        TemplateNote(
            where.split(":")[0],
            int(where.split(":")[1]),
            f"reads or sets {name} too; the template's condition and the entry kept",
        )
        for name, where in sorted(read.items())
    ]
    notes.extend(conditional)
    folded, done, template_notes = fold_templates(
        root, {n: v for n, v in names.items() if n not in read}, after
    )
    notes.extend(template_notes)
    if not done:
        return notes
    for path, text in after.items():
        after[path] = drop_entries(text, done)
    for path, text in folded.items():
        if any(name.encode() in (root / path).read_bytes() for name in done):
            changed.setdefault(path, (root / path).read_bytes())
            after[path] = text
    return notes


def _rewrite_all(
    rewriter: Rewriter, paths: list[str]
) -> tuple[dict[str, bytes], dict[str, bytes], list[Leftover], list[Leftover]]:
    before: dict[str, bytes] = {}
    after: dict[str, bytes] = {}
    leftovers: list[Leftover] = []
    notes: list[Leftover] = []
    for path in paths:
        before[path] = (rewriter.project.config.root / path).read_bytes()
        result = rewriter.rewrite(path, before[path])
        leftovers.extend(result.leftovers)
        notes.extend(result.notes)
        if result.after != before[path]:
            after[path] = result.after
    return before, after, leftovers, notes


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
