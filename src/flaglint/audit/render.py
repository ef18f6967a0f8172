"""The audit as data (the JSON document), and as text for a terminal."""

from __future__ import annotations

import json
from typing import Any

from flaglint import __version__
from flaglint.audit.gather import Audit, AuditedFlag, FlagHistory, Reach
from flaglint.flags.inventory import FlagRead
from flaglint.history import CommitInfo
from flaglint.report.escape import log_line
from flaglint.report.findings_json import finding_data

SCHEMA_VERSION = 1
TOP = 10


def commit_data(commit: CommitInfo | None) -> dict[str, Any] | None:
    if commit is None:
        return None
    return {
        "commit": commit.commit,
        "date": commit.date,
        "timestamp": commit.timestamp,
        "subject": commit.subject,
    }


def _read_data(read: FlagRead) -> dict[str, Any]:
    data: dict[str, Any] = {
        "path": read.path,
        "line": read.line,
        "column": read.column,
        "symbol": read.symbol,
        "provider": read.provider,
    }
    if read.value is not None:
        data["value"] = read.value
    if read.negated:
        data["negated"] = True
    return data


def _reach_data(reach: Reach) -> dict[str, Any]:
    return {
        "sites": [
            {"path": path, "line": line, "from": source, "to": target}
            for path, line, source, target in reach.sites
        ],
        "direct": list(reach.direct),
        "reach": list(reach.reach),
        "exclusive": list(reach.exclusive),
        "exclusive_lines": reach.exclusive_lines,
        "calls": [{"from": source, "to": target} for source, target in reach.calls],
        "sinks": list(reach.sinks),
    }


def _history_data(found: FlagHistory | None, head: CommitInfo | None) -> dict[str, Any] | None:
    if found is None:
        return None
    age = None
    if head is not None and found.gate_change is not None:
        age = max(0, (head.timestamp - found.gate_change.timestamp) // 86400)
    return {
        "first_seen": commit_data(found.first_seen),
        "last_mention": commit_data(found.last_mention),
        "gate_change": commit_data(found.gate_change),
        "gate_path": found.gate_path,
        "gate_line": found.gate_line,
        "gate_age_days": age,
        "uncommitted_gates": found.uncommitted_gates,
        "searched": found.searched,
        "changes": [
            {**(commit_data(event.commit) or {}), "delta": event.delta} for event in found.changes
        ],
    }


def _flag_data(flag: AuditedFlag, head: CommitInfo | None, findings: int) -> dict[str, Any]:
    return {
        "key": flag.key,
        "providers": list(flag.providers),
        "reads": [_read_data(r) for r in flag.reads],
        "gates": {"on": _reach_data(flag.on), "off": _reach_data(flag.off)},
        "history": _history_data(flag.history, head),
        "findings": findings,
    }


def audit_data(audit: Audit) -> dict[str, Any]:
    """The audit as one JSON-ready document, in a stable order."""
    repository = audit.repository
    head = repository.head if repository is not None else None
    per_flag: dict[str, int] = {}
    per_rule: dict[str, int] = {}
    for finding in audit.findings:
        per_rule[finding.rule] = per_rule.get(finding.rule, 0) + 1
        if finding.flag:
            per_flag[finding.flag] = per_flag.get(finding.flag, 0) + 1
    flags = [_flag_data(f, head, per_flag.get(f.key, 0)) for f in audit.flags]
    changed = {(path, line): commit for path, line, commit in audit.finding_commits}
    ran = {r.code for r in audit.rules_run}
    rules = [
        {
            "code": rule.code,
            "name": rule.name,
            "severity": rule.severity.value,
            "summary": rule.summary,
            "needs_history": rule.needs_history,
            "ran": rule.code in ran,
            "findings": per_rule.get(rule.code, 0),
            "sections": rule.sections(),
        }
        for rule in sorted(audit.rules_run + audit.rules_skipped, key=lambda r: r.code)
    ]
    # Findings from audit-only checks may carry codes outside the registry.
    known = {r["code"] for r in rules}
    extra = sorted(code for code in per_rule if code not in known)
    by_rule = [
        {"rule": r["code"], "name": r["name"], "severity": r["severity"], "count": r["findings"]}
        for r in rules
        if r["ran"]
    ] + [{"rule": code, "name": "", "severity": "", "count": per_rule[code]} for code in extra]
    dated = [f for f in flags if f["history"] and f["history"]["first_seen"]]
    oldest = sorted(dated, key=lambda f: (f["history"]["first_seen"]["date"], f["key"]))[:TOP]
    rewired = []
    for flag in flags:
        found = flag["history"]
        if not found or not found["first_seen"] or not found["gate_change"]:
            continue
        gap = (found["gate_change"]["timestamp"] - found["first_seen"]["timestamp"]) // 86400
        if gap >= audit.rewired_after_days:
            rewired.append((-gap, flag["key"], found))
    gating = [f for f in flags if _exclusive(f) or _reach_size(f)]
    most = sorted(gating, key=lambda f: (-_exclusive_lines(f), -_exclusive(f), f["key"]))[:TOP]
    return {
        "version": __version__,
        "schema": SCHEMA_VERSION,
        "project": audit.name,
        "repository": None
        if repository is None
        else {
            "head": commit_data(repository.head),
            "shallow": repository.shallow,
            "dirty": list(repository.dirty),
            "prefix": repository.prefix,
            "since": None
            if repository.since is None
            else {"revision": repository.since_revision, **(commit_data(repository.since) or {})},
        },
        "summary": {
            "files": audit.files,
            "lines": audit.lines,
            "flags": len(flags),
            "dynamic_reads": len(audit.dynamic_reads),
            "findings": len(audit.findings),
            "findings_by_rule": by_rule,
            "rules_skipped": [r.code for r in audit.rules_skipped],
            "added_since": list(audit.added_since),
            "removed_since": list(audit.removed_since),
            "oldest_flags": [
                {"key": f["key"], "first_seen": f["history"]["first_seen"]["date"]} for f in oldest
            ],
            "rewired_after_days": audit.rewired_after_days,
            "old_keys_new_gates": [
                {
                    "key": key,
                    "first_seen": found["first_seen"]["date"],
                    "gate_change": found["gate_change"]["date"],
                    "days_between": -gap,
                }
                for gap, key, found in sorted(rewired)[:TOP]
            ],
            "most_gated": [
                {
                    "key": f["key"],
                    "exclusive_functions": _exclusive(f),
                    "exclusive_lines": _exclusive_lines(f),
                    "reach": _reach_size(f),
                }
                for f in most
            ],
        },
        "notes": list(audit.notes),
        "findings": [
            finding_data(f) | {"line_changed": commit_data(changed.get((f.path, f.line)))}
            for f in audit.findings
        ],
        "flags": flags,
        "dynamic_reads": [
            _read_data(r) | {"expression": r.expression} for r in audit.dynamic_reads
        ],
        "rules": rules,
    }


def _exclusive(flag: dict[str, Any]) -> int:
    return sum(len(flag["gates"][side]["exclusive"]) for side in ("on", "off"))


def _exclusive_lines(flag: dict[str, Any]) -> int:
    return sum(flag["gates"][side]["exclusive_lines"] for side in ("on", "off"))


def _reach_size(flag: dict[str, Any]) -> int:
    return len(set(flag["gates"]["on"]["reach"]) | set(flag["gates"]["off"]["reach"]))


def render_audit_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2) + "\n"


def _commit_text(commit: dict[str, Any] | None) -> str:
    if commit is None:
        return "-"
    return f"{commit['date']}  {commit['commit'][:10]}  {commit['subject']}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def render_audit_text(data: dict[str, Any]) -> str:
    """The audit for a terminal: summary first, then findings, flags and notes."""
    out: list[str] = []
    repository = data["repository"]
    title = f"flaglint audit of {data['project']}"
    if repository and repository["head"]:
        title += f" at {_commit_text(repository['head'])}"
    out.append(title)
    if repository and repository["since"]:
        since = repository["since"]
        out.append(f"compared with --since {since['revision']}: {_commit_text(since)}")

    summary = data["summary"]
    out.append("")
    out.append("Summary")
    out.append(
        f"  {_plural(summary['files'], 'file')}, {_plural(summary['lines'], 'line')}; "
        f"{_plural(summary['flags'], 'flag')}, {_plural(summary['dynamic_reads'], 'dynamic read')}"
        f"; {_plural(summary['findings'], 'finding')}."
    )
    out.append("  Findings by rule:")
    for row in summary["findings_by_rule"]:
        out.append(f"    {row['rule']}  {row['name']:<28} {row['severity']:<8} {row['count']}")
    if summary["rules_skipped"]:
        out.append(f"  Not run (need --since): {', '.join(summary['rules_skipped'])}")
    if repository and repository["since"]:
        for label, keys in (("added", summary["added_since"]), ("gone", summary["removed_since"])):
            out.append(
                f"  Flags {label} since {repository['since']['revision']}: "
                + (", ".join(keys) if keys else "none")
            )
    if summary["oldest_flags"]:
        out.append("  Oldest flags (first seen in git):")
        for row in summary["oldest_flags"]:
            out.append(f"    {row['first_seen']}  {row['key']}")
    if summary["old_keys_new_gates"]:
        out.append("  Old keys with new gates (possible reuse; check what the flag means now):")
        for row in summary["old_keys_new_gates"]:
            out.append(
                f"    {row['key']}  first seen {row['first_seen']}, gate changed "
                f"{row['gate_change']} ({row['days_between']} days later)"
            )
    if summary["most_gated"]:
        out.append("  Flags gating the most code (exclusive functions, lines; all reached):")
        for row in summary["most_gated"]:
            out.append(
                f"    {row['key']}  {row['exclusive_functions']} exclusive, "
                f"{row['exclusive_lines']} lines; reaches {row['reach']}"
            )

    if data["notes"]:
        out.append("")
        out.append("Notes")
        out.extend(f"  - {note}" for note in data["notes"])

    out.append("")
    out.append(f"Findings ({len(data['findings'])})")
    if not data["findings"]:
        out.append("  none")
    for finding in data["findings"]:
        out.append(
            f"  {finding['path']}:{finding['line']}:{finding['column']}: "
            f"{finding['rule']} {finding['message']}"
        )
        for related in finding["related"]:
            at = f"{related['revision']}:" if related["revision"] else ""
            out.append(f"      {at}{related['path']}:{related['line']}: {related['message']}")

    out.append("")
    out.append(f"Flags ({len(data['flags'])})")
    if not data["flags"]:
        out.append("  none")
    for flag in data["flags"]:
        out.extend(_flag_text(flag))

    if data["dynamic_reads"]:
        out.append("")
        out.append(f"Dynamic reads ({len(data['dynamic_reads'])}): keys not known statically")
        for read in data["dynamic_reads"]:
            out.append(
                f"  {read['path']}:{read['line']}  {read['provider']}  "
                f"key={read['expression'] or '?'}  in {read['symbol']}"
            )
    # Keys, paths and messages come from the analysed code: one escaped line each.
    return "\n".join(log_line(line) for line in out) + "\n"


def _searched(flag: dict[str, Any]) -> str:
    searched = flag["history"]["searched"]
    if searched == flag["key"] or flag["history"]["first_seen"] is None:
        return ""
    return f"  (the key is built; found by its part '{searched}')"


def _flag_text(flag: dict[str, Any]) -> list[str]:
    lines = [
        "",
        f"  {flag['key']}  [{', '.join(flag['providers'])}]  {_plural(len(flag['reads']), 'read')}"
        + (f", {_plural(flag['findings'], 'finding')}" if flag["findings"] else ""),
    ]
    found = flag["history"]
    if found is not None:
        lines.append(f"    first seen    {_commit_text(found['first_seen'])}{_searched(flag)}")
        lines.append(f"    last touched  {_commit_text(found['last_mention'])}")
        gate = _commit_text(found["gate_change"])
        if found["gate_change"] is not None:
            gate += f"  ({found['gate_path']}:{found['gate_line']}"
            if found["gate_age_days"] is not None:
                gate += f", {found['gate_age_days']} days before HEAD"
            gate += ")"
        lines.append(f"    gate changed  {gate}")
        if found["uncommitted_gates"]:
            lines.append(f"    uncommitted   {_plural(found['uncommitted_gates'], 'read line')}")
    for read in flag["reads"]:
        extra = f" = {read['value']}" if "value" in read else ""
        negated = " (negated)" if read.get("negated") else ""
        place = f"{read['path']}:{read['line']}"
        lines.append(f"    read  {place}  in {read['symbol']}{extra}{negated}")
    for side in ("on", "off"):
        reach = flag["gates"][side]
        if not reach["sites"]:
            continue
        lines.append(
            f"    {side:<4}  gates {', '.join(reach['direct']) or '(unresolved calls)'}; "
            f"reaches {_plural(len(reach['reach']), 'function')}, "
            f"{len(reach['exclusive'])} exclusive ({_plural(reach['exclusive_lines'], 'line')})"
        )
        for node in reach["exclusive"]:
            lines.append(f"          only through this flag: {node}")
    return lines
