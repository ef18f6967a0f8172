"""Parsing that does not depend on the interpreter running flaglint.

``ast`` parses only the grammar of the Python it runs on: under 3.11, a file
using 3.12-3.14 syntax (PEP 695 type parameters and ``type`` aliases, PEP 701
f-strings, PEP 758 ``except A, B:``, PEP 750 t-strings) is a syntax error,
and its flags and calls would drop out of the analysis. Where ``ast`` fails,
LibCST's native parser (which reads all of these) parses the file, and the
newer constructs are lowered to older spellings that mean the same for
flaglint's facts, keeping every line where it was:

- type parameters and ``type`` aliases: the parameters are dropped (they hold
  no calls), ``type X = v`` becomes ``X = v``;
- ``except A, B:`` becomes ``except (A, B):``;
- an f-string or t-string that the running ``ast`` cannot read becomes a tuple
  of its expressions, so the calls and names inside it are still seen.

Columns on a lowered line may move; lines do not. A file neither parser
reads stays a syntax error, and one that only Python 2 reads says so.
"""

from __future__ import annotations

import ast
import warnings

import libcst as cst


class SourceError(SyntaxError):
    """A file no parser here reads: ``msg`` names why (Python 2, a syntax error)."""


def parse_source(source: bytes | str, filename: str = "<unknown>") -> ast.Module:
    """The module's ``ast``, from ``ast`` itself or through LibCST's lowering."""
    with warnings.catch_warnings():
        # Invalid escape sequences in the analysed code are its business, not ours.
        warnings.simplefilter("ignore")
        try:
            return ast.parse(source, filename=filename, type_comments=False)
        except SyntaxError as error:
            first = error
    lowered = lower_new_syntax(source)
    if lowered is None:
        raise _named(first)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(lowered, filename=filename, type_comments=False)
        except SyntaxError:
            raise _named(first) from None


def lower_new_syntax(source: bytes | str) -> str | None:
    """``source`` in a grammar this interpreter reads, or None if LibCST cannot parse it."""
    try:
        module = cst.parse_module(source)
    except (cst.ParserSyntaxError, RecursionError, ValueError, MemoryError):
        return None
    return module.visit(_Lower()).code


# What CPython says of code that only Python 2 reads.
_PYTHON2 = (
    "Missing parentheses in call to 'print'",
    "Missing parentheses in call to 'exec'",
    "use an 0o prefix for octal integers",
)


def _named(error: SyntaxError) -> SyntaxError:
    """The error, its message saying so when the file is Python 2."""
    message = error.msg or "invalid syntax"
    if any(sign in message for sign in _PYTHON2):
        message = f"Python 2 code, which flaglint does not analyse ({message})"
    return SyntaxError(message, (error.filename, error.lineno, error.offset, error.text))


class _Lower(cst.CSTTransformer):
    """Rewrite 3.12-3.14 constructs into 3.10 ones, one node at a time, lines kept."""

    def leave_FunctionDef(
        self, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FunctionDef:
        if updated.type_parameters is None:
            return updated
        return updated.with_changes(
            type_parameters=None, whitespace_after_type_parameters=cst.SimpleWhitespace("")
        )

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        if updated.type_parameters is None:
            return updated
        changes: dict[str, object] = {
            "type_parameters": None,
            "whitespace_after_type_parameters": cst.SimpleWhitespace(""),
        }
        if not updated.bases and not updated.keywords:
            changes.update(lpar=cst.MaybeSentinel.DEFAULT, rpar=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(**changes)

    def leave_TypeAlias(self, original: cst.TypeAlias, updated: cst.TypeAlias) -> cst.Assign:
        return cst.Assign(targets=[cst.AssignTarget(target=updated.name)], value=updated.value)

    def leave_ExceptHandler(
        self, original: cst.ExceptHandler, updated: cst.ExceptHandler
    ) -> cst.ExceptHandler:
        kind = updated.type
        if isinstance(kind, cst.Tuple) and not kind.lpar:
            return updated.with_changes(type=_parenthesised(kind))
        return updated

    def leave_ExceptStarHandler(
        self, original: cst.ExceptStarHandler, updated: cst.ExceptStarHandler
    ) -> cst.ExceptStarHandler:
        kind = updated.type
        if isinstance(kind, cst.Tuple) and not kind.lpar:
            return updated.with_changes(type=_parenthesised(kind))
        return updated

    def leave_FormattedString(
        self, original: cst.FormattedString, updated: cst.FormattedString
    ) -> cst.BaseExpression:
        return _readable_or_tuple(updated, updated.parts, cst.FormattedStringExpression)

    def leave_TemplatedString(
        self, original: cst.TemplatedString, updated: cst.TemplatedString
    ) -> cst.BaseExpression:
        return _readable_or_tuple(updated, updated.parts, cst.TemplatedStringExpression)


def _parenthesised(node: cst.Tuple) -> cst.Tuple:
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _readable_or_tuple(
    node: cst.BaseExpression, parts: object, expression_type: object
) -> cst.BaseExpression:
    """The string as it is when this interpreter reads it, else a tuple of its expressions.

    The tuple spans as many lines as the string did, so later lines keep their numbers.
    """
    code = cst.Module(body=[]).code_for_node(node)
    try:
        ast.parse(code, mode="eval")
        return node
    except SyntaxError:
        pass
    empty = cst.Module(body=[])
    expressions = [
        empty.code_for_node(part.expression)  # type: ignore[attr-defined]
        for part in parts  # type: ignore[attr-defined]
        if isinstance(part, expression_type)  # type: ignore[arg-type]
    ]
    joined = ", ".join(expressions) or '""'
    missing = max(0, code.count("\n") - joined.count("\n"))
    return cst.parse_expression("(" + joined + "," + "\n" * missing + ")")
