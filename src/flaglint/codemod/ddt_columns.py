"""Tests that set the removed flag from a ddt column, narrowed to the kept value.

``@ddt.data(True, False)`` (or ``@ddt.data((a, True), ...)`` with ``@ddt.unpack``)
feeding a parameter whose only use is the value of a call naming the flag
(``with override_switch(NAME, active=enabled):``, ``toggle_switch(NAME, enabled)``):
the rows carrying the removed value go, then the column and the parameter, and the
call gets the kept literal, which the override editors then drop as they drop any
override of the kept value. A ``data`` left with no column goes with its ``unpack``;
one left with one column of a tuple row is written as plain values; a test left with
no row is deleted.

Dropping the rows of the removed value and writing the kept one in place of the
parameter leaves every remaining run of the test as it was. A column the test reads
further (``assertEqual(..., enabled)``) reads the kept value in every run left:
:mod:`.column_fold` writes it in and folds. Rows that are not literals (``*CASES``,
dicts, ``file_data``) and values other than ``True``/``False`` are left for a human
with that reason.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from pathlib import Path

import libcst as cst

from flaglint.codemod.column_fold import fold_parameter, twinned
from flaglint.codemod.imports import from_imports
from flaglint.codemod.parametrized import _narrowed
from flaglint.codemod.patched_tests import DeletedTest, PatchLeftover
from flaglint.codemod.patches import _boolean, _count_uses, _dotted
from flaglint.codemod.setters import is_test_path
from flaglint.codemod.test_editor import KeyTestEditor, edit_files, findings, params_without


def edit_ddt_columns(
    root: Path,
    key: str,
    keep_on: bool,
    constants: frozenset[str],
    current: dict[str, bytes],
    tests: Sequence[str],
    called_outside_tests: Collection[str] = frozenset(),
) -> tuple[dict[str, bytes], list[DeletedTest], list[PatchLeftover]]:
    """Every test module under ``root`` whose ddt columns set ``key``, narrowed.

    ``constants`` are the names bound to the key (``NAME``, ``mod.NAME`` name it by
    their last part); ``tests`` the project's test globs; a function named in
    ``called_outside_tests`` is never deleted.
    """

    def editor_for(path: str, text: bytes, module: cst.Module) -> _ColumnEditor:
        names = _ddt_names(module)
        return _ColumnEditor(path, key, keep_on, constants, names, called_outside_tests)

    def wanted(path: str, text: bytes) -> bool:
        return is_test_path(path, tests) and b"ddt" in text

    edited, editors = edit_files(root, key, constants, current, wanted, editor_for)
    deleted, leftovers, _ = findings(editors)
    return edited, deleted, leftovers


def _ddt_names(module: cst.Module) -> dict[str, str]:
    """Local spellings of ``ddt.data`` and ``ddt.unpack``: ``{"ddt.data": "data", ...}``."""
    names = {"ddt.data": "data", "ddt.unpack": "unpack"}
    for statement, alias in from_imports(module):
        if statement.module is None or _dotted(statement.module) != "ddt":
            continue
        imported = _dotted(alias.name)
        if imported not in ("data", "unpack"):
            continue
        local = imported
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            local = alias.asname.name.value
        names[local] = imported
    return names


class _ValueUse(cst.CSTVisitor):
    """The argument of a call naming the key whose value is the parameter, if any."""

    def __init__(self, names_key: Callable[[cst.BaseExpression], bool], param: str) -> None:
        super().__init__()
        self.names_key = names_key
        self.param = param
        self.arg: cst.Arg | None = None
        # Whether that call is a ``with`` item (the flag set for a block, not the test).
        self.in_with = False
        # Where a human is sent: the ``with`` statement, else the call (where the
        # override editor, which reads the same statement, would send them).
        self.site: cst.CSTNode | None = None
        self._withs: list[cst.With] = []
        self._items = 0

    def visit_With(self, node: cst.With) -> None:
        self._withs.append(node)

    def leave_With(self, original_node: cst.With) -> None:
        self._withs.pop()

    def visit_WithItem(self, node: cst.WithItem) -> None:
        self._items += 1

    def leave_WithItem(self, original_node: cst.WithItem) -> None:
        self._items -= 1

    def visit_Call(self, node: cst.Call) -> None:
        positional = [a for a in node.args if a.keyword is None and not a.star]
        named = [a for a in node.args if a.keyword is not None and a.keyword.value == "name"]
        first = positional[:1] or named
        if not first or not self.names_key(first[0].value):
            return
        for arg in node.args:
            if arg is first[0] or arg.star:
                continue
            if isinstance(arg.value, cst.Name) and arg.value.value == self.param:
                self.arg = arg
                self.in_with = self._items > 0
                self.site = self._withs[-1] if self.in_with else node


class _ColumnEditor(KeyTestEditor):
    def __init__(
        self,
        path: str,
        key: str,
        keep_on: bool,
        constants: frozenset[str],
        names: dict[str, str],
        called_outside_tests: Collection[str],
    ) -> None:
        super().__init__(path, key, keep_on, constants, called_outside_tests)
        self.names = names
        self.gone: set[int] = set()
        # Test functions narrowed: decorator id -> its new form (None: it goes),
        # the parameter that goes and the argument that gets the kept literal.
        self.plans: dict[int, tuple[dict[int, cst.Decorator | None], str, cst.Arg]] = {}
        self.literals: set[int] = set()
        # Those whose column the test reads further: where a human is sent, and what.
        self.folds: dict[int, tuple[cst.CSTNode, str]] = {}

    def _kind(self, decorator: cst.Decorator) -> str:
        """``data`` or ``unpack`` when ``decorator`` is ddt's, else ""."""
        expression = decorator.decorator
        func = expression.func if isinstance(expression, cst.Call) else expression
        return self.names.get(_dotted(func), "")

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.scope.append(node.name.value)
        if len(self.scope) == 2 and node.name.value.startswith("test"):
            self._plan(node)
        return True

    def _plan(self, node: cst.FunctionDef) -> None:
        data = [d for d in node.decorators if self._kind(d) == "data"]
        unpack = [d for d in node.decorators if self._kind(d) == "unpack"]
        if len(data) != 1 or len(unpack) > 1:
            return
        params = node.params.params[1:]  # after ``self``
        qualname = ".".join(self.scope)
        for index, param in enumerate(params):
            finder = _ValueUse(self._names_key, param.name.value)
            node.body.visit(finder)
            if finder.arg is None:
                continue
            if param.default is not None:
                return
            site = finder.site or finder.arg
            where = f"{qualname} sets {self.key} from the ddt column {param.name.value!r}"
            if _reads_locals(node.body):
                self._leave(site, f"{where}, which the test may read through locals() or vars()")
                return
            if not isinstance(node.params.star_arg, cst.MaybeSentinel) or node.params.star_kwarg:
                # A row's other values may land in ``*args``/``**kwargs``: never guessed at.
                self._leave(site, f"{where}, and the test takes *args or **kwargs")
                return
            self._narrow(
                node,
                data[0],
                unpack[0] if unpack else None,
                index,
                finder.arg,
                site,
                finder.in_with,
            )
            return

    def _narrow(
        self,
        node: cst.FunctionDef,
        data: cst.Decorator,
        unpack: cst.Decorator | None,
        column: int,
        arg: cst.Arg,
        site: cst.CSTNode,
        in_with: bool = False,
    ) -> None:
        qualname = ".".join(self.scope)
        param = node.params.params[column + 1].name.value
        call = data.decorator
        where = f"{qualname} sets {self.key} from the ddt column {param!r}"
        if not isinstance(call, cst.Call) or any(a.star or a.keyword for a in call.args):
            self._leave(site, f"{where}, whose rows are not literal")
            return
        rows = list(call.args)
        width = 1
        if unpack is not None:
            if not all(isinstance(r.value, (cst.Tuple, cst.List)) for r in rows) or any(
                isinstance(e, cst.StarredElement)
                for r in rows
                for e in r.value.elements  # type: ignore[attr-defined]
            ):
                self._leave(site, f"{where}, whose rows are not literal tuples")
                return
            widths = {len(r.value.elements) for r in rows}  # type: ignore[attr-defined]
            if len(widths) != 1:
                self._leave(site, f"{where}, whose rows differ in length")
                return
            width = widths.pop()
        elif column != 0:
            return
        if column >= width:
            return
        kept: list[int] = []
        for position, row in enumerate(rows):
            cell = row.value
            if unpack is not None:
                cell = cell.elements[column].value  # type: ignore[attr-defined]
            value = _boolean(cell)
            if value is None:
                self._leave(site, f"{where}, which holds a value other than True/False")
                return
            if value == self.keep_on:
                kept.append(position)
        if not kept:
            if in_with:  # the rest of the test checks more than the removed value
                self._leave(site, f"{where}, and every row sets the removed value for a block")
                return
            if node.name.value in self.called_outside_tests:
                self._leave(node, f"{qualname} runs only with the removed value of {self.key}")
                return
            removed = not self.keep_on
            reason = f"every row of its ddt data set {self.key} to {removed}, the removed value"
            self.deleted.append(DeletedTest(self.path, self._line(node), qualname, reason))
            self.gone.add(id(node))
            return
        decorators: dict[int, cst.Decorator | None] = {}
        if width == 1:
            decorators[id(data)] = None
            if unpack is not None:
                decorators[id(unpack)] = None
        else:
            left = _without_args(rows, set(range(len(rows))) - set(kept))
            narrowed = [_narrowed_arg(a, column, width == 2) for a in left]
            decorators[id(data)] = data.with_changes(decorator=call.with_changes(args=narrowed))
            if width == 2 and unpack is not None:
                decorators[id(unpack)] = None
        self.plans[id(node)] = (decorators, param, arg)
        self.literals.add(id(arg))
        if _count_uses(node.body, param) != 1:
            # The test reads the column further: it reads the kept value (column_fold).
            cells = [
                [e.value for e in r.value.elements] if width > 1 else [r.value]  # type: ignore[attr-defined]
                for r in rows
            ]
            if not twinned(cells, column if width > 1 else 0, self.keep_on):
                del self.plans[id(node)]
                self.literals.discard(id(arg))
                self._leave(
                    site,
                    f"{where}, which the test also uses otherwise, and its rows with the "
                    "removed value test other cases too (no twin row with the kept value)",
                )
                return
            self.folds[id(node)] = (site, where)

    def leave_Arg(self, original_node: cst.Arg, updated_node: cst.Arg) -> cst.Arg:
        if id(original_node) not in self.literals:
            return updated_node
        return updated_node.with_changes(value=cst.Name("True" if self.keep_on else "False"))

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef | cst.RemovalSentinel:
        self.scope.pop()
        if id(original_node) in self.gone:
            return cst.RemoveFromParent()
        if id(original_node) not in self.plans:
            return updated_node
        changes, param, _ = self.plans[id(original_node)]
        if id(original_node) in self.folds:
            site, where = self.folds[id(original_node)]
            updated_node, reason = fold_parameter(updated_node, param, self.keep_on, self.key)
            if reason:
                self._leave(site, f"{where}, which the test also uses otherwise ({reason})")
                return original_node
        decorators: list[cst.Decorator] = []
        for old, decorator in zip(original_node.decorators, updated_node.decorators, strict=True):
            if id(old) not in changes:
                decorators.append(decorator)
            elif (new := changes[id(old)]) is not None:
                decorators.append(new)
        params = params_without(original_node, updated_node, frozenset({param}))
        return updated_node.with_changes(decorators=decorators, params=params)


class _LocalsReader(cst.CSTVisitor):
    """Whether a body calls ``locals()`` or ``vars()``, which read every parameter."""

    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value in ("locals", "vars"):
            self.found = self.found or not node.args


def _reads_locals(body: cst.CSTNode) -> bool:
    reader = _LocalsReader()
    body.visit(reader)
    return reader.found


def _without_args(args: Sequence[cst.Arg], drop: set[int]) -> list[cst.Arg]:
    """``args`` less the positions in ``drop``; the last keeps the original last's comma."""
    kept = [a for i, a in enumerate(args) if i not in drop]
    if kept and len(args) - 1 in drop:
        kept[-1] = kept[-1].with_changes(comma=_last_comma(kept[-1].comma, args[-1].comma))
    return kept


def _last_comma(
    own: cst.Comma | cst.MaybeSentinel, last: cst.Comma | cst.MaybeSentinel
) -> cst.Comma | cst.MaybeSentinel:
    """The comma of a row that becomes the last: the old last row's (trailing comma or
    none, the line break before the bracket), keeping the row's own comment."""
    if not isinstance(own, cst.Comma) or not isinstance(last, cst.Comma):
        return last
    mine, theirs = own.whitespace_after, last.whitespace_after
    if isinstance(mine, cst.ParenthesizedWhitespace) and isinstance(
        theirs, cst.ParenthesizedWhitespace
    ):
        return last.with_changes(whitespace_after=theirs.with_changes(first_line=mine.first_line))
    return last


def _narrowed_arg(arg: cst.Arg, column: int, scalar: bool) -> cst.Arg:
    """A row of ``ddt.data`` without ``column``, its one remaining value when ``scalar``."""
    return arg.with_changes(value=_narrowed(cst.Element(value=arg.value), column, scalar).value)
