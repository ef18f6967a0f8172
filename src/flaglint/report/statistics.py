"""``check --statistics``: how many findings each rule has, instead of the findings."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from flaglint.findings import Finding
from flaglint.report.run import RunInfo


def statistics_data(findings: Sequence[Finding], run: RunInfo) -> list[dict[str, object]]:
    """One entry per rule that found something, most findings first, then by code."""
    names = {rule.code: rule.name for rule in run.rules}
    counts = Counter(f.rule for f in findings)
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [{"code": code, "name": names.get(code, ""), "count": n} for code, n in ordered]


def render_statistics(findings: Sequence[Finding], run: RunInfo, output_format: str) -> str:
    """A table in the text format (ruff's shape: count, code, name), else JSON."""
    data = statistics_data(findings, run)
    if output_format != "text":
        return json.dumps(data, indent=2) + "\n"
    width = max((len(str(entry["count"])) for entry in data), default=1)
    return "".join(
        f"{entry['count']:>{width}}\t{entry['code']}\t{entry['name']}\n" for entry in data
    )
