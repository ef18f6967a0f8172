"""A flag's reach as an inline SVG picture, laid out in layers when the page is built.

Left to right: the gate sites, what they call, what only the flag reaches
(one column per call depth), and the calls that leave that region, those
that dispatch (the ``sinks`` words) first. Each column shows at most
``COLUMN_CAP`` nodes and ends with an "and N more" node; the JSON report has
everything. The layout is a plain layered one written here (no dependency):
columns by call depth, rows in name order, edges as curves from left to right.

Colours, and the size of the boxes (``rect`` width and height are CSS
properties in SVG 2, which saves bytes on pages with hundreds of pictures),
come from the page's CSS classes (so dark mode and print apply);
shapes and a legend carry the same meaning without colour. Every name is
escaped, and the SVG holds no link, script or event attribute.
"""

from __future__ import annotations

import html
from typing import Any

COLUMN_CAP = 6
MAX_DEPTH = 2  # columns for what only the flag reaches; deeper nodes join the last
NODE_W = 164
NODE_H = 30
GAP_X = 34
GAP_Y = 10
TOP = 22
LABEL_CHARS = 22


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _short(name: str) -> str:
    """The last parts of a qualified name that fit a node."""
    parts = name.split(".")
    label = ".".join(parts[-2:]) if len(parts) > 1 else name
    if len(label) > LABEL_CHARS:
        label = parts[-1]
    if len(label) > LABEL_CHARS:
        label = label[: LABEL_CHARS - 1] + "…"
    return label


class _Node:
    __slots__ = ("name", "label", "sub", "kind", "finding", "x", "y")

    def __init__(self, name: str, label: str, sub: str, kind: str, finding: bool) -> None:
        self.name, self.label, self.sub, self.kind, self.finding = name, label, sub, kind, finding
        self.x = self.y = 0


def _columns(
    side: dict[str, Any], findings: list[dict[str, Any]], cap: int
) -> tuple[list[tuple[str, list[_Node], int]], list[tuple[str, str]]]:
    """The picture's columns (title, shown nodes, hidden count) and its edges."""
    marked_symbols = {f["symbol"] for f in findings if f["symbol"]}
    marked_lines = {(f["path"], f["line"]) for f in findings}
    exclusive = set(side["exclusive"])
    gates: dict[str, _Node] = {}
    edges: list[tuple[str, str]] = []
    for site in side["sites"]:
        gate = "gate:" + site["from"]
        if gate not in gates:
            gates[gate] = _Node(
                gate,
                _short(site["from"]),
                f"{site['path']}:{site['line']}",
                "gate",
                site["from"] in marked_symbols,
            )
        if (site["path"], site["line"]) in marked_lines:
            gates[gate].finding = True
        edges.append((gate, site["to"]))
    direct = sorted({s["to"] for s in side["sites"]})
    calls: dict[str, list[str]] = {}
    for call in side["calls"]:
        calls.setdefault(call["from"], []).append(call["to"])
    # Call depth of what only the flag reaches, from what the gates call.
    depth = {name: 0 for name in direct}
    frontier = list(direct)
    while frontier:
        following = []
        for name in frontier:
            for target in calls.get(name, ()):
                if target in exclusive and target not in depth:
                    depth[target] = depth[name] + 1
                    following.append(target)
        frontier = following
    layers: list[list[str]] = [[] for _ in range(MAX_DEPTH)]
    for name in sorted(exclusive):
        if depth.get(name, 1) > 0:
            layers[min(depth.get(name, 1), MAX_DEPTH) - 1].append(name)
    inside = set(direct) | exclusive
    sinks = set(side["sinks"])
    outside = sorted(
        {t for source, targets in calls.items() for t in targets if t not in inside},
        key=lambda name: (name not in sinks, name),
    )
    edges.extend((source, target) for source, targets in calls.items() for target in targets)

    def node(name: str) -> _Node:
        if name in sinks:
            kind = "sink"
        elif name in exclusive:
            kind = "dormant"
        elif name.startswith("*."):
            kind = "unknown"
        else:
            kind = "fn"
        return _Node(name, _short(name), "", kind, name in marked_symbols)

    columns: list[tuple[str, list[_Node], int]] = []
    gate_nodes = [gates[g] for g in sorted(gates)]
    columns.append(("gate sites", gate_nodes[:cap], len(gate_nodes) - cap))
    columns.append(("gated calls", [node(n) for n in direct[:cap]], len(direct) - cap))
    for index, layer in enumerate(layers):
        if layer:
            title = "only via the flag" if index == 0 else "… and deeper"
            columns.append((title, [node(n) for n in layer[:cap]], len(layer) - cap))
    if outside:
        columns.append(("calls out", [node(n) for n in outside[:cap]], len(outside) - cap))
    return columns, edges


def reach_svg(
    key: str,
    polarity: str,
    side: dict[str, Any],
    findings: list[dict[str, Any]],
    cap: int = COLUMN_CAP,
) -> str:
    """The reach picture of one polarity of ``key`` (an empty string when it gates nothing).

    ``cap`` nodes at most per column; the rest is one "and N more" node.
    """
    if not side["sites"]:
        return ""
    columns, edges = _columns(side, findings, cap)
    placed: dict[str, _Node] = {}
    rows = 0
    for index, (_, nodes, hidden) in enumerate(columns):
        for row, shown in enumerate(nodes):
            shown.x = index * (NODE_W + GAP_X)
            shown.y = TOP + row * (NODE_H + GAP_Y)
            placed.setdefault(shown.name, shown)
        rows = max(rows, len(nodes) + (hidden > 0))
    width = len(columns) * (NODE_W + GAP_X) - GAP_X + 2
    height = TOP + rows * (NODE_H + GAP_Y) + 2
    out: list[str] = []
    for index, (title, _, _) in enumerate(columns):
        out.append(
            f'<text class="rp-h" x="{index * (NODE_W + GAP_X) + 1}" y="13">{_e(title)}</text>'
        )
    drawn: set[tuple[str, str]] = set()
    curves, heads = [], []
    for source, target in edges:
        start, end = placed.get(source), placed.get(target)
        if start is None or end is None or end.x <= start.x or (source, target) in drawn:
            continue
        drawn.add((source, target))
        x1, y1 = start.x + NODE_W, start.y + NODE_H // 2
        x2, y2 = end.x, end.y + NODE_H // 2
        middle = (x1 + x2) // 2
        curves.append(f"M{x1} {y1}C{middle} {y1} {middle} {y2} {x2 - 5} {y2}")
        heads.append(f"M{x2 - 6} {y2 - 4}L{x2} {y2}L{x2 - 6} {y2 + 4}z")
    if curves:
        # One path for all the edges and one for their arrowheads keep the page small.
        out.append(f'<path class="rp-e" d="{"".join(curves)}"/>')
        out.append(f'<path class="rp-a" d="{"".join(heads)}"/>')
    for index, (_, nodes, hidden) in enumerate(columns):
        for shown in nodes:
            out.append(_node_svg(shown))
        if hidden > 0:
            x = index * (NODE_W + GAP_X)
            y = TOP + len(nodes) * (NODE_H + GAP_Y)
            out.append(
                f'<g class="rp-more" transform="translate({x + 1} {y})">'
                f'<rect/><text x="7" y="19">'
                f"and {hidden} more</text></g>"
            )
    label = f"Reach of {key} when {polarity}"
    return (
        f'<svg class="reach" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
        f"<title>{_e(label)}</title>" + "".join(out) + "</svg>"
    )


def _node_svg(node: _Node) -> str:
    """A node as a group placed by ``translate``: its box, label and tooltip (the full name)."""
    classes = f"rp-{node.kind}" + (" rp-finding" if node.finding else "")
    tip = node.name[5:] if node.kind == "gate" else node.name
    if node.sub:
        tip += f" at {node.sub}"
    mark = ""
    if node.finding:
        # A finding is a red corner badge with "!", visible without colour too.
        mark = (
            f'<circle class="rp-badge" cx="{NODE_W - 10}" cy="8" r="7"/>'
            f'<text class="rp-bang" x="{NODE_W - 12}" y="12">!</text>'
        )
    prefix = {"gate": "if ", "sink": "→ ", "dormant": "◆ "}.get(node.kind, "")
    sub = f'<text class="rp-sub" x="7" y="25">{_e(_clip(node.sub))}</text>' if node.sub else ""
    return (
        f'<g class="{classes}" transform="translate({node.x + 1} {node.y})">'
        f"<title>{_e(tip)}</title>"
        f"<rect/>"
        f'<text x="7" y="{13 if node.sub else 19}">{_e(_fit(prefix + node.label))}</text>'
        f"{sub}{mark}</g>"
    )


def _fit(text: str) -> str:
    """A label cut to what a box holds (11 px monospace: about 6.6 px a character)."""
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _clip(text: str, size: int = LABEL_CHARS + 2) -> str:
    return text if len(text) <= size else "…" + text[-(size - 1) :]


LEGEND = (
    '<p class="legend"><span class="lg lg-gate">if gate site</span> '
    '<span class="lg lg-dormant">◆ only through this flag</span> '
    '<span class="lg lg-sink">→ dispatches (a <code>sinks</code> word)</span> '
    '<span class="lg lg-fn">shared code</span> '
    '<span class="lg lg-finding">! a finding</span></p>'
)
