"""What the editors of tests that set the flag share: the per-file driver and the base.

The ddt, override and assignment editors each read every Python file that spells
the key (or a name bound to it), edit it with one LibCST transformer that knows
which class and function it is in, and take the file into the diff when the text
changed, less the imports the edit orphaned. The transformer names the key as
the string itself or a constant by its last part (``NAME``, ``mod.NAME``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from pathlib import Path

import libcst as cst

from flaglint.codemod.dead_stores import _mentions
from flaglint.codemod.imports import drop_orphaned_imports
from flaglint.codemod.patched_tests import DeletedTest, PatchLeftover
from flaglint.codemod.patches import _dotted, _string
from flaglint.codemod.tree import current_texts


class KeyTestEditor(cst.CSTTransformer):
    """A transformer of one file's tests for one key: its scope (class and function
    names, outermost first), the line of a node, and what it deleted or left."""

    METADATA_DEPENDENCIES = (cst.metadata.PositionProvider,)

    def __init__(
        self,
        path: str,
        key: str,
        keep_on: bool,
        constants: frozenset[str],
        called_outside_tests: Collection[str] = frozenset(),
    ) -> None:
        super().__init__()
        self.path = path
        self.key = key
        self.keep_on = keep_on
        self.constants = constants
        # Functions code outside the tests calls or imports: never deleted.
        self.called_outside_tests = called_outside_tests
        self.scope: list[str] = []
        self.deleted: list[DeletedTest] = []
        self.leftovers: list[PatchLeftover] = []
        self.notes: list[PatchLeftover] = []  # hints that block nothing

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(cst.metadata.PositionProvider, node).start.line

    def _leave(self, node: cst.CSTNode, reason: str) -> None:
        self.leftovers.append(
            PatchLeftover(self.path, self._line(node), f"{reason}; edit it by hand")
        )

    def _names_key(self, node: cst.BaseExpression) -> bool:
        if _string(node) == self.key:
            return True
        dotted = _dotted(node)
        return bool(dotted) and dotted.split(".")[-1] in self.constants

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.scope.append(node.name.value)
        return True

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        self.scope.pop()
        return updated_node


def edit_files(
    root: Path,
    key: str,
    constants: frozenset[str],
    current: dict[str, bytes],
    wanted: Callable[[str, bytes], bool],
    editor_for: Callable[[str, bytes, cst.Module], KeyTestEditor],
) -> tuple[dict[str, bytes], list[KeyTestEditor]]:
    """Each Python file under ``root`` (as ``current`` has it) that ``wanted`` takes and
    that spells ``key`` or one of ``constants``, edited by its ``editor_for(path, text,
    module)``; the
    edited texts by path, and every editor that ran (for what it found)."""
    edited: dict[str, bytes] = {}
    editors: list[KeyTestEditor] = []
    spelled = [key.encode(), *(name.encode() for name in sorted(constants))]
    for _, relative, text in current_texts(root, (".py",), current):
        if not wanted(relative, text) or not any(name in text for name in spelled):
            continue
        try:
            module = cst.parse_module(text)
        except cst.ParserSyntaxError:
            continue
        editor = editor_for(relative, text, module)
        new_module = cst.MetadataWrapper(module, unsafe_skip_copy=True).visit(editor)
        editors.append(editor)
        if new_module.code != module.code:
            edited[relative] = drop_orphaned_imports(module, new_module).bytes
    return edited, editors


def findings(
    editors: Iterable[KeyTestEditor],
) -> tuple[list[DeletedTest], list[PatchLeftover], list[PatchLeftover]]:
    """The tests the editors deleted, what they left for a human, and their notes."""
    editors = list(editors)
    deleted = sorted(d for e in editors for d in e.deleted)
    leftovers = sorted({x for e in editors for x in e.leftovers})
    notes = sorted({x for e in editors for x in e.notes})
    return deleted, leftovers, notes


# pytest fixtures that do nothing until the test calls them (pytest-django's
# ``settings``, pytest-mock's ``mocker``, pytest's ``monkeypatch``): once the edit
# leaves one unread, it goes with the statements that read it.
INERT_FIXTURES = frozenset({"settings", "mocker", "monkeypatch"})


def params_without(
    original: cst.FunctionDef, updated: cst.FunctionDef, names: frozenset[str]
) -> cst.Parameters:
    """``updated``'s parameters less ``names``, and less the inert fixtures the test
    read before the edit and no longer reads; the last keeps the old last's comma and
    line break."""
    gone = set(names)
    for fixture in INERT_FIXTURES:
        if _mentions(original.body, fixture) and not _mentions(updated.body, fixture):
            gone.add(fixture)
    params = updated.params
    kept = [p for p in params.params if p.name.value not in gone]
    last = params.params[-1] if params.params else None
    if kept and last is not None and last.name.value in gone:
        kept[-1] = kept[-1].with_changes(
            comma=last.comma, whitespace_after_param=last.whitespace_after_param
        )
    return params.with_changes(params=kept)
