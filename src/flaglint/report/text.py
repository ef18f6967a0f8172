"""The human format: ``path:line:col: CODE message``, ruff style."""

from __future__ import annotations

from collections.abc import Sequence

from flaglint.findings import Finding

_COLOURS = {"error": "\x1b[31m", "warning": "\x1b[33m", "note": "\x1b[36m"}
_BOLD = "\x1b[1m"
_RESET = "\x1b[0m"


def render_text(findings: Sequence[Finding], files: int, colour: bool = False) -> str:
    lines = []
    for finding in findings:
        code = finding.rule
        place = f"{finding.path}:{finding.line}:{finding.column}:"
        if colour:
            code = f"{_COLOURS.get(finding.severity.value, '')}{code}{_RESET}"
            place = f"{_BOLD}{place}{_RESET}"
        lines.append(f"{place} {code} {finding.message}")
        for related in finding.related:
            at = f"{related.revision}:" if related.revision else ""
            lines.append(f"    {at}{related.path}:{related.line}: {related.message}")
    count = len(findings)
    noun = "finding" if count == 1 else "findings"
    lines.append(
        f"Found {count} {noun} in {files} files." if count else f"No findings in {files} files."
    )
    return "\n".join(lines) + "\n"
