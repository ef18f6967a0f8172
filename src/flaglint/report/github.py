"""GitHub Actions workflow commands: each finding an annotation on the pull request.

``::error file=F,line=L,endLine=E,col=C,title=T::message``; the value after
``::`` escapes ``%``, CR and LF, and property values escape ``:`` and ``,`` too
(the rules of the Actions toolkit's ``issueCommand``).
"""

from __future__ import annotations

from collections.abc import Sequence

from flaglint.findings import Finding
from flaglint.report.escape import printable
from flaglint.report.run import RunInfo

_COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    # Line breaks are the command's own encoding; other controls and lone
    # surrogates from the analysed code are escaped as everywhere else.
    return printable(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: Sequence[Finding], run: RunInfo) -> str:
    lines = []
    for finding in findings:
        properties = [
            ("file", run.uri_prefix + finding.path),
            ("line", str(finding.line)),
        ]
        if finding.end_line > finding.line:
            properties.append(("endLine", str(finding.end_line)))
        properties += [("col", str(finding.column)), ("title", f"{finding.rule} {finding.name}")]
        message = finding.message
        for related in finding.related:
            at = f"{related.revision}:" if related.revision else ""
            message += f"\n{at}{run.uri_prefix}{related.path}:{related.line}: {related.message}"
        rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
        command = _COMMANDS.get(finding.severity.value, "warning")
        lines.append(f"::{command} {rendered}::{escape_data(message)}")
    return "".join(line + "\n" for line in lines)
