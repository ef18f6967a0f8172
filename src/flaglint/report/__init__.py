"""Reporters: pure functions from findings (or an inventory) to text."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from flaglint.findings import Finding
from flaglint.report.findings_json import render_json
from flaglint.report.flags import (
    inventory_data,
    render_inventory_errors,
    render_inventory_json,
    render_inventory_text,
)
from flaglint.report.github import render_github
from flaglint.report.run import RuleInfo, RunInfo
from flaglint.report.sarif import render_sarif
from flaglint.report.text import render_text

Reporter = Callable[[Sequence[Finding], RunInfo], str]


def _text(findings: Sequence[Finding], run: RunInfo) -> str:
    return render_text(findings, run.files, run.colour, hidden=run.hidden(), summary=not run.quiet)


def _json(findings: Sequence[Finding], run: RunInfo) -> str:
    stats = {
        "files": run.files,
        "lines": run.lines,
        "findings": len(findings),
        "suppressed": run.suppressed,
        "baselined": run.baselined,
        "preexisting": run.preexisting,
    }
    return render_json(findings, run.errors, stats)


# ``flaglint check --format NAME``: every reporter takes the findings and the run.
REPORTERS: dict[str, Reporter] = {
    "text": _text,
    "json": _json,
    "sarif": render_sarif,
    "github": render_github,
}

__all__ = [
    "REPORTERS",
    "Reporter",
    "RuleInfo",
    "RunInfo",
    "render_github",
    "render_json",
    "render_sarif",
    "render_text",
    "inventory_data",
    "render_inventory_json",
    "render_inventory_errors",
    "render_inventory_text",
]
