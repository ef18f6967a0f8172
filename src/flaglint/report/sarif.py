"""SARIF 2.1.0, as GitHub code scanning reads it.

One run; ``tool.driver.rules`` carries each rule's documentation (the same
docstring as ``flaglint explain``) so that the alert page explains itself.
Locations are relative URIs under ``%SRCROOT%`` (the checkout), and
``partialFingerprints`` holds flaglint's line-independent fingerprint, so an
alert survives code moving around it. Nothing depends on the clock or on
absolute paths: the same findings give the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from flaglint import __version__
from flaglint.findings import Finding, Location
from flaglint.report.escape import uri_path
from flaglint.report.run import RuleInfo, RunInfo

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "flaglint/v1"
SRCROOT = "%SRCROOT%"
_LEVELS = {"error": "error", "warning": "warning", "note": "note"}


def _rule_descriptor(rule: RuleInfo, docs_url: str = "") -> dict[str, Any]:
    descriptor = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.what_it_does},
        "help": {"text": rule.documentation, "markdown": rule.documentation},
        "defaultConfiguration": {"level": _LEVELS.get(rule.severity, "warning")},
        "properties": {"tags": ["feature-flags", rule.name]},
    }
    if docs_url:
        # Codes and names are [A-Za-z0-9-]: nothing in them needs escaping in a URL.
        descriptor["helpUri"] = docs_url.replace("{code}", rule.code).replace("{name}", rule.name)
    return descriptor


def _physical(path: str, line: int, column: int, prefix: str, end_line: int = 0) -> dict[str, Any]:
    region: dict[str, int] = {"startLine": max(line, 1), "startColumn": max(column, 1)}
    if end_line > line:
        region["endLine"] = end_line
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": uri_path(prefix + path), "uriBaseId": SRCROOT},
            "region": region,
        }
    }


def _related(index: int, location: Location, prefix: str) -> dict[str, Any]:
    text = location.message or "related location"
    if location.revision:
        text = f"at {location.revision}: {text}"
    related = {"id": index, **_physical(location.path, location.line, location.column, prefix)}
    related["message"] = {"text": text}
    return related


def _result(finding: Finding, rule_index: int, prefix: str) -> dict[str, Any]:
    location = _physical(finding.path, finding.line, finding.column, prefix, finding.end_line)
    if finding.symbol:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.symbol}]
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": _LEVELS.get(finding.severity.value, "warning"),
        "message": {"text": finding.message},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
    }
    if finding.related:
        result["relatedLocations"] = [
            _related(i, r, prefix) for i, r in enumerate(finding.related, 1)
        ]
    if finding.flag:
        result["properties"] = {"flag": finding.flag}
    return result


def render_sarif(findings: Sequence[Finding], run: RunInfo) -> str:
    rules = {r.code: r for r in run.rules}
    for finding in findings:
        # A finding from a rule the caller did not list still needs a descriptor.
        if finding.rule not in rules:
            rules[finding.rule] = RuleInfo(
                finding.rule, finding.name, finding.severity.value, finding.name, "", finding.name
            )
    ordered = sorted(rules.values(), key=lambda r: r.code)
    index = {rule.code: i for i, rule in enumerate(ordered)}
    document = {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "flaglint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule_descriptor(r, run.rule_docs_url) for r in ordered],
                    }
                },
                # Where %SRCROOT% points is the consumer's checkout, so it is
                # described, not given as an absolute URI (the bytes would
                # change with the folder the check ran in).
                "originalUriBaseIds": {
                    SRCROOT: {
                        "description": {
                            "text": "The root of the repository's checkout: every location "
                            "is a path relative to it."
                        }
                    }
                },
                "results": [_result(f, index[f.rule], run.uri_prefix) for f in findings],
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"
