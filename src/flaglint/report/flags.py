"""The flag inventory (``flaglint flags``) as JSON and as text."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from flaglint.facts.model import FileFacts
from flaglint.flags.inventory import Inventory
from flaglint.report.escape import log_line


def error_data(files: Sequence[FileFacts]) -> list[dict[str, Any]]:
    out = []
    for facts in files:
        if facts.error is not None:
            out.append(
                {
                    "rule": "FL901",
                    "path": facts.path,
                    "line": facts.error.line,
                    "column": facts.error.col + 1,
                    "message": facts.error.message,
                }
            )
    return out


def inventory_data(inventory: Inventory, errors: Sequence[FileFacts]) -> dict[str, Any]:
    gates = inventory.gates_by_key()
    branches = inventory.branches_by_key()
    flags = []
    for key, reads in inventory.keys().items():
        providers = sorted({r.provider for r in reads})
        flags.append(
            {
                "key": key,
                "provider": providers[0] if len(providers) == 1 else ",".join(providers),
                "reads": [
                    {"path": r.path, "line": r.line, "column": r.column, "symbol": r.symbol}
                    | ({"value": r.value} if r.value is not None else {})
                    | ({"negated": True} if r.negated else {})
                    for r in reads
                ],
                "gates": gates.get(key, {"on": [], "off": []}),
                "branches": [
                    {"path": path, "line": line, "when": side}
                    for path, line, side in branches.get(key, ())
                ],
            }
        )
    dynamic = [
        {
            "provider": r.provider,
            "path": r.path,
            "line": r.line,
            "column": r.column,
            "symbol": r.symbol,
            "expression": r.expression,
        }
        for r in inventory.dynamic_reads()
    ]
    return {"flags": flags, "dynamic_reads": dynamic, "errors": error_data(errors)}


def render_inventory_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2) + "\n"


def render_inventory_errors(data: dict[str, Any]) -> str:
    """Files that could not be analysed, one FL901 line each: for stderr, not the listing."""
    lines = [
        f"{error['path']}:{error['line']}:{error['column']}: FL901 {error['message']}"
        for error in data["errors"]
    ]
    return "".join(log_line(line) + "\n" for line in lines)


def render_inventory_text(data: dict[str, Any]) -> str:
    lines: list[str] = []
    for flag in data["flags"]:
        lines.append(f"{flag['key']}  [{flag['provider']}]  {len(flag['reads'])} read(s)")
        for read in flag["reads"]:
            extra = f" = {read['value']}" if "value" in read else ""
            neg = " (negated)" if read.get("negated") else ""
            lines.append(
                f"    read  {read['path']}:{read['line']}  in {read['symbol']}{extra}{neg}"
            )
        for side in ("on", "off"):
            for target in flag["gates"][side]:
                lines.append(f"    {side:<4}  -> {target}")
        for branch in flag.get("branches", ()):
            when = branch["when"]
            how = "with other conditions" if when == "mixed" else f"runs when {when}"
            lines.append(f"    if    {branch['path']}:{branch['line']}  ({how})")
    if data["dynamic_reads"]:
        lines.append("dynamic reads (key not known statically):")
        for read in data["dynamic_reads"]:
            key = read["expression"] or "?"
            lines.append(f"    {read['path']}:{read['line']}  {read['provider']}  key={key}")
    count = len(data["flags"])
    lines.append(
        f"{count} flag{'s' if count != 1 else ''}, {len(data['dynamic_reads'])} dynamic read(s)."
    )
    # Keys, paths and expressions come from the analysed code: one escaped line each.
    return "\n".join(log_line(line) for line in lines) + "\n"
