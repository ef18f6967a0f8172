"""The human format: ``path:line:col: CODE message``, ruff style."""

from __future__ import annotations

from collections.abc import Sequence

from flaglint.findings import Finding

_COLOURS = {"error": "\x1b[31m", "warning": "\x1b[33m", "note": "\x1b[36m"}
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"
# Messages quote flag keys and names from the analysed code; a newline or an
# escape sequence in one must not break the one-line format or drive the terminal.
_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F)}


def _printable(text: str) -> str:
    return text.translate(_CONTROL)


def render_text(
    findings: Sequence[Finding],
    files: int,
    colour: bool = False,
    *,
    hidden: Sequence[str] = (),
) -> str:
    lines = []
    for finding in findings:
        code = finding.rule
        place = f"{_printable(finding.path)}:{finding.line}:{finding.column}:"
        if colour:
            code = f"{_COLOURS.get(finding.severity.value, '')}{code}{_RESET}"
            place = f"{_BOLD}{place}{_RESET}"
        lines.append(f"{place} {code} {_printable(finding.message)}")
        for related in finding.related:
            at = f"{related.revision}:" if related.revision else ""
            lines.append(f"    {at}{related.path}:{related.line}: {_printable(related.message)}")
    count = len(findings)
    noun = "finding" if count == 1 else "findings"
    summary = f"Found {count} {noun} in {files} files" if count else f"No findings in {files} files"
    # Say what the gate left out, so a quiet run is not mistaken for a clean tree.
    lines.append(summary + (f" (not shown: {', '.join(hidden)})." if hidden else "."))
    return "\n".join(lines) + "\n"
