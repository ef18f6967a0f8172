"""What the dormant-code rules share: which keys are feature flags, which nodes are functions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flaglint.callgraph import CallGraph

if TYPE_CHECKING:
    from flaglint.project import Project


FUNCTION_KINDS = ("function", "method")


def feature_flags(project: Project) -> set[str]:
    """Keys read in the tree that are feature flags rather than program state.

    The inventory lists every enum member tested in a condition. Bits of an
    ``enum.Flag`` / ``IntFlag`` are switches (Knight's Power Peg was one); a
    plain ``Enum`` compared with ``==`` (``status != QueryStatus.FAILED``) is
    state, and code behind it is not dormant because of it.
    """
    found: set[str] = set()
    enum_only: dict[str, str] = {}  # key -> the class name it starts with
    for key, reads in project.inventory.keys().items():
        if any(r.provider != "enum" for r in reads):
            found.add(key)
        else:
            enum_only[key] = key.partition(".")[0]
    if not enum_only:
        return found
    # Only classes of the names those keys start with: walking every class's bases
    # took a third of FL101's start on Django (10,000 classes, four flags).
    resolver = project.resolver
    heads = set(enum_only.values())
    switch_classes = {
        short
        for info in project.graph.nodes.values()
        if info.kind == "class"
        and (short := info.qualified.rpartition(".")[2]) in heads
        and any(
            base in ("enum.Flag", "enum.IntFlag")
            for klass in resolver.mro(info.qualified)
            for base in resolver.class_bases(klass)
        )
    }
    found.update(key for key, head in enum_only.items() if head in switch_classes)
    return found


def functions_of(graph: CallGraph, names: set[str]) -> list[str]:
    return sorted(n for n in names if graph.nodes[n].kind in FUNCTION_KINDS)
