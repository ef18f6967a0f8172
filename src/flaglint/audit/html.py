"""The audit as one self-contained HTML page: inline CSS, a little inline JS, no network.

The CSS and the script live in ``assets/`` as package data and are inlined.

Every piece of text from the analysed code (keys, paths, names, messages) goes
through :func:`html.escape`. The page is a pure function of the audit data:
the same data gives the same bytes; no clock is read.
"""

from __future__ import annotations

import hashlib
import html
import re
from importlib.resources import files
from typing import Any

LONG_LIST = 12


def _asset(name: str) -> str:
    """A file of ``assets/``, shipped as package data and inlined in the page."""
    return files("flaglint.audit").joinpath("assets", name).read_text(encoding="utf-8")


CSS = _asset("audit.css")
SCRIPT = _asset("audit.js")


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _name(value: object) -> str:
    """A key, path or qualified name, escaped, with places to wrap after ``.``, ``_``, ``/``."""
    return re.sub(r"([._/])", r"\1<wbr>", _e(value))


def flag_anchor(key: str) -> str:
    """A stable, valid fragment id for any key (keys may hold any character)."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", key).strip("-")[:40] or "key"
    return f"flag-{slug}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:8]}"


def rule_anchor(code: str) -> str:
    return "rule-" + re.sub(r"[^A-Za-z0-9_-]+", "-", code)


def _rule_link(code: str, documented: set[str]) -> str:
    """A rule code, linked to its explanation when the report has one."""
    if code in documented:
        return f'<a href="#{rule_anchor(code)}">{_e(code)}</a>'
    return _e(code)


def _commit(commit: dict[str, Any] | None, empty: str = "not found") -> str:
    if commit is None:
        return f'<span class="muted">{_e(empty)}</span>'
    return (
        f"<time>{_e(commit['date'])}</time> "
        f'<code title="{_e(commit["commit"])}">{_e(commit["commit"][:10])}</code> '
        f"{_e(commit['subject'])}"
    )


def _count(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _date(commit: dict[str, Any] | None) -> str:
    return f"<time>{_e(commit['date'])}</time>" if commit else "—"


def _severity(level: str) -> str:
    if not level:
        return ""
    return f'<span class="sev sev-{_e(level)}">{_e(level)}</span>'


def _table(
    caption: str, head: list[str], rows: list[list[str]], numeric: frozenset[int] = frozenset()
) -> str:
    cells = "".join(
        f'<th scope="col"{" class=num" if i in numeric else ""}>{_e(h)}</th>'
        for i, h in enumerate(head)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{' class=num' if i in numeric else ''}>{cell}</td>" for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        # Focusable, so that a table wider than the screen scrolls from the keyboard.
        f'<div class="table-wrap" role="region" tabindex="0" aria-label="{_e(caption)}">'
        f"<table><caption>{_e(caption)}</caption>"
        f"<thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _names(names: list[str], exclusive: set[str] | None = None) -> str:
    exclusive = exclusive or set()
    items = "".join(
        f"<li{' class=exclusive' if n in exclusive else ''}><code>{_name(n)}</code>"
        + (" <span class=muted>(only through this flag)</span>" if n in exclusive else "")
        + "</li>"
        for n in names
    )
    return f"<ul>{items}</ul>"


def _key_list(keys: list[str], link: bool) -> str:
    if not keys:
        return '<span class="muted">none</span>'
    if link:
        return ", ".join(f'<a href="#{flag_anchor(k)}"><code>{_name(k)}</code></a>' for k in keys)
    return ", ".join(f"<code>{_name(k)}</code>" for k in keys)


def _prose(text: str) -> str:
    """A rule docstring section: paragraphs, inline code and fenced code blocks."""
    out: list[str] = []
    for index, part in enumerate(re.split(r"```[a-z]*\n?", text)):
        if index % 2:
            out.append(f"<pre><code>{_e(part.rstrip())}</code></pre>")
            continue
        for paragraph in re.split(r"\n\s*\n", part.strip()):
            if paragraph.strip():
                escaped = _e(" ".join(paragraph.split()))
                out.append("<p>" + re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped) + "</p>")
    return "".join(out)


def _header(data: dict[str, Any]) -> str:
    repository = data["repository"]
    meta: list[str] = []
    if repository is None:
        meta.append("Not a git work tree: no history.")
    elif repository["head"] is not None:
        meta.append(f"At commit {_commit(repository['head'])}.")
        if repository["dirty"]:
            meta.append(f"{len(repository['dirty'])} file(s) with uncommitted changes.")
    if repository is not None and repository["since"] is not None:
        since = repository["since"]
        meta.append(f"Compared with <code>{_e(since['revision'])}</code>: {_commit(since)}.")
    sections = [
        ("summary", "Summary"),
        ("findings", f"Findings ({len(data['findings'])})"),
        ("flags", f"Flags ({len(data['flags'])})"),
    ]
    if data["dynamic_reads"]:
        sections.append(("dynamic", f"Dynamic reads ({len(data['dynamic_reads'])})"))
    sections.append(("rules", "Rules"))
    links = "".join(f'<li><a href="#{anchor}">{_e(title)}</a></li>' for anchor, title in sections)
    return (
        '<a class="skip" href="#main">Skip to the report</a>'
        f"<header><h1>Flag audit of <code>{_e(data['project'])}</code></h1>"
        f'<p class="meta">{" ".join(meta)}</p>'
        f'<nav aria-label="Sections"><ul>{links}</ul></nav></header>'
    )


def _summary(data: dict[str, Any]) -> str:
    summary = data["summary"]
    documented = {rule["code"] for rule in data["rules"]}
    stats = "".join(
        f"<div><dt>{_e(label)}</dt><dd>{value:,}</dd></div>"
        for label, value in (
            ("Files", summary["files"]),
            ("Lines", summary["lines"]),
            ("Flags", summary["flags"]),
            ("Dynamic reads", summary["dynamic_reads"]),
            ("Findings", summary["findings"]),
        )
    )
    by_rule = _table(
        "Findings by rule",
        ["Rule", "Name", "Severity", "Findings"],
        [
            [
                _rule_link(r["rule"], documented),
                _e(r["name"]),
                _severity(r["severity"]),
                str(r["count"]),
            ]
            for r in summary["findings_by_rule"]
        ],
        numeric=frozenset({3}),
    )
    parts = [by_rule]
    if summary["oldest_flags"]:
        parts.append(
            _table(
                "Oldest flags (first seen in git)",
                ["First seen", "Flag"],
                [
                    [
                        f"<time>{_e(r['first_seen'])}</time>",
                        f'<a href="#{flag_anchor(r["key"])}"><code>{_name(r["key"])}</code></a>',
                    ]
                    for r in summary["oldest_flags"]
                ],
            )
        )
    if summary["old_keys_new_gates"]:
        parts.append(
            _table(
                "Old keys with new gates (possible reuse)",
                ["Flag", "First seen", "Gate changed", "Days between"],
                [
                    [
                        f'<a href="#{flag_anchor(r["key"])}"><code>{_name(r["key"])}</code></a>',
                        f"<time>{_e(r['first_seen'])}</time>",
                        f"<time>{_e(r['gate_change'])}</time>",
                        str(r["days_between"]),
                    ]
                    for r in summary["old_keys_new_gates"]
                ],
                numeric=frozenset({3}),
            )
        )
    if summary["most_gated"]:
        parts.append(
            _table(
                "Flags gating the most code",
                ["Flag", "Exclusive functions", "Exclusive lines", "Reached"],
                [
                    [
                        f'<a href="#{flag_anchor(r["key"])}"><code>{_name(r["key"])}</code></a>',
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
        revision = _e(repository["since"]["revision"])
        added = summary["added_since"]
        gone = summary["removed_since"]
        parts.append(
            _table(
                f"Flags added and gone since {repository['since']['revision']}",
                ["Change", "Flags"],
                [
                    [f"added since <code>{revision}</code>", _key_list(added, link=True)],
                    [f"gone since <code>{revision}</code>", _key_list(gone, link=False)],
                ],
            )
        )
    notes = ""
    if data["notes"]:
        items = "".join(f"<li>{_e(n)}</li>" for n in data["notes"])
        notes = f'<h3 id="notes">Notes</h3><ul class="notes">{items}</ul>'
    skipped = ""
    if summary["rules_skipped"]:
        skipped = (
            '<p class="muted">Not run (they compare revisions; pass <code>--since REV</code>): '
            + ", ".join(
                f'<a href="#{rule_anchor(c)}">{_e(c)}</a>' for c in summary["rules_skipped"]
            )
            + ".</p>"
        )
    return (
        '<section id="summary" aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2>'
        f'<dl class="stats">{stats}</dl>{notes}<div class="columns">{"".join(parts)}</div>'
        f"{skipped}</section>"
    )


def _findings(data: dict[str, Any]) -> str:
    findings = data["findings"]
    documented = {rule["code"] for rule in data["rules"]}
    head = (
        '<section id="findings" aria-labelledby="findings-h">'
        f'<h2 id="findings-h">Findings ({len(findings)})</h2>'
    )
    if not findings:
        return head + "<p>No rule reported anything.</p></section>"
    keys = {f["key"] for f in data["flags"]}
    levels = sorted({f["severity"] for f in findings})
    options = "".join(f'<option value="{_e(s)}">{_e(s)}</option>' for s in levels)
    filters = (
        '<div class="filter" id="finding-filters" hidden>'
        '<label>Filter <input type="search" id="finding-text" '
        'placeholder="path, rule, flag, words"></label>'
        f'<label>Severity <select id="finding-severity"><option value="">all</option>'
        f"{options}</select></label>"
        f'<span id="finding-status" role="status" aria-live="polite"></span></div>'
    )
    rows = []
    for index, finding in enumerate(findings, 1):
        flag = finding["flag"]
        if flag and flag in keys:
            flag_cell = f'<a href="#{flag_anchor(flag)}"><code>{_name(flag)}</code></a>'
        else:
            flag_cell = f"<code>{_name(flag)}</code>" if flag else ""
        related = ""
        if finding["related"]:
            related = (
                '<ul class="related">'
                + "".join(
                    "<li>"
                    + (f"<code>{_e(r['revision'][:10])}</code>:" if r["revision"] else "")
                    + f"<code>{_name(r['path'])}:{r['line']}</code> {_e(r['message'])}</li>"
                    for r in finding["related"]
                )
                + "</ul>"
            )
        symbol = f'<br><span class="muted mono">{_e(finding["symbol"])}</span>'
        rows.append(
            f'<tr id="finding-{index}" data-severity="{_e(finding["severity"])}">'
            f"<td>{_severity(finding['severity'])}</td>"
            f"<td>{_rule_link(finding['rule'], documented)}"
            f'<br><span class="muted">{_e(finding["name"])}</span></td>'
            f"<td><code>{_name(finding['path'])}:{finding['line']}:{finding['column']}</code>"
            f"{symbol if finding['symbol'] else ''}</td>"
            f"<td>{flag_cell}</td><td>{_e(finding['message'])}{related}</td></tr>"
        )
    table = (
        '<div class="table-wrap" role="region" tabindex="0" aria-label="Findings">'
        '<table id="findings-table">'
        '<caption>Every finding, by place</caption><thead><tr><th scope="col">Severity</th>'
        '<th scope="col">Rule</th><th scope="col">Where</th><th scope="col">Flag</th>'
        f'<th scope="col">Message</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
    )
    return head + filters + table + "</section>"


def _flag_overview(data: dict[str, Any]) -> str:
    rows = []
    for flag in data["flags"]:
        found = flag["history"]
        first = _date(found["first_seen"] if found else None)
        changed = _date(found["gate_change"] if found else None)
        rows.append(
            [
                f'<a href="#{flag_anchor(flag["key"])}"><code>{_name(flag["key"])}</code></a>',
                _e(", ".join(flag["providers"])),
                str(len(flag["reads"])),
                first,
                changed,
                str(len(flag["gates"]["on"]["exclusive"])),
                str(len(flag["gates"]["off"]["exclusive"])),
                str(flag["findings"]),
            ]
        )
    return _table(
        "All flags",
        [
            "Flag",
            "Provider",
            "Reads",
            "First seen",
            "Gate changed",
            "Only when on",
            "Only when off",
            "Findings",
        ],
        rows,
        numeric=frozenset({2, 5, 6, 7}),
    )


def _flag(flag: dict[str, Any], own: list[tuple[int, dict[str, Any]]]) -> str:
    """One flag's article; ``own`` are its findings with their row numbers."""
    key = flag["key"]
    facts = [("Provider", _e(", ".join(flag["providers"])))]
    found = flag["history"]
    if found is not None:
        unspelled = "the key is not spelled in any diff"
        first = _commit(found["first_seen"], unspelled)
        if found["first_seen"] is not None and found["searched"] != key:
            first += (
                f" <span class=muted>(the key is built; found by its part "
                f"<code>{_name(found['searched'])}</code>)</span>"
            )
        facts.append(("First seen", first))
        facts.append(("Last touched", _commit(found["last_mention"], unspelled)))
        gate = _commit(found["gate_change"], "not committed")
        if found["gate_change"] is not None:
            gate += f" at <code>{_name(found['gate_path'])}:{found['gate_line']}</code>"
            if found["gate_age_days"] is not None:
                gate += f" ({found['gate_age_days']} days before HEAD)"
        facts.append(("Gate last changed", gate))
        if found["uncommitted_gates"]:
            facts.append(("Uncommitted", f"{found['uncommitted_gates']} read line(s)"))
    if own:
        facts.append(
            (
                "Findings",
                "<br>".join(
                    f'<a href="#finding-{index}">{_e(f["rule"])} at '
                    f"<code>{_name(f['path'])}:{f['line']}</code></a>"
                    for index, f in own
                ),
            )
        )
    details = "".join(f"<dt>{_e(label)}</dt><dd>{value}</dd>" for label, value in facts)
    # The value column only for keys that have one (enum members, negated reads).
    valued = any("value" in r or r.get("negated") for r in flag["reads"])
    reads = _table(
        f"Reads of {key}",
        ["Where", "In", "Value"][: 3 if valued else 2],
        [
            [
                f"<code>{_name(r['path'])}:{r['line']}:{r['column']}</code>",
                f"<code>{_name(r['symbol'])}</code>",
                (_e(r["value"]) if "value" in r else "")
                + (" <span class=muted>(negated)</span>" if r.get("negated") else ""),
            ][: 3 if valued else 2]
            for r in flag["reads"]
        ],
    )
    sides = []
    for side in ("on", "off"):
        reach = flag["gates"][side]
        if not reach["sites"]:
            continue
        sites = "".join(
            f"<li><code>{_name(s['path'])}:{s['line']}</code> <code>{_e(s['from'])}</code> calls "
            f"<code>{_name(s['to'])}</code></li>"
            for s in reach["sites"]
        )
        exclusive = set(reach["exclusive"])
        summary = (
            f"{_count(len(reach['reach']), 'definition')} reached, "
            f"{len(exclusive) or 'none'} only through this flag"
            + (f" ({_count(reach['exclusive_lines'], 'line')})" if exclusive else "")
        )
        everything = _names(reach["reach"], exclusive)
        if len(reach["reach"]) > LONG_LIST:
            everything = (
                # Long lists stay folded in print too: the JSON report has them.
                f'<details data-print="folded"><summary>All {len(reach["reach"])} '
                "reached</summary>"
                f"{everything}</details>"
            )
        sides.append(
            f'<div class="polarity"><h4>When {side}</h4><p>{_e(summary)}.</p>'
            f"<p>Gate sites:</p><ul>{sites}</ul>"
            + (f"<p>Only through this flag:</p>{_names(sorted(exclusive))}" if exclusive else "")
            + f"<p>Everything reached:</p>{everything}</div>"
        )
    if not sides:
        sides.append('<p class="muted">No call inside a gated region resolves to project code.</p>')
    return (
        f'<article class="flag" id="{flag_anchor(key)}" aria-labelledby="{flag_anchor(key)}-h">'
        f'<h3 id="{flag_anchor(key)}-h"><code>{_name(key)}</code></h3><dl>{details}</dl>'
        f"{reads}{''.join(sides)}</article>"
    )


def _flags(data: dict[str, Any]) -> str:
    head = '<section id="flags" aria-labelledby="flags-h">'
    head += f'<h2 id="flags-h">Flags ({len(data["flags"])})</h2>'
    if not data["flags"]:
        return head + "<p>No flag read was found.</p></section>"
    by_flag: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for index, finding in enumerate(data["findings"], 1):
        if finding["flag"]:
            by_flag.setdefault(finding["flag"], []).append((index, finding))
    articles = "".join(_flag(f, by_flag.get(f["key"], [])) for f in data["flags"])
    return head + _flag_overview(data) + articles + "</section>"


def _dynamic(data: dict[str, Any]) -> str:
    if not data["dynamic_reads"]:
        return ""
    table = _table(
        "Reads whose key is not known statically",
        ["Where", "In", "Provider", "Key expression"],
        [
            [
                f"<code>{_name(r['path'])}:{r['line']}:{r['column']}</code>",
                f"<code>{_name(r['symbol'])}</code>",
                _e(r["provider"]),
                f"<code>{_e(r['expression'] or '?')}</code>",
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
            _count(rule["findings"], "finding")
            if rule["ran"]
            else "not run: compares revisions, pass --since REV"
        )
        sections = "".join(
            f"<h4>{_e(title)}</h4>{_prose(text)}" for title, text in rule["sections"].items()
        )
        parts.append(
            f'<article class="rule" id="{rule_anchor(rule["code"])}">'
            f"<h3>{_e(rule['code'])} {_e(rule['name'])} {_severity(rule['severity'])}</h3>"
            f"<p>{_e(rule['summary'])} <span class=muted>({_e(status)})</span></p>"
            f"{sections}</article>"
        )
    return (
        '<section id="rules" aria-labelledby="rules-h"><h2 id="rules-h">Rules</h2>'
        + "".join(parts)
        + "</section>"
    )


def render_audit_html(data: dict[str, Any]) -> str:
    """The audit data (see :func:`flaglint.audit.render.audit_data`) as an HTML page."""
    repository = data["repository"]
    footer = f"Written by flaglint {_e(data['version'])}"
    if repository is not None and repository["head"] is not None:
        footer += f" from commit <code>{_e(repository['head']['commit'])}</code>"
    footer += "."
    body = "\n".join(
        [
            _header(data),
            '<main id="main">',
            _summary(data),
            _findings(data),
            _flags(data),
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
        f'<meta name="generator" content="flaglint {_e(data["version"])}">\n'
        f"<title>flaglint audit: {_e(data['project'])}</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n{body}\n"
        f"<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
