"""Where a function went: the same name and a near-identical body in another module or class.

A flag removal often comes with a move (a class copied to a new module without
its flag check); FL104 looks its candidates up by their base names, so a
candidate that no longer exists under its old name is followed to the place
its body went.
"""

from __future__ import annotations

import difflib
import textwrap
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flaglint.callgraph import NodeInfo
from flaglint.rules.dormant.helpers import FUNCTION_KINDS

if TYPE_CHECKING:
    from flaglint.project import Project

# How alike two bodies must be (difflib ratio over their stripped lines) to be one function.
SAME_BODY = 0.85


def _body(sources: dict[str, bytes], info: NodeInfo) -> list[str]:
    """The function's source lines after its ``def`` line, dedented and stripped."""
    definition = info.definition
    content = sources.get(info.facts.path)
    if definition is None or content is None:
        return []
    lines = content.decode("utf-8", "replace").splitlines()[definition.line : definition.end_line]
    text = textwrap.dedent("\n".join(lines))
    return [line.strip() for line in text.splitlines() if line.strip()]


def moved_to(base: Project, head: Project, gone: Iterable[str]) -> dict[str, str]:
    """For base functions missing at head: the head function their body went to.

    A match has the same name, is new at head (its qualified name did not
    exist at base) and a body at least ``SAME_BODY`` alike; the most alike wins,
    ties broken by name so the answer is deterministic.
    """
    from flaglint.rules.dormant.evidence import read_sources

    wanted = {q: base.graph.nodes[q] for q in gone if q in base.graph.nodes}
    names = {info.definition.name for info in wanted.values() if info.definition}
    if not names:
        return {}
    by_name: dict[str, list[str]] = defaultdict(list)
    for qualified, info in head.graph.nodes.items():
        definition = info.definition
        if (
            info.kind in FUNCTION_KINDS
            and definition is not None
            and definition.name in names
            and qualified not in base.graph.nodes
        ):
            by_name[definition.name].append(qualified)
    if not by_name:
        return {}
    head_sources = read_sources(
        head, {head.graph.nodes[q].facts.path for v in by_name.values() for q in v}
    )
    base_sources = read_sources(base, {info.facts.path for info in wanted.values()})
    found: dict[str, str] = {}
    for old in sorted(wanted):
        info = wanted[old]
        assert info.definition is not None
        old_body = _body(base_sources, info)
        best: tuple[float, str] | None = None
        for new in sorted(by_name.get(info.definition.name, [])):
            new_body = _body(head_sources, head.graph.nodes[new])
            if not old_body and not new_body:
                continue
            ratio = difflib.SequenceMatcher(None, old_body, new_body, autojunk=False).ratio()
            if ratio >= SAME_BODY and (best is None or ratio > best[0]):
                best = (ratio, new)
        if best is not None:
            found[old] = best[1]
    return found
