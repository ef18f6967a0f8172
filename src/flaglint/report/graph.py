"""A flag's reach (``flaglint graph``) and the whole call graph (``flaglint callgraph``)."""

from __future__ import annotations

import json
from typing import Any

from flaglint.callgraph import CallGraph, FlagReach
from flaglint.report.escape import dot_string, log_line


def reach_data(graph: CallGraph, key: str) -> dict[str, Any]:
    sides: dict[str, Any] = {}
    for on in (True, False):
        reach = graph.reach(key, on)
        sides["on" if on else "off"] = {
            "sites": [
                {"path": path, "line": line, "from": source, "to": target}
                for path, line, source, target in reach.sites
            ],
            "direct": sorted(reach.direct),
            "reach": {
                node: sorted(t for t in graph.callees(node) if t in reach.reach)
                for node in sorted(reach.reach)
            },
            "exclusive": sorted(reach.exclusive),
        }
    return {"key": key, **sides}


def render_reach_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2) + "\n"


def render_reach_text(data: dict[str, Any]) -> str:
    lines = [f"flag {data['key']}"]
    for side in ("on", "off"):
        part = data[side]
        if not part["sites"]:
            continue
        lines.append(f"  when {side}:")
        for site in part["sites"]:
            lines.append(f"    gate  {site['path']}:{site['line']}  {site['from']} -> {site['to']}")
        exclusive = set(part["exclusive"])
        for node, callees in part["reach"].items():
            mark = "  [exclusive]" if node in exclusive else ""
            lines.append(f"    {node}{mark}")
            for callee in callees:
                lines.append(f"      -> {callee}")
    return "\n".join(log_line(line) for line in lines) + "\n"


def render_reach_dot(data: dict[str, Any]) -> str:
    q = dot_string
    lines = [f'digraph "{q(data["key"])}" {{', "  rankdir=LR;"]
    for side in ("on", "off"):
        part = data[side]
        exclusive = set(part["exclusive"])
        for node in part["reach"]:
            style = ", style=filled, fillcolor=lightpink" if node in exclusive else ""
            lines.append(f'  "{q(node)}" [shape=box{style}];')
        for site in part["sites"]:
            label = q(f"{data['key']} {side} ({site['path']}:{site['line']})")
            edge = f'"{q(site["from"])}" -> "{q(site["to"])}"'
            lines.append(f'  {edge} [label="{label}", color=red];')
        for node, callees in part["reach"].items():
            for callee in callees:
                lines.append(f'  "{q(node)}" -> "{q(callee)}";')
    lines.append("}")
    return "\n".join(dict.fromkeys(lines)) + "\n"


def render_callgraph_json(graph: CallGraph) -> str:
    data = {
        "roots": sorted(graph.roots),
        "graph": graph.adjacency(),
    }
    return json.dumps(data, indent=2) + "\n"


__all__ = [
    "FlagReach",
    "reach_data",
    "render_callgraph_json",
    "render_reach_dot",
    "render_reach_json",
    "render_reach_text",
]
