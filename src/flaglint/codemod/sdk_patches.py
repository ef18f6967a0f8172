"""Tests that patch the SDK's read function itself, where it can only mean the removed flag.

``@mock.patch.object(waffle, "flag_is_active")`` (or ``patch("waffle.flag_is_active",
return_value=False)``) sets every flag that function reads, not one key. Such a test
is edited like a patch of a project wrapper (see ``patched_tests``) only when the
project modules the test module imports read no flag but the removed one through
that SDK: then the patch to the kept value goes with its mock, and a test patching
it to the removed value exercised code that is gone and is deleted. When those
modules also read other flags through it, a patch to the removed value is left for
a human with the other keys named; a test module importing nothing that reads the
removed flag is not touched.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import libcst as cst

from flaglint.codemod.imports import drop_orphaned_imports
from flaglint.codemod.patched_tests import DeletedTest, PatchLeftover, _TestEditor
from flaglint.codemod.setters import is_test_path
from flaglint.codemod.tree import current_texts
from flaglint.facts.parse import parse_source
from flaglint.flags.model import FlagRead
from flaglint.flags.providers import Provider


def sdk_functions(
    providers: Iterable[Provider], used: Iterable[str]
) -> tuple[frozenset[str], frozenset[str]]:
    """(function names, their modules) of the providers named in ``used``: what a test
    patches (``flag_is_active``) and where (``waffle``, ``waffle.decorators``)."""
    names: set[str] = set()
    owners: set[str] = set()
    wanted = set(used)
    for provider in providers:
        if provider.name not in wanted or provider.env:
            continue
        for qualified in provider.functions:
            owner, _, name = qualified.rpartition(".")
            names.add(name)
            owners.add(owner)
        owners.update(d.rpartition(".")[0] for d in provider.decorators)
        owners.update(provider.modules)
    return frozenset(names), frozenset(o for o in owners if o)


def edit_sdk_patches(
    root: Path,
    key: str,
    keep_on: bool,
    reads: Sequence[FlagRead],
    providers: Iterable[Provider],
    modules: Mapping[str, str],
    current: dict[str, bytes],
    tests: Sequence[str],
) -> tuple[dict[str, bytes], list[DeletedTest], list[PatchLeftover]]:
    """Test modules patching the SDK function ``key`` is read through, edited where only
    ``key`` can be meant. ``modules`` maps the project's module names to paths."""
    used = {r.provider for r in reads if r.key == key}
    names, owners = sdk_functions(providers, used)
    edited: dict[str, bytes] = {}
    deleted: list[DeletedTest] = []
    leftovers: list[PatchLeftover] = []
    if not names:
        return edited, deleted, leftovers
    keys_by_path: dict[str, set[str | None]] = {}
    for read in reads:
        if read.provider in used:
            keys_by_path.setdefault(read.path, set()).add(read.key)
    spelled = [name.encode() for name in sorted(names)]
    constants = {name: keep_on for name in names}
    for _, relative, text in current_texts(root, (".py",), current):
        if not is_test_path(relative, tests) or not any(n in text for n in spelled):
            continue
        module_name = next((m for m, p in modules.items() if p == relative), "")
        keys: set[str | None] = set()
        for path in _imported_paths(text, module_name, modules):
            keys |= keys_by_path.get(path, set())
        if key not in keys:
            continue
        try:
            module = cst.parse_module(text)
        except cst.ParserSyntaxError:
            continue
        editor = _TestEditor(relative, constants, owners)
        new_module = cst.MetadataWrapper(module, unsafe_skip_copy=True).visit(editor)
        if keys == {key}:
            deleted.extend(editor.deleted)
            leftovers.extend(editor.leftovers)
            if new_module.code != module.code:
                edited[relative] = drop_orphaned_imports(module, new_module).bytes
            continue
        others = ", ".join(sorted(k or "a dynamic key" for k in keys - {key}))
        for test in editor.deleted:
            reason = (
                f"{test.qualname} {test.reason.removeprefix('it ')}, but the code it imports "
                f"also reads {others} through it; edit it by hand"
            )
            leftovers.append(PatchLeftover(test.path, test.line, reason))
    return edited, sorted(deleted), sorted(set(leftovers))


def _imported_paths(text: bytes, own: str, modules: Mapping[str, str]) -> set[str]:
    """Paths of the project modules ``text`` imports (``from a import b``: ``a`` and
    ``a.b``), matched by their whole dotted name or its tail (``apps.`` roots)."""
    try:
        tree = parse_source(text)
    except (SyntaxError, ValueError):
        return set()
    package = own.rpartition(".")[0]
    wanted: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            wanted.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package
                for _ in range(node.level - 1):
                    parent = parent.rpartition(".")[0]
                base = ".".join(p for p in (parent, base) if p)
            if base:
                wanted.add(base)
            wanted.update(f"{base}.{alias.name}" if base else alias.name for alias in node.names)
    found: set[str] = set()
    for name, path in modules.items():
        if any(name == w or name.endswith("." + w) for w in wanted):
            found.add(path)
    return found
