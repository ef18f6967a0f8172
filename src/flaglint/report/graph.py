"""A flag's reach (``flaglint graph``) and the whole call graph (``flaglint callgraph``)."""

from __future__ import annotations

import json
from typing import Any

from flaglint.callgraph import CallGraph, FlagReach
from flaglint.callgraph.explain import adjacency, why_assumed
from flaglint.report.escape import dot_string, log_line, printable


def reach_data(graph: CallGraph, key: str) -> dict[str, Any]:
    sides: dict[str, Any] = {}
    for on in (True, False):
        reach = graph.reach(key, on)
        sides["on" if on else "off"] = {
            "sites": [
                {"path": path, "line": line, "from": source, "to": target}
                | ({"why": why} if (why := why_assumed(graph, source, target)) else {})
                for path, line, source, target in reach.sites
            ],
            "direct": sorted(reach.direct),
            "reach": {
                node: sorted(t for t in graph.callees(node) if t in reach.reach)
                for node in sorted(reach.reach)
            },
            "exclusive": sorted(reach.exclusive),
            # Edges among what the flag reaches, hubs of guessed calls included.
            "edges": [
                {"from": node, "to": target, "kind": str(graph.edge_kind(node, target))}
                | ({"why": why} if (why := why_assumed(graph, node, target)) else {})
                for node in sorted(
                    reach.reach | {t for *_, t in reach.sites if t not in reach.reach}
                )
                for target in graph.callees(node)
                if target in reach.reach
            ],
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
            why = site.get("why")
            note = f"  (may: {why})" if why else ""
            lines.append(
                f"    gate  {site['path']}:{site['line']}  {site['from']} -> {site['to']}{note}"
            )
        exclusive = set(part["exclusive"])
        kinds = {(e["from"], e["to"]): e for e in part.get("edges", ())}
        for node, callees in part["reach"].items():
            mark = "  [exclusive]" if node in exclusive else ""
            lines.append(f"    {node}{mark}")
            for callee in callees:
                edge = kinds.get((node, callee), {})
                kind = edge.get("kind", "call")
                note = f"  ({kind}: {edge['why']})" if "why" in edge else f"  ({kind})"
                lines.append(f"      -> {callee}{note if kind != 'call' else ''}")
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


def limit_depth(data: dict[str, Any], depth: int) -> dict[str, Any]:
    """``data`` with only the functions within ``depth`` calls of a gate (1: what it calls)."""
    limited: dict[str, Any] = {"key": data["key"]}
    for side in ("on", "off"):
        part = data[side]
        distance = {node: 1 for node in part["direct"] if node in part["reach"]}
        frontier = list(distance)
        while frontier:
            following = []
            for node in frontier:
                if distance[node] >= depth:
                    continue
                for callee in part["reach"].get(node, ()):
                    if callee not in distance:
                        distance[callee] = distance[node] + 1
                        following.append(callee)
            frontier = following
        kept = {node for node, hops in distance.items() if hops <= depth}
        limited[side] = {
            **part,
            "reach": {
                node: [c for c in callees if c in kept]
                for node, callees in part["reach"].items()
                if node in kept
            },
            "exclusive": [node for node in part["exclusive"] if node in kept],
        }
    return limited


def render_reach_mermaid(data: dict[str, Any]) -> str:
    """A Mermaid flowchart (GitHub renders it in Markdown): gates as labelled red edges."""
    ids: dict[str, str] = {}

    def node(name: str) -> str:
        if name not in ids:
            ids[name] = f"n{len(ids)}"
        return ids[name]

    def label(text: str) -> str:
        # Mermaid has no escape for a quote inside a quoted label; its entity does.
        return printable(text).replace('"', "#quot;")

    lines = ["flowchart LR"]
    exclusive: set[str] = set()
    for side in ("on", "off"):
        part = data[side]
        exclusive.update(part["exclusive"])
        for site in part["sites"]:
            gate = label(f"{data['key']} {side} ({site['path']}:{site['line']})")
            lines.append(f'  {node(site["from"])} -->|"{gate}"| {node(site["to"])}')
        for caller, callees in part["reach"].items():
            node(caller)
            for callee in callees:
                lines.append(f"  {node(caller)} --> {node(callee)}")
    declared = [f'  {ident}["{label(name)}"]' for name, ident in ids.items()]
    styled = [f"  class {ids[name]} exclusive" for name in ids if name in exclusive]
    style = ["  classDef exclusive fill:#fbd"] if styled else []
    body = list(dict.fromkeys(lines[1:]))
    return "\n".join([lines[0], *declared, *body, *style, *styled]) + "\n"


def render_callgraph_json(graph: CallGraph) -> str:
    data = {
        "roots": sorted(graph.roots),
        "graph": adjacency(graph),
    }
    return json.dumps(data, indent=2) + "\n"


__all__ = [
    "FlagReach",
    "limit_depth",
    "reach_data",
    "render_callgraph_json",
    "render_reach_dot",
    "render_reach_json",
    "render_reach_mermaid",
    "render_reach_text",
]
