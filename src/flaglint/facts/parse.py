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
    # LibCST takes a quarter of a second to import; only files ``ast`` cannot
    # read need it, so a warm run never pays for it.
    from flaglint.facts.lowering import lower

    return lower(source)


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
