"""Timelines as inline SVG: one per flag, one for the repository, drawn when the page is built.

A flag's line marks when its key was first seen, the commits that added or
removed quoted spellings of it, the last change of its gate lines, the last
change of each finding's line, and HEAD. When the gate changed long after the
key appeared (``dormant-after-days``, the Knight Capital shape: old code,
new gate) the gap between them is a shaded band with its length written out.

The axis is placed from commit dates only (no clock), so the same data gives
the same picture. Marks have shapes as well as colours (print, colour
blindness) and a ``<title>`` with the date and commit; names are escaped.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable
from typing import Any

DAY = 86400
FLAG_W = 640
REPO_W = 900
PAD = 36
BUCKET = 6  # px: marks closer than this on a repository lane are drawn as one


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _date(timestamp: int) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).date().isoformat()


def _year_start(year: int) -> int:
    return int(dt.datetime(year, 1, 1, tzinfo=dt.timezone.utc).timestamp())


class _Axis:
    """Maps author times to x between ``PAD`` and ``width - PAD``."""

    def __init__(self, times: Iterable[int], width: int) -> None:
        known = sorted(times)
        self.start, self.end = known[0], known[-1]
        if self.end - self.start < 60 * DAY:
            self.start -= 30 * DAY
            self.end += 30 * DAY
        self.width = width

    def x(self, timestamp: int) -> int:
        span = self.end - self.start
        return PAD + round((timestamp - self.start) * (self.width - 2 * PAD) / span)

    def ticks(self, y: int, height: int) -> str:
        first = dt.datetime.fromtimestamp(self.start, dt.timezone.utc).year + 1
        last = dt.datetime.fromtimestamp(self.end, dt.timezone.utc).year
        step = max(1, -(-(last - first + 1) // 8))
        # A tick and a label every ``step`` years: at most eight of each.
        years = list(range(first, last + 1, step))
        ticks = "".join(f"M{self.x(_year_start(year))} {y - height}V{y + 4}" for year in years)
        out = [
            f'<path class="tl-axis" d="M{PAD} {y}H{self.width - PAD}"/>',
            f'<path class="tl-tick" d="{ticks}"/>' if ticks else "",
        ]
        out.extend(
            f'<text class="tl-year" x="{self.x(_year_start(year))}" y="{y + 16}">{year}</text>'
            for year in years
        )
        return "".join(out)


def _commit_tip(label: str, commit: dict[str, Any] | None) -> str:
    if commit is None:
        return _e(label)
    return _e(f"{commit['date']} {label}: {commit['commit'][:10]} {commit['subject']}")


def flag_timeline(
    flag: dict[str, Any],
    findings: list[dict[str, Any]],
    head: dict[str, Any] | None,
    rewired_after_days: int,
) -> str:
    """The life of one flag on a time axis; empty without history."""
    found = flag["history"]
    if found is None:
        return ""
    # kind, commit, what happened: marks of one commit share one tooltip.
    events: list[tuple[str, dict[str, Any], str]] = []
    if found["first_seen"]:
        events.append(("first", found["first_seen"], "key first seen"))
    for change in found["changes"]:
        delta = change["delta"]
        label = f"{delta:+d} quoted spelling{'s' if abs(delta) != 1 else ''} of the key"
        events.append(("add" if delta > 0 else "del", change, label))
    gate = found["gate_change"]
    if gate:
        events.append(("gate", gate, f"gate changed at {found['gate_path']}:{found['gate_line']}"))
    for finding in findings:
        changed = finding.get("line_changed")
        if changed:
            label = f"{finding['rule']} line last changed ({finding['path']}:{finding['line']})"
            events.append(("find", changed, label))
    if not events:
        return ""
    times = [c["timestamp"] for _, c, _ in events] + ([head["timestamp"]] if head else [])
    axis = _Axis(times, FLAG_W)
    y = 44
    out = []
    if found["first_seen"] and gate:
        gap = (gate["timestamp"] - found["first_seen"]["timestamp"]) // DAY
        if gap >= rewired_after_days:
            x1, x2 = axis.x(found["first_seen"]["timestamp"]), axis.x(gate["timestamp"])
            out.append(
                f'<rect class="tl-gap" x="{x1}" y="{y - 14}" width="{x2 - x1}" height="18"/>'
                f'<text class="tl-gap-t" x="{(x1 + x2) // 2}" y="{y - 16}">'
                f"{_years(gap)} between key and gate change</text>"
            )
    out.append(axis.ticks(y, 6))
    if head:
        x = axis.x(head["timestamp"])
        out.append(
            f'<g class="tl-head"><path d="M{x} {y - 22}V{y + 6}"/>'
            f'<text x="{x}" y="{y - 25}">HEAD</text></g>'
        )
    by_commit: dict[str, list[tuple[str, dict[str, Any], str]]] = {}
    for event in events:
        by_commit.setdefault(event[1]["commit"], []).append(event)
    for group in sorted(
        by_commit.values(), key=lambda g: (g[0][1]["timestamp"], g[0][1]["commit"])
    ):
        commit = group[0][1]
        tip = _commit_tip("; ".join(label for _, _, label in group), commit)
        shapes = "".join(
            _mark(kind, axis.x(commit["timestamp"]), y, f' class="tl-{kind}"')
            for kind in sorted({kind for kind, _, _ in group}, key=ORDER.index)
        )
        out.append(f"<g><title>{tip}</title>{shapes}</g>")
    height = y + 20
    return (
        f'<svg class="timeline" role="img" width="{FLAG_W}" height="{height}" '
        f'viewBox="0 0 {FLAG_W} {height}">'
        f"<title>{_e('Timeline of ' + flag['key'])}</title>" + "".join(out) + "</svg>"
    )


def _years(days: int) -> str:
    return f"{days / 365.25:.1f} years" if days >= 365 else f"{days} days"


ORDER = ("add", "del", "first", "gate", "find")  # later shapes are drawn on top


def _mark(kind: str, x: int, y: int, attributes: str = "") -> str:
    """One event's shape: circle, up or down bar, diamond, triangle."""
    if kind == "first":
        return f'<circle{attributes} cx="{x}" cy="{y}" r="5"/>'
    if kind == "add":
        return f'<rect{attributes} x="{x - 2}" y="{y - 12}" width="4" height="12"/>'
    if kind == "del":
        return f'<rect{attributes} x="{x - 2}" y="{y}" width="4" height="12"/>'
    if kind == "gate":
        return f'<path{attributes} d="M{x} {y - 7}L{x + 7} {y}L{x} {y + 7}L{x - 7} {y}z"/>'
    return f'<path{attributes} d="M{x - 6} {y - 10}L{x + 6} {y - 10}L{x} {y - 2}z"/>'


LANES = (
    ("first", "keys first seen"),
    ("add", "reads added"),
    ("del", "reads removed"),
    ("gate", "gates last changed"),
    ("find", "finding lines changed"),
)
LANE_H = 24
LANE_TOP = 30
LABEL_W = 150


def repository_timeline(data: dict[str, Any]) -> str:
    """Every flag's events on one axis, a lane per kind; old keys with new gates joined."""
    marks: dict[str, list[tuple[int, str]]] = {kind: [] for kind, _ in LANES}
    for flag in data["flags"]:
        found = flag["history"]
        if found is None:
            continue
        if found["first_seen"]:
            marks["first"].append((found["first_seen"]["timestamp"], flag["key"]))
        for change in found["changes"]:
            marks["add" if change["delta"] > 0 else "del"].append(
                (change["timestamp"], flag["key"])
            )
        if found["gate_change"]:
            marks["gate"].append((found["gate_change"]["timestamp"], flag["key"]))
    for finding in data["findings"]:
        if finding.get("line_changed"):
            label = f"{finding['rule']} {finding['path']}:{finding['line']}"
            marks["find"].append((finding["line_changed"]["timestamp"], label))
    times = [t for lane in marks.values() for t, _ in lane]
    if not times:
        return ""
    head = (data["repository"] or {}).get("head")
    if head:
        times.append(head["timestamp"])
    width = REPO_W
    axis = _Axis(times, width - LABEL_W)
    bottom = LANE_TOP + len(LANES) * LANE_H
    out = [f'<g transform="translate({LABEL_W} 0)">', axis.ticks(bottom, bottom - LANE_TOP + 8)]
    lane_y = {kind: LANE_TOP + index * LANE_H + 8 for index, (kind, _) in enumerate(LANES)}
    by_key = {f["key"]: f for f in data["flags"]}
    for row in data["summary"]["old_keys_new_gates"]:
        found = by_key[row["key"]]["history"] if row["key"] in by_key else None
        if not found or not found["first_seen"] or not found["gate_change"]:
            continue
        x1 = axis.x(found["first_seen"]["timestamp"])
        x2 = axis.x(found["gate_change"]["timestamp"])
        y1, y2 = lane_y["first"], lane_y["gate"]
        out.append(
            f'<g class="tl-knight"><title>{_e(row["key"])}: first seen {_e(row["first_seen"])}, '
            f"gate changed {_e(row['gate_change'])} ({row['days_between']} days later)</title>"
            f'<path d="M{x1} {y1}C{x1} {y2} {x2} {y1} {x2} {y2}"/></g>'
        )
    for kind, _ in LANES:
        buckets: dict[int, list[tuple[int, str]]] = {}
        for timestamp, name in sorted(marks[kind]):
            buckets.setdefault(axis.x(timestamp) // BUCKET, []).append((timestamp, name))
        for items in buckets.values():
            x = axis.x(items[0][0])
            names = sorted({name for _, name in items})
            shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
            span = _date(items[0][0])
            if items[-1][0] != items[0][0]:
                span += f" to {_date(items[-1][0])}"
            tip = _e(f"{span}: {len(items)} × {dict(LANES)[kind]}: {shown}")
            out.append(
                f'<g class="tl-{kind}"><title>{tip}</title>{_mark(kind, x, lane_y[kind])}</g>'
            )
    if head:
        x = axis.x(head["timestamp"])
        out.append(
            f'<g class="tl-head"><title>{_commit_tip("HEAD", head)}</title>'
            f'<path d="M{x} {LANE_TOP - 8}V{bottom}"/>'
            f'<text x="{x}" y="{LANE_TOP - 12}">HEAD</text></g>'
        )
    out.append("</g>")
    labels = "".join(
        f'<text class="tl-lane" x="0" y="{lane_y[kind] + 4}">{_e(label)}</text>'
        for kind, label in LANES
    )
    height = bottom + 22
    return (
        f'<svg class="timeline repo-timeline" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
        "<title>Every flag's history on one time axis</title>" + labels + "".join(out) + "</svg>"
    )


LEGEND = (
    '<p class="legend"><span class="lg lg-first">● key first seen</span> '
    '<span class="lg lg-add">▮ reads added (up) / removed (down)</span> '
    '<span class="lg lg-gate">◆ gate last changed</span> '
    '<span class="lg lg-find">▼ a finding\'s line last changed</span> '
    '<span class="lg lg-gap">shaded: an old key with a new gate</span></p>'
)
