"""The lowering behind :func:`flaglint.facts.parse.lower_new_syntax`.

Kept apart from :mod:`flaglint.facts.parse` so that LibCST is imported only
when a file needs it (see that module for what is lowered and why).
"""

from __future__ import annotations

import ast
from typing import TypeVar

import libcst as cst


def lower(source: bytes | str) -> str | None:
    """``source`` in a grammar this interpreter reads, or None if LibCST cannot parse it."""
    try:
        module = cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError, ValueError, MemoryError):
        return None
    except SyntaxError:
        raise  # an encoding declaration LibCST cannot read: the file's error as it says
    except Exception:  # LibCST's own logic error (``t'a' t'{b}'``): it cannot read the file
        return None
    return module.visit(_Lower()).code


class _Lower(cst.CSTTransformer):
    """Rewrite 3.12-3.14 constructs into 3.10 ones, one node at a time, lines kept.

    Whatever a lowering removes that spanned lines (a type parameter list
    written one parameter a line) leaves its line breaks inside brackets
    that stay, so every later line keeps its number.
    """

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        changes = _without_type_parameters(updated)
        if changes is None:
            return updated
        breaks = changes.pop("breaks")
        if breaks:
            changes["whitespace_before_params"] = _line_breaks(breaks)
        return updated.with_changes(**changes)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        changes = _without_type_parameters(updated)
        if changes is None:
            return updated
        breaks = changes.pop("breaks")
        if breaks:
            changes["lpar"] = cst.LeftParen(whitespace_after=_line_breaks(breaks))
            changes["rpar"] = cst.RightParen()
        elif not updated.bases and not updated.keywords:
            changes.update(lpar=cst.MaybeSentinel.DEFAULT, rpar=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(**changes)

    def leave_TypeAlias(self, original: cst.TypeAlias, updated: cst.TypeAlias) -> cst.Assign:
        value = updated.value
        breaks = _breaks(updated) - _breaks(value)
        if breaks:
            value = value.with_changes(
                lpar=[cst.LeftParen(whitespace_after=_line_breaks(breaks)), *value.lpar],
                rpar=[*value.rpar, cst.RightParen()],
            )
        return cst.Assign(targets=[cst.AssignTarget(target=updated.name)], value=value)

    def leave_ExceptHandler(
        self, original: cst.ExceptHandler, updated: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        return _parenthesised_handler(updated)

    def leave_ExceptStarHandler(
        self, original: cst.ExceptStarHandler, updated: cst.ExceptStarHandler
    ) -> cst.ExceptStarHandler:
        return _parenthesised_handler(updated)

    def leave_FormattedString(
        self, original: cst.FormattedString, updated: cst.FormattedString
    ) -> cst.BaseExpression:
        return _readable_or_tuple(updated)

    def leave_TemplatedString(
        self, original: cst.TemplatedString, updated: cst.TemplatedString
    ) -> cst.BaseExpression:
        return _readable_or_tuple(updated)


_EMPTY = cst.Module(body=[])


def _code(node: cst.CSTNode) -> str:
    return _EMPTY.code_for_node(node)


def _breaks(node: cst.CSTNode) -> int:
    return _code(node).count("\n")


def _line_breaks(count: int) -> cst.ParenthesizedWhitespace:
    """Whitespace inside brackets holding ``count`` line breaks."""
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(),
        empty_lines=[cst.EmptyLine(indent=False) for _ in range(count - 1)],
        indent=False,
        last_line=cst.SimpleWhitespace(""),
    )


def _without_type_parameters(node: cst.FunctionDef | cst.ClassDef) -> dict[str, object] | None:
    """The changes that drop a definition's type parameters, and the line breaks they held."""
    if node.type_parameters is None:
        return None
    return {
        "type_parameters": None,
        "whitespace_after_type_parameters": cst.SimpleWhitespace(""),
        "breaks": _breaks(node.type_parameters) + _breaks(node.whitespace_after_type_parameters),
    }


_Handler = TypeVar("_Handler", cst.ExceptHandler, cst.ExceptStarHandler)


def _parenthesised_handler(handler: _Handler) -> _Handler:
    """``except A, B:`` as ``except (A, B):``."""
    kind = handler.type
    if isinstance(kind, cst.Tuple) and not kind.lpar:
        return handler.with_changes(
            type=kind.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        )
    return handler


_EXPRESSION_PARTS = (cst.FormattedStringExpression, cst.TemplatedStringExpression)


def _expressions(node: cst.CSTNode, line: int, out: list[tuple[int, str]]) -> int:
    """Each expression of a formatted string, format specs included, with its line offset."""
    parts = getattr(node, "parts", None)
    if parts is None:
        return line
    line += (
        _code(node).split(_code(parts[0]) if parts else "\x00", 1)[0].count("\n") if parts else 0
    )
    for part in parts:
        if isinstance(part, _EXPRESSION_PARTS):
            before = _code(part).split(_code(part.expression), 1)[0]
            at = line + before.count("\n")
            out.append((at, _code(part.expression)))
            spec = part.format_spec
            if spec:
                # A spec's expressions follow the expression on the same or later lines.
                inner = at + _code(part.expression).count("\n")
                for spec_part in spec:
                    _expressions(cst.FormattedString(parts=[spec_part]), inner, out)
        line += _code(part).count("\n")
    return line


def _readable_or_tuple(node: cst.BaseExpression) -> cst.BaseExpression:
    """The string as it is when this interpreter reads it, else a tuple of its expressions.

    Each expression stays on the line it was on, and the tuple spans as many
    lines as the string did.
    """
    code = _code(node)
    try:
        ast.parse(code, mode="eval")
        return node
    except SyntaxError:
        pass
    found: list[tuple[int, str]] = []
    _expressions(node, 0, found)
    pieces, line = ["("], 0
    for at, expression in found:
        if at > line:
            pieces.append("\n" * (at - line))
            line = at
        pieces.append(expression + ", ")
        line += expression.count("\n")
    if not found:
        pieces.append('"", ')
    pieces.append("\n" * max(0, code.count("\n") - line) + ")")
    return cst.parse_expression("".join(pieces))
