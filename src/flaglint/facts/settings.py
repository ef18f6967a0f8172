"""Per-file facts for flag value flow: boolean uses of calls, keyed setting writes, bool fields.

An environment variable is a flag when the code reads it as a boolean; what
"as a boolean" means is decided here, syntactically: the read is compared with
a boolean literal (``== "true"``, ``in ("1", "yes")``, ``is False``) or passed
to ``bool()``, directly or through a local it was assigned to. A bare test
(``if os.getenv("SENTRY_DSN"):``) is a presence check of a string, not a
boolean read: on nine real repositories such keys were DSNs, hosts and secrets.

Where a flag's value is stored for other modules to read
(``WGER_SETTINGS = {"USE_CELERY": env.bool(...)}``, ``app.config["X"] = ...``)
the write is kept as a :class:`SettingWrite`.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import TYPE_CHECKING

from flaglint.facts.conditions import CASTS, NO_GATES, Gates
from flaglint.facts.model import Atom, AttributeWrite, Call, SettingWrite, TypedField
from flaglint.facts.syntax import dotted, plain_dotted, string_method_receiver

# Literals that only a boolean is compared with: ``v == "true"``, ``v in ("1", "yes")``.
BOOLEAN_WORDS = frozenset({"1", "0", "true", "false", "yes", "no", "on", "off", "y", "n", "t", "f"})
TRUE_WORDS = frozenset({"1", "true", "yes", "on", "y", "t"})
TESTABLE = (ast.Call, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.Subscript)
BOOL_CASTS = CASTS
_EQUALITY = frozenset({ast.Eq, ast.NotEq, ast.Is, ast.IsNot})
_MEMBERSHIP = frozenset({ast.In, ast.NotIn})


def is_boolean_literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or node.value in (0, 1):
            return True
        return isinstance(node.value, str) and node.value.strip().lower() in BOOLEAN_WORDS
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        if not node.elts or not all(isinstance(e, ast.Constant) for e in node.elts):
            return False  # ``[[0, 1], [1, 0]]``: a nested literal is data, not truth words
        words = [e for e in node.elts if is_boolean_literal(e)]
        if len(words) == len(node.elts):
            return True
        # ``("false", "f", "0", "-1")``: the words of one truth value, in letters and as a
        # digit, with other numbers among them. Not ``("off", "1", "9")`` (both truth
        # values: a level) nor ``("no", "12", "13")`` (no digit word: a version).
        polarities = {_polarity(e) for e in words}
        return (
            all(is_boolean_literal(e) or _number_word(e) for e in node.elts)
            and any(_word(e) for e in words)
            and any(not _word(e) for e in words)
            and len(polarities) == 1
        )
    return False


def _polarity(node: ast.expr) -> bool:
    """The truth value a boolean literal stands for."""
    assert isinstance(node, ast.Constant)
    value = node.value
    if isinstance(value, str):
        return value.strip().lower() in TRUE_WORDS
    return bool(value)


def _word(node: ast.expr) -> bool:
    """A boolean word spelt in letters (``"false"``, ``"yes"``), not a digit."""
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value.strip().lower() in BOOLEAN_WORDS
        and node.value.strip().isalpha()
    ) or (isinstance(node, ast.Constant) and isinstance(node.value, bool))


def _number_word(node: ast.expr) -> bool:
    """``"-1"``, ``"2"``: a number written as a string."""
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return False
    return node.value.strip().lstrip("+-").isdigit()


class SettingsFactsMixin:
    """Boolean uses and setting writes; the collector provides the state named below."""

    calls: list[Call]
    atoms: list[Atom]
    _call_index: dict[int, int]
    _scope_text: str
    _scope_kinds: list[str]
    _params: list[frozenset[str]]

    if TYPE_CHECKING:

        def _cond(self, node: ast.expr) -> tuple[Gates, Gates]: ...

    def _settings_init(self) -> None:
        self.boolean_calls: set[int] = set()
        self.setting_writes: list[SettingWrite] = []
        self.bool_fields: list[TypedField] = []
        # (function scope, local name) -> the call it was last assigned, for ``v = getenv(); if v``
        self._bare_locals: dict[tuple[str, str], int] = {}
        self.boolean_params: set[tuple[str, str]] = set()
        self.attribute_writes: list[AttributeWrite] = []

    # --------------------------------------------------------- boolean uses
    def _note_test(self, node: ast.expr) -> None:
        self._boolean_uses(node, False)

    def _note_value(self, node: ast.expr) -> None:
        self._boolean_uses(node, False)

    def visit_Compare(self, node: ast.Compare) -> None:
        # The operands first: a call compared here has its index only once visited.
        self.generic_visit(node)  # type: ignore[attr-defined]
        self._boolean_uses(node, False)

    def _boolean_uses(self, node: ast.expr, tested: bool) -> None:
        # By exact class, calls first: every assigned value comes through here.
        kind = node.__class__
        if kind is ast.Call:
            args = node.args  # type: ignore[attr-defined]
            if args:
                index = self._call_index.get(id(node))
                # A visited call's callee is already spelt: no dotted() again.
                callee = (
                    self.calls[index].callee if index is not None else dotted(node.func)  # type: ignore[attr-defined]
                )
                if callee in BOOL_CASTS:
                    self._boolean_uses(args[0], True)
                    return
            receiver = string_method_receiver(node)  # type: ignore[arg-type]
            if receiver is not None:
                self._boolean_uses(receiver, tested)
                return
            if tested:
                index = self._call_index.get(id(node))
                if index is not None:
                    self.boolean_calls.add(index)
        elif kind is ast.Subscript:
            if tested:
                index = self._call_index.get(id(node))
                if index is not None:
                    self.boolean_calls.add(index)
        elif kind is ast.UnaryOp:
            if node.op.__class__ is ast.Not:  # type: ignore[attr-defined]
                self._boolean_uses(node.operand, tested)  # type: ignore[attr-defined]
        elif kind is ast.BoolOp:
            for value in node.values:  # type: ignore[attr-defined]
                self._boolean_uses(value, tested)
        elif kind is ast.NamedExpr or kind is ast.Await:
            self._boolean_uses(node.value, tested)  # type: ignore[attr-defined]
        elif kind is ast.Compare:
            if len(node.ops) != 1:  # type: ignore[attr-defined]
                return
            op, left, right = node.ops[0], node.left, node.comparators[0]  # type: ignore[attr-defined]
            if op.__class__ in _EQUALITY:
                if is_boolean_literal(right):
                    self._boolean_uses(left, True)
                elif is_boolean_literal(left):
                    self._boolean_uses(right, True)
            elif op.__class__ in _MEMBERSHIP and is_boolean_literal(right):
                self._boolean_uses(left, True)
        elif kind is ast.Name and tested:
            index = self._bare_locals.get((self._scope_text, node.id))  # type: ignore[attr-defined]
            if index is not None:
                self.boolean_calls.add(index)
            elif node.id in self._params[-1]:  # type: ignore[attr-defined]
                self.boolean_params.add((self._scope_text, node.id))  # type: ignore[attr-defined]

    # ------------------------------------------------------------ writes
    def _note_assign(self, targets: Sequence[ast.expr], value: ast.expr, line: int) -> None:
        """Remember bare-call locals, dict literals of settings, and keyed writes."""
        scope = self._scope_text
        index = self._bare_call(value)
        for target in targets:
            kind = target.__class__
            if kind is ast.Name:
                if index >= 0:
                    self._bare_locals[(scope, target.id)] = index  # type: ignore[attr-defined]
                else:
                    self._bare_locals.pop((scope, target.id), None)  # type: ignore[attr-defined]
                if value.__class__ is ast.Dict:
                    self._dict_writes(target.id, value)  # type: ignore[attr-defined,arg-type]
            elif kind is ast.Subscript:
                base = plain_dotted(target.value)  # type: ignore[attr-defined]
                key = target.slice  # type: ignore[attr-defined]
                if base and isinstance(key, ast.Constant) and isinstance(key.value, str):
                    self._write(base, key.value, value, target.lineno, target.col_offset)
            elif kind is ast.Attribute:
                if self._scope_kinds[-2:] == ["class", "function"]:
                    self._attribute_write(target, value)  # type: ignore[arg-type]
                elif (
                    target.value.__class__ is ast.Name  # type: ignore[attr-defined]
                    and self._scope_kinds[-1] == "module"
                ):
                    self._namespace_write(target, target.value.id, value)  # type: ignore[arg-type,attr-defined]

    def _namespace_write(self, target: ast.Attribute, owner: str, value: ast.expr) -> None:
        """``config.keep = os.getenv("KEEP") == "1"`` at module level: a field of a namespace
        object that other modules import and test (``if config.keep:``)."""
        if not isinstance(value, TESTABLE):
            return
        on, off = self._cond(value)
        if on or off:
            index = self._call_index.get(id(value), -1)
            self.setting_writes.append(
                SettingWrite(
                    self._scope_text,
                    owner,
                    target.attr,
                    target.lineno,
                    target.col_offset,
                    on,
                    off,
                    index,
                )
            )

    def _bare_call(self, value: ast.expr) -> int:
        """The call a value is, through string methods: ``os.getenv("X").lower()``."""
        while value.__class__ is ast.Call:
            receiver = string_method_receiver(value)  # type: ignore[arg-type]
            if receiver is None:
                return self._call_index.get(id(value), -1)
            value = receiver
        if value.__class__ is ast.Name:
            return self._bare_locals.get((self._scope_text, value.id), -1)
        return -1

    def _attribute_write(self, target: ast.Attribute, value: ast.expr) -> None:
        """``self.enabled = settings.X`` in a method: tested as ``self.enabled`` elsewhere."""
        owner = target.value
        if not (isinstance(owner, ast.Name) and owner.id in ("self", "cls")):
            return
        if not isinstance(value, (*TESTABLE, ast.Name, ast.Attribute)):
            return
        on, off = self._cond(value)
        if on or off:
            cls = self._scope_text.rpartition(".")[0]
            self.attribute_writes.append(AttributeWrite(cls, target.attr, target.lineno, on, off))

    def _dict_writes(self, name: str, value: ast.Dict) -> None:
        for key, item in zip(value.keys, value.values, strict=True):
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                self._write(name, key.value, item, key.lineno, key.col_offset)

    def _write(self, target: str, key: str, value: ast.expr, line: int, col: int) -> None:
        testable = isinstance(
            value, (ast.Call, ast.Compare, ast.BoolOp, ast.UnaryOp, ast.Subscript)
        )
        on, off = self._cond(value) if testable else (NO_GATES, NO_GATES)
        index = self._call_index.get(id(value), -1)
        if on or off or index >= 0:
            self.setting_writes.append(
                SettingWrite(self._scope_text, target, key, line, col, on, off, index)
            )

    def _note_annotation(self, node: ast.AnnAssign, in_class: bool) -> None:
        """``enable_x: bool = False`` in a class body: a typed settings field."""
        if not in_class or not isinstance(node.target, ast.Name):
            return
        annotation = node.annotation
        if isinstance(annotation, ast.BinOp):  # bool | None
            annotation = annotation.left
        elif isinstance(annotation, ast.Subscript):  # Optional[bool]
            annotation = annotation.slice
        if plain_dotted(annotation) in ("bool", "builtins.bool"):
            self.bool_fields.append(
                TypedField(self._scope_text, node.target.id, node.lineno, node.col_offset)
            )
