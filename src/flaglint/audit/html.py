"""The audit as one self-contained HTML page: inline CSS, a little inline JS, no network.

The CSS and the script live in ``assets/`` as package data and are inlined.

Every piece of text from the analysed code (keys, paths, names, messages) goes
through :func:`html.escape`. The page is a pure function of the audit data:
the same data gives the same bytes; no clock is read.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from flaglint.audit import timeline
from flaglint.audit.flagpage import flags_section
from flaglint.audit.links import SourceLinks
from flaglint.audit.markup import (
    AGES,
    commit_html,
    esc,
    filter_box,
    flag_anchor,
    key_list,
    plural,
    prose,
    rule_anchor,
    rule_link,
    severity_html,
    source_link,
    table_html,
    wrap_name,
)

__all__ = ["flag_anchor", "render_audit_html"]

DAY = 86400


def _asset(name: str) -> str:
    """A file of ``assets/``, shipped as package data and inlined in the page."""
    return files("flaglint.audit").joinpath("assets", name).read_text(encoding="utf-8")


CSS = _asset("audit.css")
SCRIPT = _asset("audit.js")


def _header(data: dict[str, Any]) -> str:
    repository = data["repository"]
    meta: list[str] = []
    if repository is None:
        meta.append("Not a git work tree: no history.")
    elif repository["head"] is not None:
        meta.append(f"At commit {commit_html(repository['head'])}.")
        if repository["dirty"]:
            meta.append(f"{len(repository['dirty'])} file(s) with uncommitted changes.")
    if repository is not None and repository["since"] is not None:
        since = repository["since"]
        meta.append(f"Compared with <code>{esc(since['revision'])}</code>: {commit_html(since)}.")
    sections = [
        ("summary", "Summary"),
        ("findings", f"Findings ({len(data['findings'])})"),
        ("flags", f"Flags ({len(data['flags'])})"),
    ]
    if data["dynamic_reads"]:
        sections.append(("dynamic", f"Dynamic reads ({len(data['dynamic_reads'])})"))
    sections.append(("rules", "Rules"))
    links = "".join(f'<li><a href="#{anchor}">{esc(title)}</a></li>' for anchor, title in sections)
    return (
        '<a class="skip" href="#main">Skip to the report</a>'
        f"<header><h1>Flag audit of <code>{esc(data['project'])}</code></h1>"
        f'<p class="meta">{" ".join(meta)}</p>'
        f'<nav aria-label="Sections"><ul>{links}</ul></nav></header>'
    )


def _summary(data: dict[str, Any]) -> str:
    summary = data["summary"]
    documented = {rule["code"] for rule in data["rules"]}
    stats = "".join(
        f"<div><dt>{esc(label)}</dt><dd>{value:,}</dd></div>"
        for label, value in (
            ("Files", summary["files"]),
            ("Lines", summary["lines"]),
            ("Flags", summary["flags"]),
            ("Dynamic reads", summary["dynamic_reads"]),
            ("Findings", summary["findings"]),
        )
    )
    by_rule = table_html(
        "Findings by rule",
        ["Rule", "Name", "Severity", "Findings"],
        [
            [
                rule_link(r["rule"], documented),
                esc(r["name"]),
                severity_html(r["severity"]),
                str(r["count"]),
            ]
            for r in summary["findings_by_rule"]
        ],
        numeric=frozenset({3}),
    )
    parts = [by_rule]
    if summary["oldest_flags"]:
        parts.append(
            table_html(
                "Oldest flags (first seen in git)",
                ["First seen", "Flag"],
                [
                    [
                        f"<time>{esc(r['first_seen'])}</time>",
                        _flag_link(r["key"]),
                    ]
                    for r in summary["oldest_flags"]
                ],
            )
        )
    if summary["old_keys_new_gates"]:
        parts.append(
            table_html(
                "Old keys with new gates (possible reuse)",
                ["Flag", "First seen", "Gate changed", "Days between"],
                [
                    [
                        _flag_link(r["key"]),
                        f"<time>{esc(r['first_seen'])}</time>",
                        f"<time>{esc(r['gate_change'])}</time>",
                        str(r["days_between"]),
                    ]
                    for r in summary["old_keys_new_gates"]
                ],
                numeric=frozenset({3}),
            )
        )
    if summary["most_gated"]:
        parts.append(
            table_html(
                "Flags gating the most code",
                ["Flag", "Exclusive functions", "Exclusive lines", "Reached"],
                [
                    [
                        _flag_link(r["key"]),
                        str(r["exclusive_functions"]),
                        str(r["exclusive_lines"]),
                        str(r["reach"]),
                    ]
                    for r in summary["most_gated"]
                ],
                numeric=frozenset({1, 2, 3}),
            )
        )
    repository = data["repository"]
    if repository is not None and repository["since"] is not None:
        revision = esc(repository["since"]["revision"])
        added = summary["added_since"]
        gone = summary["removed_since"]
        parts.append(
            table_html(
                f"Flags added and gone since {repository['since']['revision']}",
                ["Change", "Flags"],
                [
                    [f"added since <code>{revision}</code>", key_list(added, link=True)],
                    [f"gone since <code>{revision}</code>", key_list(gone, link=False)],
                ],
            )
        )
    notes = ""
    if data["notes"]:
        items = "".join(f"<li>{esc(n)}</li>" for n in data["notes"])
        notes = f'<h3 id="notes">Notes</h3><ul class="notes">{items}</ul>'
    skipped = ""
    if summary["rules_skipped"]:
        skipped = (
            '<p class="muted">Not run (they compare revisions; pass <code>--since REV</code>): '
            + ", ".join(
                f'<a href="#{rule_anchor(c)}">{esc(c)}</a>' for c in summary["rules_skipped"]
            )
            + ".</p>"
        )
    return (
        '<section id="summary" aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2>'
        f'<dl class="stats">{stats}</dl>{notes}<div class="columns">{"".join(parts)}</div>'
        f"{skipped}{_history(data)}</section>"
    )


def _flag_link(key: str) -> str:
    return f'<a href="#{flag_anchor(key)}"><code>{wrap_name(key)}</code></a>'


def _history(data: dict[str, Any]) -> str:
    """The repository's timeline: every flag's events on one axis."""
    picture = timeline.repository_timeline(data)
    if not picture:
        return ""
    return (
        '<h3 id="history">History of every flag</h3>'
        f'<figure class="picture">{picture}</figure>{timeline.LEGEND}'
    )


def _findings(data: dict[str, Any], links: SourceLinks) -> str:
    findings = data["findings"]
    documented = {rule["code"] for rule in data["rules"]}
    head = (
        '<section id="findings" aria-labelledby="findings-h">'
        f'<h2 id="findings-h">Findings ({len(findings)})</h2>'
    )
    if not findings:
        return head + "<p>No rule reported anything.</p></section>"
    flags = {f["key"]: f for f in data["flags"]}
    repository = data["repository"] or {}
    now = (repository.get("head") or {}).get("timestamp")
    rows = []
    for index, finding in enumerate(findings, 1):
        flag = finding["flag"]
        if flag and flag in flags:
            flag_cell = f'<a href="#{flag_anchor(flag)}"><code>{wrap_name(flag)}</code></a>'
        else:
            flag_cell = f"<code>{wrap_name(flag)}</code>" if flag else ""
        related = ""
        if finding["related"]:
            related = (
                '<ul class="related">'
                + "".join(
                    "<li>"
                    + (f"<code>{esc(r['revision'][:10])}</code>:" if r["revision"] else "")
                    + f"<code>{wrap_name(r['path'])}:{r['line']}</code> {esc(r['message'])}</li>"
                    for r in finding["related"]
                )
                + "</ul>"
            )
        symbol = f'<br><span class="muted mono">{wrap_name(finding["symbol"])}</span>'
        changed = finding.get("line_changed")
        age = "" if not changed or now is None else str(max(0, (now - changed["timestamp"]) // DAY))
        providers = " ".join(flags[flag]["providers"]) if flag in flags else ""
        rows.append(
            f'<tr id="finding-{index}" data-severity="{esc(finding["severity"])}" '
            f'data-rule="{esc(finding["rule"])}" data-provider="{esc(providers)}" '
            f'data-age="{age}">'
            f"<td>{severity_html(finding['severity'])}</td>"
            f"<td>{rule_link(finding['rule'], documented)}"
            f'<br><span class="muted">{esc(finding["name"])}</span></td>'
            f"<td>{source_link(links, finding['path'], finding['line'], finding['column'])}"
            f"{symbol if finding['symbol'] else ''}</td>"
            f"<td>{flag_cell}</td><td>{esc(finding['message'])}{related}</td></tr>"
        )

    def choices(values: set[str]) -> list[tuple[str, str]]:
        return [(v, v) for v in sorted(values) if v]

    filters = filter_box(
        "findings-table",
        [
            ("Rule", "rule", choices({f["rule"] for f in findings}), False),
            ("Severity", "severity", choices({f["severity"] for f in findings}), False),
            (
                "Provider",
                "provider",
                choices(
                    {
                        p
                        for f in findings
                        if f["flag"] in flags
                        for p in flags[f["flag"]]["providers"]
                    }
                ),
                False,
            ),
            ("Line unchanged for at least", "age", AGES, True),
        ],
    )
    table = (
        '<div class="table-wrap" role="region" tabindex="0" aria-label="Findings">'
        '<table id="findings-table" class="findings" data-sortable>'
        "<caption>Every finding, by place (click a header to sort)</caption>"
        '<colgroup><col class="c-sev"><col class="c-rule"><col class="c-where">'
        '<col class="c-flag"><col class="c-message"></colgroup>'
        '<thead><tr><th scope="col">Severity</th>'
        '<th scope="col">Rule</th><th scope="col">Where</th><th scope="col">Flag</th>'
        f'<th scope="col">Message</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
    )
    return head + filters + table + "</section>"


def _dynamic(data: dict[str, Any]) -> str:
    if not data["dynamic_reads"]:
        return ""
    table = table_html(
        "Reads whose key is not known statically",
        ["Where", "In", "Provider", "Key expression"],
        [
            [
                f"<code>{wrap_name(r['path'])}:{r['line']}:{r['column']}</code>",
                f"<code>{wrap_name(r['symbol'])}</code>",
                esc(r["provider"]),
                f"<code>{esc(r['expression'] or '?')}</code>",
            ]
            for r in data["dynamic_reads"]
        ],
    )
    return (
        '<section id="dynamic" aria-labelledby="dynamic-h">'
        f'<h2 id="dynamic-h">Dynamic reads ({len(data["dynamic_reads"])})</h2>{table}</section>'
    )


def _rules(data: dict[str, Any]) -> str:
    parts = []
    for rule in data["rules"]:
        status = (
            plural(rule["findings"], "finding")
            if rule["ran"]
            else "not run: compares revisions, pass --since REV"
        )
        sections = "".join(
            f"<h4>{esc(title)}</h4>{prose(text)}" for title, text in rule["sections"].items()
        )
        parts.append(
            f'<article class="rule" id="{rule_anchor(rule["code"])}">'
            f"<h3>{esc(rule['code'])} {esc(rule['name'])} {severity_html(rule['severity'])}</h3>"
            f"<p>{esc(rule['summary'])} <span class=muted>({esc(status)})</span></p>"
            f"{sections}</article>"
        )
    return (
        '<section id="rules" aria-labelledby="rules-h"><h2 id="rules-h">Rules</h2>'
        + "".join(parts)
        + "</section>"
    )


def render_audit_html(data: dict[str, Any], links: SourceLinks | None = None) -> str:
    """The audit data (see :func:`flaglint.audit.render.audit_data`) as an HTML page.

    ``links`` says how paths link to the source (default: relative to the page,
    as if it were written at the audited root).
    """
    links = links or SourceLinks()
    repository = data["repository"]
    footer = f"Written by flaglint {esc(data['version'])}"
    if repository is not None and repository["head"] is not None:
        footer += f" from commit <code>{esc(repository['head']['commit'])}</code>"
    footer += "."
    body = "\n".join(
        [
            _header(data),
            '<main id="main">',
            _summary(data),
            _findings(data, links),
            flags_section(data, links),
            _dynamic(data),
            _rules(data),
            "</main>",
            f"<footer><p>{footer}</p></footer>",
        ]
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="flaglint {esc(data["version"])}">\n'
        f"<title>flaglint audit: {esc(data['project'])}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n{body}\n"
        f"<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
