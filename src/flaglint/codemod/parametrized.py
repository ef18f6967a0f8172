"""Tests that write the removed flag into a mapping, literally or from a parametrize column.

pytest-django's ``settings`` fixture is the common shape:
``settings.FEATURES[NAME] = True`` in a test, or
``settings.FEATURES[NAME] = enabled`` with ``enabled`` a column of the test's
``@pytest.mark.parametrize``. A test module's function whose own body does
that, unconditionally and nowhere else naming the flag, is edited as a person
retiring the flag would:

- the kept value, written literally: the statement goes (the test ran with it);
- the removed value, written literally: the test exercised code that is gone
  and is deleted;
- a column that only feeds that statement and holds only ``True``/``False``:
  the rows carrying the removed value go, then the column (and the parameter
  and the statement) since it is constant; a parametrize left with one column
  keeps it as a plain name; one left with none goes; a test left with no row
  is deleted. A test that reads the column further (``if enabled and rows:``) reads
  the kept value in every run left: :mod:`.column_fold` writes it in and folds.

Anything else that names the flag (``ids=`` lists,
``pytest.param`` rows, the flag read back) is not touched here; the test-mention
check then leaves it for a human, with this module's reason when it saw why.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from pathlib import Path

import libcst as cst

from flaglint.codemod.column_fold import fold_parameter, twinned
from flaglint.codemod.patched_tests import DeletedTest, PatchLeftover
from flaglint.codemod.patches import _boolean, _count_uses, _dotted, _string
from flaglint.codemod.setters import is_test_path
from flaglint.codemod.test_editor import KeyTestEditor, edit_files, findings, params_without
from flaglint.codemod.transform import leading_lines, merge_leading, trimmed_block


def edit_assignments(
    root: Path,
    key: str,
    keep_on: bool,
    constants: frozenset[str],
    current: dict[str, bytes],
    tests: Sequence[str],
    called_outside_tests: Collection[str] = frozenset(),
) -> tuple[dict[str, bytes], list[DeletedTest], list[PatchLeftover]]:
    """Every test module under ``root`` that writes ``key`` into a mapping, edited.

    ``constants`` are the names bound to the key (``NAME``, ``mod.NAME`` name it by
    their last part); ``tests`` the project's test globs; a function named in
    ``called_outside_tests`` is never deleted.
    """

    def editor_for(path: str, text: bytes, module: cst.Module) -> _AssignmentEditor:
        return _AssignmentEditor(path, key, keep_on, constants, called_outside_tests)

    def wanted(path: str, text: bytes) -> bool:
        return is_test_path(path, tests)

    edited, editors = edit_files(root, key, constants, current, wanted, editor_for)
    deleted, leftovers, _ = findings(editors)
    return edited, deleted, leftovers


class _Mentions(cst.CSTVisitor):
    """How many names and string literals in a node spell the key."""

    def __init__(self, key: str, constants: frozenset[str]) -> None:
        super().__init__()
        self.key = key
        self.constants = constants
        self.count = 0

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.constants:
            self.count += 1

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if _string(node) == self.key:
            self.count += 1


def _count(node: cst.CSTNode, visitor: _Mentions) -> int:
    node.visit(visitor)
    return visitor.count


class _AssignmentEditor(KeyTestEditor):
    def __init__(
        self,
        path: str,
        key: str,
        keep_on: bool,
        constants: frozenset[str],
        called_outside_tests: Collection[str],
    ) -> None:
        super().__init__(path, key, keep_on, constants, called_outside_tests)
        self.gone: set[int] = set()  # test functions deleted
        self.statements: set[int] = set()  # assignments that go
        # Test functions whose parametrize lost a column: (decorator id, new decorator or
        # None) and the parameter that goes.
        self.columns: dict[int, tuple[int, cst.Decorator | None, str]] = {}
        # Those whose column the test reads further: the statement setting the flag, name.
        self.folds: dict[int, tuple[cst.BaseStatement, str]] = {}

    def _assigned(self, statement: cst.BaseStatement) -> cst.BaseExpression | None:
        """The value of ``mapping[KEY] = value`` alone on its line, else None."""
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            return None
        small = statement.body[0]
        if not isinstance(small, cst.Assign) or len(small.targets) != 1:
            return None
        target = small.targets[0].target
        if not isinstance(target, cst.Subscript) or len(target.slice) != 1:
            return None
        index = target.slice[0].slice
        if not isinstance(index, cst.Index) or not self._names_key(index.value):
            return None
        return small.value

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.scope.append(node.name.value)
        if len(self.scope) <= 2 and node.name.value.startswith("test"):
            self._plan(node)
        return True

    def _plan(self, node: cst.FunctionDef) -> None:
        if not isinstance(node.body, cst.IndentedBlock):
            return
        found = [(s, v) for s in node.body.body if (v := self._assigned(s)) is not None]
        if not found:
            return
        qualname = ".".join(self.scope)
        if _count(node.body, _Mentions(self.key, self.constants)) != len(found):
            # The flag is read back or set elsewhere in the test: not decided here.
            return
        values = {_boolean(value) for _, value in found}
        if len(found) == 1 and isinstance(found[0][1], cst.Name) and values == {None}:
            self._column(node, found[0][0], found[0][1].value, qualname)
            return
        if values == {self.keep_on}:
            self.statements.update(id(s) for s, _ in found)
        elif values == {not self.keep_on} and self._sets_others(node, found[0][0]):
            # A configuration of several flags (a page's settings): not this flag's test.
            self._leave(
                found[0][0],
                f"{qualname} sets {self.key} to {not self.keep_on}, the removed value, "
                "among other entries of the same mapping",
            )
        elif values == {not self.keep_on}:
            self._delete(node, f"it set {self.key} to {not self.keep_on}, the removed value")

    def _sets_others(self, node: cst.FunctionDef, statement: cst.BaseStatement) -> bool:
        """The test also writes other keys into the mapping ``statement`` writes the flag to."""
        mapping = _mapping(statement)
        assert isinstance(node.body, cst.IndentedBlock)
        return any(
            _mapping(other) == mapping and self._assigned(other) is None
            for other in node.body.body
            if other is not statement
        )

    def _delete(self, node: cst.FunctionDef, reason: str) -> None:
        qualname = ".".join(self.scope)
        if node.name.value in self.called_outside_tests:
            self._leave(
                node, f"{qualname} {reason.removeprefix('it ')} but code outside the tests calls it"
            )
            return
        self.deleted.append(DeletedTest(self.path, self._line(node), qualname, reason))
        self.gone.add(id(node))

    def _column(
        self, node: cst.FunctionDef, statement: cst.BaseStatement, param: str, qualname: str
    ) -> None:
        """``mapping[KEY] = param``: ``param`` a parametrize column that only sets the flag."""
        params = [p for p in node.params.params if p.name.value == param]
        if len(params) != 1 or params[0].default is not None:
            return
        for decorator in node.decorators:
            call = decorator.decorator
            if not (isinstance(call, cst.Call) and _dotted(call.func).endswith("parametrize")):
                continue
            result = drop_column(call, param, self.keep_on)
            if result is None:
                continue
            if isinstance(result, str):
                self._leave(
                    statement, f"{qualname} sets {self.key} from a parametrize column: {result}"
                )
                return
            new_call, emptied = result
            if emptied:
                removed = not self.keep_on
                self._delete(
                    node,
                    f"every row of its parametrize set {self.key} to {removed}, the removed value",
                )
                return
            new = decorator.with_changes(decorator=new_call) if new_call is not None else None
            self.columns[id(node)] = (id(decorator), new, param)
            self.statements.add(id(statement))
            if _count_uses(node.body, param) != 1:
                # The test reads the column further: it reads the kept value (column_fold).
                if not twinned(*_cells(call, param), self.keep_on):
                    self.columns.pop(id(node))
                    self.statements.discard(id(statement))
                    self._leave(
                        statement,
                        f"{qualname} sets {self.key} from the parametrize column {param!r}, "
                        "which the test also uses otherwise, and its rows with the removed "
                        "value test other cases too (no twin row with the kept value)",
                    )
                    return
                self.folds[id(node)] = (statement, qualname)
            return

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        return cst.RemoveFromParent() if id(original_node) in self.statements else updated_node

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        removed = self.gone | self.statements
        if len(updated_node.body) == len(original_node.body):
            return updated_node
        # A statement after a dropped assignment takes its blank and comment lines.
        body = list(updated_node.body)
        kept = iter(range(len(body)))
        handed: list[cst.EmptyLine] = []
        for statement in original_node.body:
            if id(statement) in self.statements:
                handed = [*handed, *leading_lines(statement)]
                continue
            if id(statement) in removed:
                handed = []
                continue
            index = next(kept)
            if handed and index > 0:
                lines = merge_leading(handed, leading_lines(body[index]))
                body[index] = body[index].with_changes(leading_lines=lines)
            handed = []
        return trimmed_block(original_node, updated_node.with_changes(body=body), removed)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef | cst.RemovalSentinel:
        self.scope.pop()
        if id(original_node) in self.gone:
            return cst.RemoveFromParent()
        if id(original_node) not in self.columns:
            if updated_node.body is original_node.body:
                return updated_node
            return updated_node.with_changes(
                params=params_without(original_node, updated_node, frozenset())
            )
        target, new, param = self.columns[id(original_node)]
        if id(original_node) in self.folds:
            statement, qualname = self.folds[id(original_node)]
            updated_node, reason = fold_parameter(updated_node, param, self.keep_on, self.key)
            if reason:
                self._leave(
                    statement,
                    f"{qualname} sets {self.key} from the parametrize column {param!r}, "
                    f"which the test also uses otherwise ({reason})",
                )
                return original_node
        decorators: list[cst.Decorator] = []
        for old, decorator in zip(original_node.decorators, updated_node.decorators, strict=True):
            if id(old) != target:
                decorators.append(decorator)
            elif new is not None:
                decorators.append(new)
        params = params_without(original_node, updated_node, frozenset({param}))
        return updated_node.with_changes(decorators=decorators, params=params)


def _mapping(statement: cst.BaseStatement) -> str:
    """The code of ``mapping`` in ``mapping[key] = value`` alone on its line, else ""."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return ""
    small = statement.body[0]
    if not isinstance(small, cst.Assign) or len(small.targets) != 1:
        return ""
    target = small.targets[0].target
    if not isinstance(target, cst.Subscript):
        return ""
    return cst.Module(body=()).code_for_node(target.value)


def drop_column(
    call: cst.Call, name: str, keep_on: bool
) -> tuple[cst.Call | None, bool] | str | None:
    """``@pytest.mark.parametrize`` without the rows where column ``name`` is the removed value,
    nor the column: (new call, or None when no column is left; whether no row is left).

    None when the call has no column ``name``; a reason when it cannot be edited.
    """
    positional = [a for a in call.args if a.keyword is None]
    keywords = {a.keyword.value: a for a in call.args if a.keyword is not None}
    names_arg = positional[0] if positional else keywords.get("argnames")
    values_arg = positional[1] if len(positional) > 1 else keywords.get("argvalues")
    names = _names(names_arg.value) if names_arg is not None else None
    if names is None or name not in names:
        return None
    if values_arg is None or any(a.star for a in call.args) or "indirect" in keywords:
        return "its arguments are unpacked or indirect"
    if "ids" in keywords and isinstance(keywords["ids"].value, (cst.List, cst.Tuple)):
        return "its ids= list names the rows"
    rows_node = values_arg.value
    if not isinstance(rows_node, (cst.List, cst.Tuple)):
        return "the rows are not a literal list"
    column = names.index(name)
    keep_rows: list[cst.Element] = []
    kept_index: list[int] = []
    for position, row in enumerate(rows_node.elements):
        if isinstance(row, cst.StarredElement):
            return "a row is unpacked"
        cell = row.value
        if len(names) > 1:
            if not isinstance(cell, (cst.Tuple, cst.List)) or len(cell.elements) != len(names):
                return "a row is not a literal tuple (pytest.param?)"
            cell = cell.elements[column].value
        value = _boolean(cell)
        if value is None:
            return f"the column {name!r} holds a value other than True/False"
        if value == keep_on:
            keep_rows.append(row)
            kept_index.append(position)
    if not keep_rows:
        return None, True
    if len(names) == 1:
        return None, False
    rows = _without(rows_node.elements, set(range(len(rows_node.elements))) - set(kept_index))
    narrowed = [_narrowed(row, column, len(names) == 2) for row in rows]
    new_names = _names_without(names_arg.value, column, names)
    new_args = []
    for arg in call.args:
        if arg is names_arg:
            new_args.append(arg.with_changes(value=new_names))
        elif arg is values_arg:
            new_args.append(arg.with_changes(value=rows_node.with_changes(elements=narrowed)))
        else:
            new_args.append(arg)
    return call.with_changes(args=new_args), False


def _cells(call: cst.Call, name: str) -> tuple[list[list[cst.BaseExpression]], int]:
    """The rows of a parametrize ``drop_column`` could edit, as cells; ``name``'s column."""
    positional = [a for a in call.args if a.keyword is None]
    keywords = {a.keyword.value: a for a in call.args if a.keyword is not None}
    names_arg = positional[0] if positional else keywords["argnames"]
    values_arg = positional[1] if len(positional) > 1 else keywords["argvalues"]
    names = _names(names_arg.value) or []
    rows = values_arg.value
    assert isinstance(rows, (cst.List, cst.Tuple))
    cells: list[list[cst.BaseExpression]] = []
    for row in rows.elements:
        cell = row.value
        if len(names) > 1 and isinstance(cell, (cst.Tuple, cst.List)):
            cells.append([e.value for e in cell.elements])
        else:
            cells.append([cell])
    return cells, names.index(name) if len(names) > 1 else 0


def _names(node: cst.BaseExpression) -> list[str] | None:
    """``"a, b"`` or ``("a", "b")`` as ``["a", "b"]``; None for anything else."""
    text = _string(node)
    if text is not None:
        return [part.strip() for part in text.split(",") if part.strip()]
    if isinstance(node, (cst.Tuple, cst.List)):
        out = [_string(e.value) for e in node.elements]
        if all(isinstance(x, str) for x in out):
            return [x for x in out if x is not None]
    return None


def _names_without(node: cst.BaseExpression, column: int, names: list[str]) -> cst.BaseExpression:
    left = [n for i, n in enumerate(names) if i != column]
    if isinstance(node, cst.SimpleString):
        quote = node.quote
        separator = ", " if ", " in node.evaluated_value else ","  # type: ignore[operator]
        return node.with_changes(value=f"{node.prefix}{quote}{separator.join(left)}{quote}")
    assert isinstance(node, (cst.Tuple, cst.List))
    if len(left) == 1:
        only = node.elements[1 - column].value
        return only.with_changes(lpar=(), rpar=()) if isinstance(only, cst.SimpleString) else only
    return node.with_changes(elements=_without(node.elements, {column}))


def _narrowed(row: cst.Element, column: int, scalar: bool) -> cst.Element:
    """A row's tuple without ``column``; its one remaining value when ``scalar``."""
    cell = row.value
    assert isinstance(cell, (cst.Tuple, cst.List))
    if scalar:
        return row.with_changes(value=cell.elements[1 - column].value)
    return row.with_changes(value=cell.with_changes(elements=_without(cell.elements, {column})))


def _without(elements: Sequence[cst.BaseElement], drop: set[int]) -> list[cst.BaseElement]:
    """``elements`` less the positions in ``drop``; the last keeps the original last's comma."""
    kept = [e for i, e in enumerate(elements) if i not in drop]
    if kept and len(elements) - 1 in drop:
        kept[-1] = kept[-1].with_changes(comma=elements[-1].comma)
    return kept
