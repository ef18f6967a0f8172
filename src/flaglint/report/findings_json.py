"""The JSON format: a documented, stable schema (see README, "JSON output")."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from flaglint import __version__
from flaglint.findings import Finding

SCHEMA_VERSION = 1


def finding_data(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "name": finding.name,
        "severity": finding.severity.value,
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line or finding.line,
        "symbol": finding.symbol,
        "flag": finding.flag,
        "message": finding.message,
        "related": [
            {
                "path": r.path,
                "line": r.line,
                "column": r.column,
                "message": r.message,
                "revision": r.revision,
            }
            for r in finding.related
        ],
        "fingerprint": finding.fingerprint,
    }


def render_json(
    findings: Sequence[Finding], errors: Sequence[Mapping[str, Any]], stats: Mapping[str, Any]
) -> str:
    document = {
        "version": __version__,
        "schema": SCHEMA_VERSION,
        "findings": [finding_data(f) for f in findings],
        "errors": list(errors),
        "stats": dict(stats),
    }
    return json.dumps(document, indent=2, sort_keys=False) + "\n"
