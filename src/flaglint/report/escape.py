"""Strings from the analysed tree, made safe for the place they are printed.

Flag keys, paths, names and messages come from code that may be hostile: a
newline would forge a line of output (a finding, a GitHub workflow command),
an escape sequence would drive the terminal, a lone surrogate from a file
name that is not UTF-8 would crash the write. Every sink has its function.
"""

from __future__ import annotations

from urllib.parse import quote

# C0 and C1 controls and DEL, the bidirectional overrides and isolates that
# reorder text on screen (CVE-2021-42574), and lone surrogates.
_ESCAPED = {
    **{c: f"\\x{c:02x}" for c in (*range(0x20), *range(0x7F, 0xA0))},
    **{
        c: f"\\u{c:04x}"
        for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
    },
}


def printable(text: str) -> str:
    """``text`` for a terminal or a log line: controls and lone surrogates as escapes."""
    escaped = text.translate(_ESCAPED)
    if escaped.isascii():
        return escaped
    try:
        escaped.encode("utf-8")
    except UnicodeEncodeError:
        return "".join(f"\\u{ord(c):04x}" if 0xD800 <= ord(c) <= 0xDFFF else c for c in escaped)
    return escaped


# What CI systems read as a command at the start of a log line: GitHub Actions'
# ``::error ...`` / ``::add-mask::``, Azure Pipelines' ``##vso[...]`` and ``##[...]``.
_COMMAND_STARTS = ("::", "##vso[", "##[")


def neutral(line: str) -> str:
    """``line`` with a leading CI log command defused: its first character escaped."""
    stripped = line.lstrip()
    if stripped.startswith(_COMMAND_STARTS):
        indent = len(line) - len(stripped)
        return f"{line[:indent]}\\x{ord(stripped[0]):02x}{stripped[1:]}"
    return line


def log_line(text: str) -> str:
    """A whole line of output made of analysed text: printable, and no CI command."""
    return neutral(printable(text))


def dot_string(text: str) -> str:
    """A Graphviz double-quoted string's content: quotes, backslashes and controls escaped."""
    return printable(text).replace("\\", "\\\\").replace('"', '\\"')


# RFC 3986 pchar: unreserved, sub-delims, ':' and '@' stay; '/' separates segments.
_URI_SAFE = "/:@!$&'()*+,;=-._~"


def uri_path(path: str) -> str:
    """A relative path as a URI reference: other bytes percent-encoded, as the file names them."""
    return quote(path.encode("utf-8", "surrogateescape"), safe=_URI_SAFE)
