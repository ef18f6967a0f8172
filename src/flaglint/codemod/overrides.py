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

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from flaglint.codemod.default_tests import default_test_reason
from flaglint.codemod.imports import from_imports
from flaglint.codemod.patched_tests import DeletedTest, PatchLeftover
from flaglint.codemod.patches import _boolean, _dotted, _WithUnwrapper
from flaglint.codemod.setter_calls import CallFinder
from flaglint.codemod.setters import Setter, SetterFinder, is_test_path, setter_names
from flaglint.codemod.test_editor import KeyTestEditor, edit_files, findings
from flaglint.codemod.transform import leading_lines, trimmed_block

WAFFLE_HELPERS = frozenset({"override_switch", "override_flag", "override_sample"})
EDX_HELPERS = frozenset({"override_waffle_flag", "override_waffle_switch"})
# Where waffle's and Open edX's override helpers take the name and the value.
OVERRIDE = Setter(0, "name", 1, "active", None, factory=True)
# Any other call naming the key first: ``set_config(KEY, 0)``.
OTHER = Setter(0, "name", 1, "active", None)


@dataclass(frozen=True)
class _Override:
    value: bool | None  # None: not a True/False literal


def edit_overrides(
    root: Path,
    key: str,
    keep_on: bool,
    constants: frozenset[str],
    current: dict[str, bytes],
    modules: Mapping[str, str] | None = None,
    default: bool | None = None,
    tests: Sequence[str] = (),
    called_outside_tests: Collection[str] = frozenset(),
) -> tuple[dict[str, bytes], list[DeletedTest], list[PatchLeftover], list[PatchLeftover]]:
    """Every Python file under ``root`` that overrides or sets ``key`` in a test, edited.

    ``constants`` are the names bound to the key (or to a toggle object of it):
    ``NAME``, ``mod.NAME`` and ``Class.NAME`` all name it by their last part.
    ``modules`` maps the project's module names to their paths (where a test's
    helpers are imported from); ``default`` is the flag's value where nobody set it,
    when certain (see ``default_tests``); ``tests`` the project's test globs (only
    functions of test modules are tests); ``called_outside_tests`` the names that
    code outside the tests calls or imports: a function so named is never deleted.
    """
    finder = SetterFinder(root, modules or {}, current, tests)

    def editor_for(path: str, text: bytes, module: cst.Module) -> _OverrideEditor:
        helpers = {name: OVERRIDE for name in _helper_names(module)}
        helpers.update(setter_names(module, path, text, finder, modules or {}))
        editor = _OverrideEditor(path, key, keep_on, constants, helpers, tests)
        editor.default = default
        editor.called_outside_tests = called_outside_tests
        return editor

    edited, editors = edit_files(root, key, constants, current, lambda *_: True, editor_for)
    deleted, leftovers, notes = findings(editors)
    return edited, deleted, leftovers, notes


def _helper_names(module: cst.Module) -> frozenset[str]:
    """The local names of the override helpers: their own, and aliases of waffle's."""
    names = set(WAFFLE_HELPERS | EDX_HELPERS)
    for _, alias in from_imports(module):
        imported = _dotted(alias.name)
        if imported in WAFFLE_HELPERS | EDX_HELPERS and alias.asname is not None:
            asname = alias.asname.name
            if isinstance(asname, cst.Name):
                names.add(asname.value)
    return frozenset(names)


class _OverrideEditor(KeyTestEditor):
    def __init__(
        self,
        path: str,
        key: str,
        keep_on: bool,
        constants: frozenset[str],
        helpers: dict[str, Setter],
        tests: Sequence[str],
    ) -> None:
        super().__init__(path, key, keep_on, constants)
        self.helpers = helpers
        self.test_file = is_test_path(path, tests)
        self.handled: set[int] = set()
        self.withs: set[int] = set()
        self.dropped: set[int] = set()  # decorators setting the kept value
        self.gone: set[int] = set()  # test functions deleted
        self.removed_by = ""
        self.set_calls: set[int] = set()  # setter calls of the kept value, as statements
        self.set_lines: set[int] = set()  # their statements (ids of the originals)
        self.default: bool | None = None  # the flag's value where nobody set it
        self.classes: list[cst.ClassDef] = []
        self.functions: list[cst.FunctionDef] = []

    def _setter(self, node: cst.BaseExpression, factory: bool) -> Setter | None:
        """The helper ``node`` calls, when it is one of the kind asked and names the key."""
        if not isinstance(node, cst.Call):
            return None
        func = _dotted(node.func)
        setter = self.helpers.get(func.split(".")[-1]) if func else None
        if setter is None or setter.factory != factory:
            return None
        positional = [a for a in node.args if a.keyword is None and not a.star]
        keywords = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
        if len(positional) > setter.name_index:
            first = positional[setter.name_index].value
        else:
            first = keywords.get(setter.name_param)
        if first is None or not self._names_key(first):
            return None
        self.handled.add(id(node))
        return setter

    def _spells(self, text: str) -> bool:
        """``text`` spells the key or a name bound to it."""
        return self.key in text or any(
            re.search(rf"\b{re.escape(name)}\b", text) for name in self.constants
        )

    def _override(self, node: cst.BaseExpression) -> _Override | None:
        setter = self._setter(node, factory=True)
        if setter is None:
            return None
        assert isinstance(node, cst.Call)
        return _Override(_set_value(node, setter))

    def _leave_at(self, line: int, reason: str) -> None:
        self.leftovers.append(PatchLeftover(self.path, line, f"{reason}; edit it by hand"))

    def leave_Decorator(
        self, original_node: cst.Decorator, updated_node: cst.Decorator
    ) -> cst.Decorator | cst.RemovalSentinel:
        return cst.RemoveFromParent() if id(original_node) in self.dropped else updated_node

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.dropped |= self._decorators(node, is_class=True)
        self.classes.append(node)
        return super().visit_ClassDef(node)

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        self.classes.pop()
        return super().leave_ClassDef(original_node, updated_node)

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
                self._leave_at(
                    self._line(decorator),
                    f"{what} overrides {self.key} with a value that is not True/False",
                )
            elif override.value == self.keep_on:
                drop.add(id(decorator))
            elif is_class or not node.name.value.startswith("test"):
                self._leave_at(
                    self._line(decorator),
                    f"{what} overrides {self.key} to {override.value}, the removed value",
                )
            else:
                self.removed_by = f"it overrode {self.key} to {override.value}, the removed value"
        return drop

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.dropped |= self._decorators(node, is_class=False)
        self.scope.append(node.name.value)
        self.functions.append(node)
        if not self.removed_by and self.test_file:
            self._setter_calls(node)
        if (
            not self.removed_by
            and self.test_file
            and self.default is not None
            and self.default != self.keep_on
            and len(self.scope) <= 2
        ):
            self.removed_by = default_test_reason(
                node, self.classes, self._spells, self.key, self.constants
            )
        if self.removed_by and node.name.value in self.called_outside_tests:
            qualname = ".".join(self.scope)
            self._leave_at(
                self._line(node),
                f"{qualname} looks like a test of the removed side ({self.removed_by}) "
                "but code outside the tests calls it",
            )
            self.removed_by = ""
        if self.removed_by:
            qualname = ".".join(self.scope)
            self.deleted.append(DeletedTest(self.path, self._line(node), qualname, self.removed_by))
            self.gone.add(id(node))
            self.removed_by = ""
        return True

    def _setter_calls(self, node: cst.FunctionDef) -> None:
        """Calls of the project's setter helpers in ``node``'s own body, decided together."""
        finder = CallFinder()
        node.body.visit(finder)
        calls = [(c, s) for c, s in finder.calls if self._setter(c, factory=False) is not None]
        if not calls:
            return
        qualname = ".".join(self.scope)
        values = {
            _set_value(call, self.helpers[_dotted(call.func).split(".")[-1]]) for call, _ in calls
        }
        func = _dotted(calls[0][0].func)
        if values == {self.keep_on}:
            for call, statement in calls:
                if statement is not None:
                    self.set_calls.add(id(call))
                    self.set_lines.add(statement)
                    continue
                reason = (
                    f"{qualname} sets {self.key} to the kept value with {func}(...); "
                    "the call can go"
                )
                self.notes.append(PatchLeftover(self.path, self._line(call), reason))
        elif (
            values == {not self.keep_on}
            and node.name.value.startswith("test")
            and (len(self.scope) <= 2)
            and not any(id(call) in finder.conditional for call, _ in calls)
        ):
            value = not self.keep_on
            self.removed_by = f"it set {self.key} to {value}, the removed value, with {func}(...)"
        else:
            why = (
                "to both values"
                if values == {True, False}
                else "to a value that is not True/False"
                if None in values
                else f"to {not self.keep_on}, the removed value, on some paths only"
                if any(id(call) in finder.conditional for call, _ in calls)
                else f"to {not self.keep_on}, the removed value, outside a test"
            )
            for call, _ in calls:
                reason = f"{qualname} sets {self.key} {why} with {func}(...); edit it by hand"
                self.leftovers.append(PatchLeftover(self.path, self._line(call), reason))

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        if id(original_node) in self.set_lines:
            return cst.RemoveFromParent()
        return updated_node

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef | cst.RemovalSentinel:
        self.scope.pop()
        self.functions.pop()
        if id(original_node) in self.gone:
            return cst.RemoveFromParent()
        return updated_node

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        removed = self.gone | self.set_lines
        if len(updated_node.body) == len(original_node.body):
            return updated_node
        # A statement after a dropped setter call takes its blank lines: the blank
        # line that separated the call from the test's body goes with it.
        body = list(updated_node.body)
        kept = iter(range(len(body)))
        index = -1
        previous: cst.BaseStatement | None = None
        for statement in original_node.body:
            if id(statement) in removed:
                previous = statement if id(statement) in self.set_lines else None
                continue
            index = next(kept)
            if previous is not None and index > 0:
                comments = [x for x in leading_lines(body[index]) if x.comment is not None]
                lines = [*leading_lines(previous), *comments]
                body[index] = body[index].with_changes(leading_lines=lines)
            previous = None
        return trimmed_block(original_node, updated_node.with_changes(body=body), removed)

    def visit_With(self, node: cst.With) -> None:
        for item in node.items:
            override = self._override(item.item)
            if override is None:
                continue
            if override.value is None:
                self._leave_at(
                    self._line(node),
                    f"a `with` overrides {self.key} with a value that is not True/False",
                )
            elif override.value != self.keep_on:
                self._leave_at(
                    self._line(node),
                    f"a `with` overrides {self.key} to {override.value}, the removed value",
                )
            elif len(node.items) != 1 or item.asname is not None:
                self._leave_at(self._line(node), f"a `with` of several items overrides {self.key}")
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
        if func and self._setter(node, factory=True) is not None:
            # ``override_switch(KEY, active=True).enable()`` in a ``setUp``: not a decorator.
            qualname = ".".join(self.scope)
            reason = (
                f"{qualname} overrides {self.key} with {func}(...) outside a decorator or `with`"
            )
            self._leave_at(self._line(node), reason)
            return
        if not func or any(id(f) in self.gone for f in self.functions):
            # A call in a deleted test goes with it.
            return
        if func.split(".")[-1] in self.helpers and any(a.star for a in node.args):
            # ``set_switch(*ARGS)``: which flag and value it sets cannot be read here.
            qualname = ".".join(self.scope)
            reason = f"{qualname} calls {func}(...) with unpacked arguments; check the test by hand"
            self.leftovers.append(PatchLeftover(self.path, self._line(node), reason))
            return
        args = [a.value for a in node.args if a.keyword is None][:1]
        args += [a.value for a in node.args if a.keyword is not None and a.keyword.value == "name"]
        if not any(self._names_key(a) for a in args) or len(node.args) < 2:
            return
        qualname = ".".join(self.scope)
        line = self._line(node)
        if _set_value(node, OTHER) == self.keep_on:
            # The test ran with the kept value: it still passes, the call is only dead.
            reason = (
                f"{qualname} sets {self.key} to the kept value with {func}(...); the call can go"
            )
            self.notes.append(PatchLeftover(self.path, line, reason))
        else:
            reason = f"{qualname} sets {self.key} with {func}(...); check the test by hand"
            self.leftovers.append(PatchLeftover(self.path, line, reason))


def _set_value(call: cst.Call, setter: Setter = OVERRIDE) -> bool | None:
    """The literal a setter call gives (second argument or ``active=``): True/False/1/0."""
    if any(a.star for a in call.args):
        return None
    positional = [a.value for a in call.args if a.keyword is None]
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    if len(positional) > setter.value_index:
        value = positional[setter.value_index]
    else:
        value = keywords.get(setter.value_param)
    if value is None:
        return setter.default
    if len(positional) > max(setter.name_index, setter.value_index) + 1 and not setter.factory:
        return None
    if isinstance(value, cst.Integer) and value.value in ("0", "1"):
        return value.value == "1"
    return _boolean(value)
