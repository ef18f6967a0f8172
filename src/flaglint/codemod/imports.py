"""Imports the rewrite orphaned: used before it, unused after it.

Only names whose last use the codemod removed are dropped; an import that was
already unused, or that a string might name (``__all__``, annotations in
quotes), is none of the codemod's business and stays.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from flaglint.codemod.transform import leading_lines, merge_leading

# The longest import line a collapsed parenthesised import may become.
ONE_LINE = 100


def drop_orphaned_imports(before: cst.Module, after: cst.Module) -> cst.Module:
    """``after`` without the module-level imports that only the removed code used."""
    used_before = _uses(before)
    used_after = _uses(after)
    orphaned = {name for name, count in used_before.items() if count and not used_after.get(name)}
    if not orphaned:
        return after
    return drop_imported_names(after, orphaned)


def drop_imported_names(after: cst.Module, orphaned: set[str]) -> cst.Module:
    """``after`` without module-level imports of these names (the rest of each import stays)."""
    body: list[cst.BaseStatement] = []
    carried: list[cst.EmptyLine] = []
    for stmt in after.body:
        trimmed = _trim(stmt, orphaned)
        if trimmed is None:
            carried = merge_leading(carried, leading_lines(stmt))
            continue
        if not body and stmt is not after.body[0] and not any(h.comment for h in after.header):
            # Nothing above it any more: no blank lines before the first statement.
            lines = [*carried, *leading_lines(trimmed)]
            trimmed = trimmed.with_changes(leading_lines=[x for x in lines if x.comment])
            carried = []
        elif carried:
            trimmed = trimmed.with_changes(
                leading_lines=merge_leading(carried, leading_lines(trimmed))
            )
            carried = []
        body.append(trimmed)
    return after.with_changes(body=body)


def _trim(stmt: cst.BaseStatement, orphaned: set[str]) -> cst.BaseStatement | None:
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return stmt
    small = stmt.body[0]
    if not isinstance(small, (cst.Import, cst.ImportFrom)) or isinstance(
        small.names, cst.ImportStar
    ):
        return stmt
    names = list(small.names)
    kept = [alias for alias in names if _local_name(alias) not in orphaned]
    if len(kept) == len(names):
        return stmt
    if not kept:
        return None
    if isinstance(names[-1].comma, cst.MaybeSentinel):
        # No trailing comma before: none after either.
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    elif kept[-1] is not names[-1]:
        # The last name went: the new last one takes its comma, and with it the
        # line break and indentation before the closing parenthesis.
        kept[-1] = kept[-1].with_changes(comma=names[-1].comma)
    trimmed = stmt.with_changes(body=[small.with_changes(names=kept)])
    if len(kept) == 1 and isinstance(small, cst.ImportFrom) and small.lpar is not None:
        # ``from m import (\n    ONE\n)``: one name left fits on one line, as isort writes it.
        alone = small.with_changes(
            names=[kept[0].with_changes(comma=cst.MaybeSentinel.DEFAULT)], lpar=None, rpar=None
        )
        single = stmt.with_changes(body=[alone])
        if len(cst.Module(body=[single]).code.rstrip("\n")) <= ONE_LINE:
            return single
    return trimmed


def from_imports(module: cst.Module) -> Iterator[tuple[cst.ImportFrom, cst.ImportAlias]]:
    """Each name of the module-level ``from m import a, b as c`` statements (not ``*``)."""
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    yield small, alias


def _local_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    name = alias.name
    while isinstance(name, cst.Attribute):
        name = name.value  # type: ignore[assignment]
    return name.value if isinstance(name, cst.Name) else ""


def _uses(module: cst.Module) -> dict[str, int]:
    """Names used outside import statements; anything named in a string counts as used."""
    counter = _UseCounter()
    module.visit(counter)
    for text in counter.strings:
        for name in list(counter.counts):
            if name in text:
                counter.counts[name] += 1
    return counter.counts


class _UseCounter(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, int] = {}
        self.strings: list[str] = []

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    def visit_Name(self, node: cst.Name) -> None:
        self.counts[node.value] = self.counts.get(node.value, 0) + 1

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self.strings.append(node.value)
