"""Planning a removal: every file rewritten with the flags fixed, in memory.

Several keys are removed at once, all constants at the same time: a wrapper
that reads two of them becomes constant, and the cascade deletes what only
the removed branches of any of them reached. The test editors, which match a
key by its spellings, run once per key, in key order, on the text the passes
before them left: the result does not depend on the order the keys were given.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

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
from flaglint.codemod.test_mentions import quoting_lines, template_mentions, unedited_mentions
from flaglint.codemod.wrappers import calling_files, derived_wrappers
from flaglint.facts.parse import parse_source
from flaglint.project import Project


@dataclass(frozen=True)
class FileRewrite:
    """One file's text before and after the rewrite."""

    path: str
    before: bytes
    after: bytes


@dataclass(frozen=True)
class RemovalPlan:
    """What removing ``key`` (kept ``on`` or off), and any others, changes, leaves, and strands."""

    key: str
    keep_on: bool
    rewrites: tuple[FileRewrite, ...]
    leftovers: tuple[Leftover, ...]
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
    # Every key removed and the value it keeps, in key order (``key`` is the first).
    sides: tuple[tuple[str, bool], ...] = ()
    # Functions only a key's removed side reached and still defined, with that key
    # (name, key), sorted; key "" for what the removed sides reached only together.
    reached_by: tuple[tuple[str, str], ...] = ()


def plan_removal(project: Project, key: str, keep_on: bool) -> RemovalPlan:
    """Rewrite every file that reads ``key``; nothing is written to disk here."""
    return plan_removals(project, {key: keep_on})


def plan_removals(project: Project, sides: Mapping[str, bool]) -> RemovalPlan:
    """Rewrite every file that reads a key of ``sides`` (key: kept on), all keys at once.

    With several keys, each item left for a human (and each hint) names the key
    it concerns. Nothing is written to disk here.
    """
    keys = sorted(sides)
    if not keys:
        raise ValueError("no key to remove")
    several = len(keys) > 1
    paths = sorted({r.path for r in project.inventory.reads if r.key in sides})
    rewriter = Rewriter(project, sides)
    per_key = []
    for key in keys:
        key_defined = key_definitions(project, key)
        shadowed = shadowed_names(project, key_defined)
        per_key.append(names_in_file(project, key, key_defined, shadowed))
    names_in = _union_names(per_key)
    rewriter.flag_names = names_in
    before, after, leftovers, notes = _rewrite_all(rewriter, paths)
    # Functions that read the key and return it, unknown to the inventory as
    # wrappers: their calls are reads too, so everything is rewritten again.
    derived = derived_wrappers(project, sides, after)
    if derived:
        rewriter.derived = derived
        paths = sorted(set(paths) | set(calling_files(project, derived)))
        before, after, leftovers, notes = _rewrite_all(rewriter, paths)
    changed = {p: before[p] for p in after}
    if several:
        leftovers = _labelled(project, sides, leftovers)
        notes = _labelled(project, sides, notes)

    deleted_tests: list[DeletedTest] = []
    # Each test editor reads what the ones before it left and reports in those lines:
    # its reports are told in the lines of the file on disk.
    lines = OriginalLines(project.config.root, changed)
    label = ""

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
        leftovers.extend(
            Leftover(x.path, x.line, x.reason, label) for x in lines.mapped(found, seen)
        )
        notes.extend(Leftover(x.path, x.line, x.reason, label) for x in lines.mapped(hints, seen))
        for path, text in tests.items():
            changed.setdefault(path, (project.config.root / path).read_bytes())
            after[path] = text

    constants = constant_functions(before, after)
    if not leftovers:
        # Wrappers now ``return True``: tests that patch them are edited as well, so
        # that the cascade can delete the wrappers (see ``patched_tests``).
        modules = frozenset(f.module for f in project.files)
        take(*edit_tests(project.config.root, constants, modules, after))
    key_names: dict[str, frozenset[str]] = {}
    for key in keys:
        label = key if several else ""
        key_names[key] = _edit_key_tests(project, key, sides[key], after, take)
    label = ""
    template_notes = _fold_templates(project, changed, after)
    notes.extend(Leftover(n.path, n.line, n.reason) for n in template_notes)
    after.update(drop_orphaned_attributes(project.config.root, changed, after))
    inlined, properties = inline_constant_properties(project.config.root, changed, after)
    after.update(inlined)
    definitions = tuple(sorted(d for key in keys for d in key_definitions(project, key)))
    reached = {key: frozenset(project.graph.reach(key, not sides[key]).exclusive) for key in keys}
    if several:  # what the removed sides reach only together: "" names no one key
        together = project.graph.exclusive_of((key, not sides[key]) for key in keys)
        reached[""] = frozenset(together).difference(*reached.values())
    exclusive = frozenset().union(*reached.values())
    # Wrappers of the keys left as ``return True``, called or not: deleted when nothing
    # names them. Other functions made constant may be entry points: they stay.
    wrappers = set(derived) | {
        r.provider.removeprefix("wrapper:")
        for r in project.inventory.reads
        if r.key in sides and r.provider.startswith("wrapper:")
    }
    wrapper_names = {target.rpartition(".")[2] for target in wrappers}
    emptied = frozenset(n for n in constants if n in wrapper_names and not leftovers)
    final, deleted, check = cascade(
        project, changed, after, definitions, exclusive, emptied, frozenset(sides)
    )
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
    # Per key, so that each docstring names the keys it describes.
    stale: dict[tuple[str, int, str], list[str]] = {}
    for key, names_of in zip(keys, per_key, strict=True):
        read_lines: dict[str, set[int]] = {}
        for read in project.inventory.reads:
            if read.key == key:
                read_lines.setdefault(read.path, set()).add(read.line)
        for site in stale_docstrings(read_lines, names_of, changed, final):
            stale.setdefault(site, []).append(key)
    for (path, line, qualname), about in sorted(stale.items()):
        reason = f"{qualname}: its docstring still describes the flag; reword it"
        notes.append(Leftover(path, line, reason, ", ".join(about) if several else ""))
    # Last: a test that still names the flag, untouched above, may assert the removed side.
    reported = {(x.path, x.line) for x in [*leftovers, *notes]} | {d[:2] for d in definitions}
    for key in keys:
        label = key if several else ""
        test_paths = (f.path for f in project.files)
        mentioned = unedited_mentions(
            project.config.root,
            test_paths,
            final,
            key,
            key_names[key],
            project.config.tests,
            reported,
        )
        leftovers.extend(replace(x, key=label) for x in mentioned)
        reported |= {(x.path, x.line) for x in mentioned}
        notes.extend(
            replace(x, key=label) for x in template_mentions(project.config.root, final, key)
        )
    leftovers.extend(_unanalysed(project, keys if several else [""], keys))
    if several:
        leftovers = _labelled(project, sides, leftovers)
        notes = _labelled(project, sides, notes)
    gone = {f"{project.by_path[d.path].module}.{d.qualname}" for d in deleted}
    gone_lines = {(d.path, d.line) for d in deleted}
    notes = [n for n in notes if (n.path, n.line) not in gone_lines]
    by_hand = {f"{project.by_path[c.path].module}.{c.qualname}" for c in check}
    reached_by = sorted((n, k) for k in reached for n in reached[k] - gone - by_hand)
    return RemovalPlan(
        keys[0],
        sides[keys[0]],
        tuple(rewrites),
        tuple(sorted(one_per_site(leftovers))),
        definitions,
        tuple(deleted),
        tuple(check),
        tuple(sorted(set(notes))),
        tuple(sorted(deleted_tests)),
        tuple((key, sides[key]) for key in keys),
        tuple(reached_by),
    )


Take = Callable[..., None]


def _unanalysed(project: Project, labels: Sequence[str], keys: Sequence[str]) -> list[Leftover]:
    """A file flaglint could not analyse (FL901) that quotes a key may read it: nothing
    of it was rewritten, and the removal must not look complete."""
    found = []
    for facts in project.error_files():
        assert facts.error is not None
        text = project.source(facts.path)
        if text is None:
            continue
        for label, key in zip(labels, keys, strict=True):
            lines = quoting_lines(text, key)
            if lines:
                reason = (
                    f"not analysed ({facts.error.message}): its reads of the flag are not rewritten"
                )
                found.append(Leftover(facts.path, lines[0], reason, label))
    return found


def _edit_key_tests(
    project: Project, key: str, keep_on: bool, after: dict[str, bytes], take: Take
) -> frozenset[str]:
    """The test editors for one key, on what the passes before left; the key's names."""
    # Tests that override the flag itself (waffle's testutils) or set it; first, ddt
    # columns feeding those overrides are narrowed to the kept value.
    definitions = key_definitions(project, key)
    names = frozenset(d[2].rpartition(".")[2] for d in definitions)
    shadowed = shadowed_names(project, definitions)
    if shadowed:  # another value has the name too: a test may mean either
        names = names - shadowed.keys()
        take({}, (), shadowed_leftovers(project, key, shadowed, after))
    root, tests = project.config.root, project.config.tests
    outside = called_outside_tests(project)
    take(*edit_ddt_columns(root, key, keep_on, names, after, tests, outside))
    module_paths = {f.module: f.path for f in project.files}
    default = known_default(project, key)
    take(*edit_overrides(root, key, keep_on, names, after, module_paths, default, tests, outside))
    # Tests that write it into a mapping (pytest-django's ``settings``), parametrized or not.
    take(*edit_assignments(root, key, keep_on, names, after, tests, outside))
    # Tests that patch the SDK's read function where only this flag can be meant.
    inventory = project.inventory
    providers = inventory.table.providers
    take(
        *edit_sdk_patches(
            root, key, keep_on, inventory.reads, providers, module_paths, after, tests
        )
    )
    return names


def _union_names(
    per_key: Sequence[Callable[[str], frozenset[str]]],
) -> Callable[[str], frozenset[str]]:
    """Per file, the names that mean any of the keys there."""
    if len(per_key) == 1:
        return per_key[0]
    return lambda path: frozenset().union(*(names(path) for names in per_key))


def _labelled(
    project: Project, sides: Mapping[str, bool], found: Sequence[Leftover]
) -> list[Leftover]:
    """Each report without a key names the keys read on its line, else in its file."""
    on_line: dict[tuple[str, int], set[str]] = {}
    in_file: dict[str, set[str]] = {}
    for read in project.inventory.reads:
        if read.key in sides:
            on_line.setdefault((read.path, read.line), set()).add(read.key)
            in_file.setdefault(read.path, set()).add(read.key)
    out = []
    for item in found:
        if item.key:
            out.append(item)
            continue
        keys = on_line.get((item.path, item.line)) or in_file.get(item.path) or set(sides)
        out.append(replace(item, key=", ".join(sorted(keys))))
    return out


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
