"""Values the rewrite made dead: ``x = []`` before a now unconditional ``x = ...``.

``fields = []; if FLAG: ...; fields = [a, b]`` kept on leaves ``fields = []``
overwritten before anything reads it; a reviewer deletes it. So does
``context = {"type": kind}`` whose only read was the flag's. Only stores whose
value has no side effect go (see ``side_effects``; a call is kept and named for a
human), only in functions without ``try`` (an exception handler could read the
old value), and only when nothing between the two stores mentions the name or
leaves the block (``return``, ``break``, ``continue``, ``raise``). A store that was
already dead before the rewrite is not the rewrite's business and stays.
"""

from __future__ import annotations

import libcst as cst

from flaglint.codemod.side_effects import is_pure, local_names

LEAVING = (cst.Return, cst.Break, cst.Continue, cst.Raise, cst.Try, cst.TryStar)


def drop_dead_stores(
    original: cst.FunctionDef, updated: cst.FunctionDef
) -> tuple[cst.FunctionDef, list[str]]:
    """``updated`` without the stores the rewrite made dead whose value has no side
    effect, and the names of those it made dead but kept (their value may do something)."""
    if not isinstance(updated.body, cst.IndentedBlock) or _has(updated.body, (cst.Try,)):
        return updated, []
    was = {key for key, _, _ in _dead_stores(original)}
    found = [(key, node_id, pure) for key, node_id, pure in _dead_stores(updated) if key not in was]
    kept = sorted({key[0] for key, _, pure in found if not pure})
    dead = {node_id for _, node_id, pure in found if pure}
    if not dead:
        return updated, kept
    body = updated.body.visit(_StoreRemover(dead))
    assert isinstance(body, cst.BaseSuite)
    return updated.with_changes(body=body), kept


def _dead_stores(function: cst.FunctionDef) -> set[tuple[tuple[str, str], int, bool]]:
    """((name, value), id of the statement, whether the value is pure) of each dead store."""
    finder = _DeadFinder(local_names(function))
    function.body.visit(finder)
    return finder.dead


def _store(stmt: cst.BaseStatement) -> tuple[str, cst.BaseExpression] | None:
    """``name = value`` (one target, one statement on the line)."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    small = stmt.body[0]
    if not isinstance(small, cst.Assign) or len(small.targets) != 1:
        return None
    target = small.targets[0].target
    return (target.value, small.value) if isinstance(target, cst.Name) else None


class _Mentions(cst.CSTVisitor):
    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.found = False

    def visit_Name(self, node: cst.Name) -> None:
        self.found = self.found or node.value == self.name


def _mentions(node: cst.CSTNode, name: str) -> bool:
    visitor = _Mentions(name)
    node.visit(visitor)
    return visitor.found


class _Has(cst.CSTVisitor):
    def __init__(self, kinds: tuple[type, ...]) -> None:
        super().__init__()
        self.kinds = kinds
        self.found = False

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, self.kinds):
            self.found = True
        return not isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda))


def _has(node: cst.CSTNode, kinds: tuple[type, ...]) -> bool:
    visitor = _Has(kinds)
    node.visit(visitor)
    return visitor.found


class _DeadFinder(cst.CSTVisitor):
    """Stores overwritten later in the same block, with nothing in between using them."""

    def __init__(self, local_names: frozenset[str]) -> None:
        super().__init__()
        self.local_names = local_names
        self.dead: set[tuple[tuple[str, str], int, bool]] = set()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        body = list(node.body)
        for i, stmt in enumerate(body):
            store = _store(stmt)
            if store is None:
                continue
            name = store[0]
            for later in body[i + 1 :]:
                overwrite = _store(later)
                if overwrite is not None and overwrite[0] == name:
                    if not _mentions(overwrite[1], name):
                        key = (name, cst.Module([]).code_for_node(store[1]))
                        self.dead.add((key, id(stmt), is_pure(store[1], self.local_names)))
                    break
                if _mentions(later, name) or _has(later, LEAVING):
                    break


class _StoreRemover(cst.CSTTransformer):
    """Removes the statements found dead (by identity)."""

    def __init__(self, dead: set[int]) -> None:
        super().__init__()
        self.dead = dead

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body: list[cst.BaseStatement] = []
        carried: list[cst.EmptyLine] = []
        for before, stmt in zip(original_node.body, updated_node.body, strict=True):
            if id(before) in self.dead:
                # Its blank and comment lines stay above the next statement.
                carried.extend(getattr(stmt, "leading_lines", ()))
                continue
            if carried:
                stmt = stmt.with_changes(leading_lines=[*carried, *stmt.leading_lines])
                carried = []
            body.append(stmt)
        if len(body) == len(updated_node.body):
            return updated_node
        return updated_node.with_changes(body=body or [cst.SimpleStatementLine([cst.Pass()])])
