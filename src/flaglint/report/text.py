"""The human format: ``path:line:col: CODE message``, ruff style."""

from __future__ import annotations

from collections.abc import Sequence

import click

from flaglint.findings import Finding
from flaglint.report.escape import neutral, printable

_COLOURS = {"error": "red", "warning": "yellow", "note": "cyan"}


def render_text(
    findings: Sequence[Finding],
    files: int,
    colour: bool = False,
    *,
    hidden: Sequence[str] = (),
    summary: bool = True,
) -> str:
    lines = []
    for finding in findings:
        code = finding.rule
        # Paths and messages quote the analysed code: a newline or an escape
        # sequence in one must not forge a line or drive the terminal.
        place = f"{neutral(printable(finding.path))}:{finding.line}:{finding.column}:"
        if colour:
            code = click.style(code, fg=_COLOURS.get(finding.severity.value))
            place = click.style(place, bold=True)
        lines.append(f"{place} {code} {printable(finding.message)}")
        for related in finding.related:
            at = f"{printable(related.revision)}:" if related.revision else ""
            where = f"{printable(related.path)}:{related.line}"
            lines.append(f"    {at}{where}: {printable(related.message)}")
    if not summary:
        return "".join(neutral(text) + "\n" for text in lines)
    count = len(findings)
    noun = "finding" if count == 1 else "findings"
    where = f"{files} file" if files == 1 else f"{files} files"
    line = f"Found {count} {noun} in {where}" if count else f"No findings in {where}"
    # Say what the gate left out, so a quiet run is not mistaken for a clean tree.
    lines.append(line + (f" (not shown: {', '.join(hidden)})." if hidden else "."))
    return "\n".join(neutral(text) for text in lines) + "\n"
