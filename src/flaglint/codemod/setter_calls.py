"""The calls in a test function's own body, for deciding its setter calls together."""

from __future__ import annotations

import libcst as cst


class CallFinder(cst.CSTVisitor):
    """Calls in a function's own body, each with its statement's id when it is one alone;
    ``conditional`` holds those under an ``if``, a loop, a ``try``, a ``with`` or a match."""

    def __init__(self) -> None:
        self.calls: list[tuple[cst.Call, int | None]] = []
        self.conditional: set[int] = set()
        self._alone: dict[int, int] = {}
        self._depth = 0

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.If, cst.For, cst.While, cst.Try, cst.With, cst.Match)):
            self._depth += 1
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if isinstance(original_node, (cst.If, cst.For, cst.While, cst.Try, cst.With, cst.Match)):
            self._depth -= 1
        super().on_leave(original_node)

    def visit_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        if len(node.body) == 1 and isinstance(node.body[0], cst.Expr):
            self._alone[id(node.body[0].value)] = id(node)

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append((node, self._alone.get(id(node))))
        if self._depth:
            self.conditional.add(id(node))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False
