"""Tests that override the removed flag itself (django-waffle's test helpers), edited.

``@override_switch(KEY, active=X)``, ``override_flag``, ``override_sample`` (from
``waffle.testutils``, under any name) and Open edX's ``override_waffle_flag`` /
``override_waffle_switch``, keyed by the flag's key or a constant spelling it,
as a method decorator, a class decorator or a ``with``: set to the kept value,
the override goes (the test still passes without it); set to the removed value
on a test method, the test exercised code that is gone and is deleted; on a
class or a ``with`` block it is left for a human. A call in a test that sets the
flag any other way (``toggle_switch(KEY, False)``, ``set_config(KEY, 0)``) is
not guessed at: the test is named for a human.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from flaglint.codemod.imports import drop_orphaned_imports
from flaglint.codemod.patched_tests import DeletedTest, PatchLeftover
from flaglint.codemod.patches import _boolean, _dotted, _string, _WithUnwrapper
from flaglint.codemod.transform import trimmed_block
from flaglint.codemod.tree import current_texts

WAFFLE_HELPERS = frozenset({"override_switch", "override_flag", "override_sample"})
EDX_HELPERS = frozenset({"override_waffle_flag", "override_waffle_switch"})


@dataclass(frozen=True)
class _Override:
    value: bool | None  # None: not a True/False literal


def edit_overrides(
    root: Path, key: str, keep_on: bool, constants: frozenset[str], current: dict[str, bytes]
) -> tuple[dict[str, bytes], list[DeletedTest], list[PatchLeftover], list[PatchLeftover]]:
    """Every Python file under ``root`` that overrides or sets ``key`` in a test, edited.

    ``constants`` are the names bound to the key (or to a toggle object of it):
    ``NAME``, ``mod.NAME`` and ``Class.NAME`` all name it by their last part.
    """
    edited: dict[str, bytes] = {}
    deleted: list[DeletedTest] = []
    leftovers: list[PatchLeftover] = []
    notes: list[PatchLeftover] = []
    spelled = [key.encode(), *(name.encode() for name in sorted(constants))]
    for _, relative, text in current_texts(root, (".py",), current):
        if not any(name in text for name in spelled):
            continue
        try:
            module = cst.parse_module(text)
        except cst.ParserSyntaxError:
            continue
        editor = _OverrideEditor(relative, key, keep_on, constants, _helper_names(module))
        new_module = cst.MetadataWrapper(module, unsafe_skip_copy=True).visit(editor)
        deleted.extend(editor.deleted)
        leftovers.extend(editor.leftovers)
        notes.extend(editor.notes)
        if new_module.code != module.code:
            edited[relative] = drop_orphaned_imports(module, new_module).bytes
    return edited, sorted(deleted), sorted(set(leftovers)), sorted(set(notes))


def _helper_names(module: cst.Module) -> frozenset[str]:
    """The local names of the override helpers: their own, and aliases of waffle's."""
    names = set(WAFFLE_HELPERS | EDX_HELPERS)
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if not isinstance(small, cst.ImportFrom) or isinstance(small.names, cst.ImportStar):
                continue
            for alias in small.names:
                imported = _dotted(alias.name)
                if imported in WAFFLE_HELPERS | EDX_HELPERS and alias.asname is not None:
                    asname = alias.asname.name
                    if isinstance(asname, cst.Name):
                        names.add(asname.value)
    return frozenset(names)


def _is_test_file(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    return (
        name.startswith("test") or name.endswith(("_test.py", "_tests.py")) or "tests" in parts[:-1]
    )


class _OverrideEditor(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (cst.metadata.PositionProvider,)

    def __init__(
        self, path: str, key: str, keep_on: bool, constants: frozenset[str], helpers: frozenset[str]
    ) -> None:
        super().__init__()
        self.path = path
        self.key = key
        self.keep_on = keep_on
        self.constants = constants
        self.helpers = helpers
        self.test_file = _is_test_file(path)
        self.scope: list[str] = []
        self.deleted: list[DeletedTest] = []
        self.leftovers: list[PatchLeftover] = []
        self.notes: list[PatchLeftover] = []  # hints that block nothing
        self.handled: set[int] = set()
        self.withs: set[int] = set()
        self.dropped: set[int] = set()  # decorators setting the kept value
        self.gone: set[int] = set()  # test functions deleted
        self.removed_by = ""

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(cst.metadata.PositionProvider, node).start.line

    def _names_key(self, node: cst.BaseExpression) -> bool:
        if _string(node) == self.key:
            return True
        dotted = _dotted(node)
        return bool(dotted) and dotted.split(".")[-1] in self.constants

    def _override(self, node: cst.BaseExpression) -> _Override | None:
        if not isinstance(node, cst.Call):
            return None
        func = _dotted(node.func)
        if not func or func.split(".")[-1] not in self.helpers:
            return None
        positional = [a for a in node.args if a.keyword is None and not a.star]
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        first = positional[0].value if positional else keywords.get("name")
        if first is None or not self._names_key(first):
            return None
        self.handled.add(id(node))
        value = positional[1].value if len(positional) > 1 else keywords.get("active")
        if value is None or any(a.star for a in node.args):
            return _Override(None)
        return _Override(_boolean(value))

    def _leave(self, line: int, reason: str) -> None:
        self.leftovers.append(PatchLeftover(self.path, line, f"{reason}; edit it by hand"))

    def leave_Decorator(
        self, original_node: cst.Decorator, updated_node: cst.Decorator
    ) -> cst.Decorator | cst.RemovalSentinel:
        return cst.RemoveFromParent() if id(original_node) in self.dropped else updated_node

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.dropped |= self._decorators(node, is_class=True)
        self.scope.append(node.name.value)
        return True

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        self.scope.pop()
        return updated_node

    def _decorators(self, node: cst.ClassDef | cst.FunctionDef, is_class: bool) -> set[int]:
        """Decorators to drop (kept value); removed values are recorded on ``self``."""
        drop: set[int] = set()
        self.removed_by = ""
        for decorator in node.decorators:
            override = self._override(decorator.decorator)
            if override is None:
                continue
            what = f"{'class ' if is_class else ''}{'.'.join([*self.scope, node.name.value])}"
            if override.value is None:
                self._leave(
                    self._line(decorator),
                    f"{what} overrides {self.key} with a value that is not True/False",
                )
            elif override.value == self.keep_on:
                drop.add(id(decorator))
            elif is_class or not node.name.value.startswith("test"):
                self._leave(
                    self._line(decorator),
                    f"{what} overrides {self.key} to {override.value}, the removed value",
                )
            else:
                self.removed_by = f"it overrode {self.key} to {override.value}, the removed value"
        return drop

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.dropped |= self._decorators(node, is_class=False)
        self.scope.append(node.name.value)
        if self.removed_by:
            qualname = ".".join(self.scope)
            self.deleted.append(DeletedTest(self.path, self._line(node), qualname, self.removed_by))
            self.gone.add(id(node))
            self.removed_by = ""
        return True

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef | cst.RemovalSentinel:
        self.scope.pop()
        if id(original_node) in self.gone:
            return cst.RemoveFromParent()
        return updated_node

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        return trimmed_block(original_node, updated_node, self.gone)

    def visit_With(self, node: cst.With) -> None:
        for item in node.items:
            override = self._override(item.item)
            if override is None:
                continue
            if override.value is None:
                self._leave(
                    self._line(node),
                    f"a `with` overrides {self.key} with a value that is not True/False",
                )
            elif override.value != self.keep_on:
                self._leave(
                    self._line(node),
                    f"a `with` overrides {self.key} to {override.value}, the removed value",
                )
            elif len(node.items) != 1 or item.asname is not None:
                self._leave(self._line(node), f"a `with` of several items overrides {self.key}")
            else:
                self.withs.add(id(node))

    def leave_With(
        self, original_node: cst.With, updated_node: cst.With
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        if id(original_node) not in self.withs:
            return updated_node
        return _WithUnwrapper({id(updated_node)}).leave_With(updated_node, updated_node)

    def visit_Call(self, node: cst.Call) -> None:
        if id(node) in self.handled or not self.test_file or not self.scope:
            return
        func = _dotted(node.func)
        if not func or func.split(".")[-1] in self.helpers:
            return
        args = [a.value for a in node.args if a.keyword is None][:1]
        args += [a.value for a in node.args if a.keyword is not None and a.keyword.value == "name"]
        if not any(self._names_key(a) for a in args) or len(node.args) < 2:
            return
        qualname = ".".join(self.scope)
        line = self._line(node)
        if _set_value(node) == self.keep_on:
            # The test ran with the kept value: it still passes, the call is only dead.
            reason = (
                f"{qualname} sets {self.key} to the kept value with {func}(...); the call can go"
            )
            self.notes.append(PatchLeftover(self.path, line, reason))
        else:
            reason = f"{qualname} sets {self.key} with {func}(...); check the test by hand"
            self.leftovers.append(PatchLeftover(self.path, line, reason))


def _set_value(call: cst.Call) -> bool | None:
    """The literal a setter call gives (second argument or ``active=``): True/False/1/0."""
    positional = [a.value for a in call.args if a.keyword is None and not a.star]
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    value = positional[1] if len(positional) > 1 else keywords.get("active")
    if value is None or len(positional) > 2 or any(a.star for a in call.args):
        return None
    if isinstance(value, cst.Integer) and value.value in ("0", "1"):
        return value.value == "1"
    return _boolean(value)
