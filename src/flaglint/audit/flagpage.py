"""The flags section of the audit page: an overview table, then one article per flag.

An article holds the flag's facts, its timeline, a short table of reads and,
per polarity, the reach picture with summarised lists: a few gate sites and
what only the flag reaches, each ending with "and N more". The complete lists
stay in the JSON report, which keeps the page small for hundreds of flags.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flaglint.audit import picture, timeline
from flaglint.audit.links import SourceLinks
from flaglint.audit.markup import (
    AGES,
    commit_html,
    esc,
    filter_box,
    flag_anchor,
    plural,
    source_link,
    table_html,
    wrap_name,
)


@dataclass(frozen=True)
class Limits:
    """How many names an article shows: per picture column, gate sites, exclusive, reads."""

    column: int
    sites: int
    exclusive: int
    reads: int


FULL = Limits(column=picture.COLUMN_CAP, sites=5, exclusive=6, reads=8)
# Past this many flags the articles shrink so that the page stays near 2 MB
# for 400 flags: fewer names per picture column and list, and no written-out
# list of what only the flag reaches (its picture names the first few).
MANY_FLAGS = 100
COMPACT = Limits(column=3, sites=3, exclusive=0, reads=3)


def _more(hidden: int, noun: str) -> str:
    if hidden <= 0:
        return ""
    return f'<p class="muted more">and {hidden} more {noun} (the JSON report lists all)</p>'


def _overview(data: dict[str, Any]) -> str:
    rows: list[list[Any]] = []
    attributes = []
    for flag in data["flags"]:
        found = flag["history"] or {}
        first, gate = found.get("first_seen"), found.get("gate_change")
        age = found.get("gate_age_days")
        rows.append(
            [
                f'<a href="#{flag_anchor(flag["key"])}"><code>{wrap_name(flag["key"])}</code></a>',
                esc(", ".join(flag["providers"])),
                str(len(flag["reads"])),
                f"<time>{esc(first['date'])}</time>" if first else "—",
                f"<time>{esc(gate['date'])}</time>" if gate else "—",
                ("" if age is None else str(age), "" if age is None else str(age)),
                str(len(flag["gates"]["on"]["exclusive"])),
                str(len(flag["gates"]["off"]["exclusive"])),
                str(flag["findings"]),
            ]
        )
        attributes.append(
            f' data-provider="{esc(" ".join(flag["providers"]))}"'
            f' data-age="{"" if age is None else age}"'
        )
    providers = sorted({p for flag in data["flags"] for p in flag["providers"]})
    filters = filter_box(
        "flags-table",
        [
            ("Provider", "provider", [(p, p) for p in providers], False),
            ("Gate unchanged for at least", "age", AGES, True),
        ],
    )
    return filters + table_html(
        "All flags (click a header to sort)",
        [
            "Flag",
            "Provider",
            "Reads",
            "First seen",
            "Gate changed",
            "Gate age (days)",
            "Only when on",
            "Only when off",
            "Findings",
        ],
        rows,
        numeric=frozenset({2, 5, 6, 7, 8}),
        table_id="flags-table",
        row_attrs=attributes,
    )


def _again(commit: dict[str, Any] | None, first: dict[str, Any] | None, empty: str) -> str:
    """A commit, or a short note when it is the one the key was first seen in."""
    if commit is not None and first is not None and commit["commit"] == first["commit"]:
        return f"<time>{esc(commit['date'])}</time> <span class=muted>(the same commit)</span>"
    return commit_html(commit, empty)


def _facts(
    flag: dict[str, Any], own: list[tuple[int, dict[str, Any]]], links: SourceLinks
) -> list[tuple[str, str]]:
    key = flag["key"]
    facts = [("Provider", esc(", ".join(flag["providers"])))]
    found = flag["history"]
    if found is not None:
        unspelled = "the key is not spelled in any diff"
        first = commit_html(found["first_seen"], unspelled)
        if found["first_seen"] is not None and found["searched"] != key:
            first += (
                f" <span class=muted>(the key is built; found by its part "
                f"<code>{wrap_name(found['searched'])}</code>)</span>"
            )
        facts.append(("First seen", first))
        facts.append(
            ("Last touched", _again(found["last_mention"], found["first_seen"], unspelled))
        )
        gate = _again(found["gate_change"], found["first_seen"], "not committed")
        if found["gate_change"] is not None:
            gate += " at " + source_link(links, found["gate_path"], found["gate_line"])
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
                    f'<a href="#finding-{index}">{esc(f["rule"])} at '
                    f"<code>{wrap_name(f['path'])}:{f['line']}</code></a>"
                    for index, f in own
                ),
            )
        )
    return facts


def _reads(flag: dict[str, Any], links: SourceLinks, limits: Limits) -> str:
    if len(flag["reads"]) == 1 and not flag["reads"][0].get("negated"):
        # One read is a line, not a table (hundreds of flags read once each).
        read = flag["reads"][0]
        value = f" = {esc(read['value'])}" if "value" in read else ""
        return (
            f"<p>Read at {source_link(links, read['path'], read['line'], read['column'])} "
            f"in <code>{esc(read['symbol'])}</code>{value}.</p>"
        )
    # The value column only for keys that have one (enum members, negated reads).
    valued = any("value" in r or r.get("negated") for r in flag["reads"])
    shown = flag["reads"][: limits.reads]
    return table_html(
        f"Reads of {flag['key']}",
        ["Where", "In", "Value"][: 3 if valued else 2],
        [
            [
                source_link(links, r["path"], r["line"], r["column"]),
                f"<code>{wrap_name(r['symbol'])}</code>",
                (esc(r["value"]) if "value" in r else "")
                + (" <span class=muted>(negated)</span>" if r.get("negated") else ""),
            ][: 3 if valued else 2]
            for r in shown
        ],
    ) + _more(len(flag["reads"]) - len(shown), "reads")


def _side(
    flag: dict[str, Any],
    side: str,
    findings: list[dict[str, Any]],
    links: SourceLinks,
    limits: Limits,
) -> str:
    reach = flag["gates"][side]
    # One line per gate: the calls under it are in the picture.
    places = sorted({(s["path"], s["line"], s["from"]) for s in reach["sites"]})
    sites = "".join(
        f"<li>{source_link(links, path, line)} in <code>{esc(source)}</code></li>"
        for path, line, source in places[: limits.sites]
    )
    exclusive = reach["exclusive"]
    summary = (
        f"{plural(len(reach['reach']), 'definition')} reached, "
        f"{len(exclusive) or 'none'} only through this flag"
        + (f" ({plural(reach['exclusive_lines'], 'line')})" if exclusive else "")
        + (f"; {plural(len(reach['sinks']), 'dispatching call')}" if reach["sinks"] else "")
    )
    only = ""
    # The picture names up to a column of them; a longer list is written out.
    if len(exclusive) > limits.column and limits.exclusive:
        items = "".join(f"<li><code>{esc(n)}</code></li>" for n in exclusive[: limits.exclusive])
        only = f"<p>Only through this flag:</p><ul>{items}</ul>" + _more(
            len(exclusive) - limits.exclusive, "functions"
        )
    # A picture where there is something to see: code only the flag reaches,
    # or a call that dispatches. Shared code alone stays a list.
    svg = ""
    if exclusive or reach["sinks"] or findings:
        svg = picture.reach_svg(flag["key"], side, reach, findings, limits.column)
    return (
        f'<div class="polarity"><h4>When {side}</h4><p>{esc(summary)}.</p>'
        + (f'<figure class="picture">{svg}</figure>' if svg else "")
        + f"<p>Gate sites:</p><ul>{sites}</ul>"
        + _more(len(places) - limits.sites, "gate sites")
        + only
        + "</div>"
    )


def _commits(flag: dict[str, Any], findings: list[dict[str, Any]]) -> int:
    """How many commits a flag's timeline would mark."""
    found = flag["history"] or {}
    marked = [found.get("first_seen"), found.get("gate_change"), *found.get("changes", ())]
    marked += [f.get("line_changed") for f in findings]
    return len({c["commit"] for c in marked if c})


def flag_article(
    flag: dict[str, Any],
    own: list[tuple[int, dict[str, Any]]],
    data: dict[str, Any],
    links: SourceLinks,
    limits: Limits = FULL,
) -> str:
    """One flag's article; ``own`` are its findings with their row numbers."""
    key = flag["key"]
    details = "".join(
        f"<dt>{esc(label)}</dt><dd>{value}</dd>" for label, value in _facts(flag, own, links)
    )
    findings = [f for _, f in own]
    repository = data["repository"] or {}
    line = ""
    if limits is FULL or _commits(flag, findings) > 1:
        # Compact pages leave out a timeline of a single commit: the facts date it.
        line = timeline.flag_timeline(
            flag, findings, repository.get("head"), data["summary"]["rewired_after_days"]
        )
    sides = [
        _side(flag, side, findings, links, limits)
        for side in ("on", "off")
        if flag["gates"][side]["sites"]
    ]
    if not sides:
        sides.append('<p class="muted">No call inside a gated region resolves to project code.</p>')
    anchor = flag_anchor(key)
    return (
        f'<article class="flag" id="{anchor}" aria-labelledby="{anchor}-h">'
        f'<h3 id="{anchor}-h"><code>{wrap_name(key)}</code></h3><dl>{details}</dl>'
        + (f'<figure class="picture">{line}</figure>' if line else "")
        + f"{_reads(flag, links, limits)}{''.join(sides)}</article>"
    )


def flags_section(data: dict[str, Any], links: SourceLinks) -> str:
    head = '<section id="flags" aria-labelledby="flags-h">'
    head += f'<h2 id="flags-h">Flags ({len(data["flags"])})</h2>'
    if not data["flags"]:
        return head + "<p>No flag read was found.</p></section>"
    by_flag: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for index, finding in enumerate(data["findings"], 1):
        if finding["flag"]:
            by_flag.setdefault(finding["flag"], []).append((index, finding))
    limits = COMPACT if len(data["flags"]) > MANY_FLAGS else FULL
    articles = "".join(
        flag_article(f, by_flag.get(f["key"], []), data, links, limits) for f in data["flags"]
    )
    legends = (
        "<p>Each flag below has a timeline and, per polarity, a reach picture "
        "(hover a shape for its name, date and commit)"
        + (
            f"; with more than {MANY_FLAGS} flags they name fewer functions each"
            if limits is COMPACT
            else ""
        )
        + ". The JSON report (<code>--format json</code>) lists everything.</p>"
        + timeline.LEGEND
        + picture.LEGEND
    )
    return head + _overview(data) + legends + articles + "</section>"
