"""A function the rewrite left without its ``yield`` is still a generator.

``if not flag: return`` followed by ``yield from rows()`` becomes a bare
``return`` under ``--keep off``; the function would turn into one that
returns ``None``, and every ``for row in gen()`` would raise ``TypeError``.
The original generator, with the flag off, yielded nothing: ``yield from ()``
at the end of the body keeps exactly that. An ``async def`` generator has no
such spelling that reads well, so it is left for a human.
"""

from __future__ import annotations

import ast

import libcst as cst

from flaglint.facts.parse import parse_source

# A function by the names that enclose it and, for a name defined more than once
# in one scope (a redefinition, a property setter, if/else alternatives), which
# definition of it in source order.
Path_ = tuple[tuple[str, ...], int]


def generator_paths(source: bytes | str) -> tuple[dict[Path_, bool], dict[tuple[str, ...], int]]:
    """Functions that yield, each with whether it is async; and how often each name is defined."""
    found: dict[Path_, bool] = {}
    defined: dict[tuple[str, ...], int] = {}

    def visit(node: ast.AST, path: tuple[str, ...]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = (*path, child.name)
                occurrence = defined.get(inner, 0)
                defined[inner] = occurrence + 1
                if not isinstance(child, ast.ClassDef) and _yields(child):
                    found[(inner, occurrence)] = isinstance(child, ast.AsyncFunctionDef)
                visit(child, inner)
            else:
                visit(child, path)

    visit(parse_source(source), ())
    return found, defined


def _yields(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue  # their yields are their own
        stack.extend(ast.iter_child_nodes(node))
    return False


class KeepGenerators(cst.CSTTransformer):
    """Append ``yield from ()`` to each function in ``lost`` (sync generators only)."""

    def __init__(self, lost: set[Path_]) -> None:
        super().__init__()
        self.lost = lost
        self.path: list[str] = []
        self.seen: dict[tuple[str, ...], int] = {}

    def _enter(self, name: str) -> None:
        self.path.append(name)
        here = tuple(self.path)
        self.seen[here] = self.seen.get(here, 0) + 1

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._enter(node.name.value)
        return True

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        self.path.pop()
        return updated

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._enter(node.name.value)
        return True

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        names = tuple(self.path)
        here = (names, self.seen[names] - 1)
        self.path.pop()
        if here not in self.lost or not isinstance(updated.body, cst.IndentedBlock):
            return updated
        body = list(updated.body.body)
        still = cst.parse_statement("yield from ()  # the flag's side yielded nothing\n")
        if body and _is_bare_return(body[-1]):
            body[-1] = still
        else:
            body.append(still)
        return updated.with_changes(body=updated.body.with_changes(body=body))


def _is_bare_return(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Return)
        and statement.body[0].value is None
        and not statement.leading_lines
    )
