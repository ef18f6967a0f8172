"""The whole-program call graph: nodes and edge kinds, building, roots, reach, workers.

Where things go: a new kind of edge is an :class:`EdgeKind` member (``model``)
produced in ``build``; what runs without being called is decided in
``roots``; per-flag reach and exclusivity are in ``reach``; the forked
resolution is in ``workers``; edges kept between runs in ``incremental``.
The graph is held in plain dicts (``store``); networkx is imported only
when a question needs one of its algorithms (call cycles, a path for a
message, what the roots reach).
"""

from flaglint.callgraph.build import CallGraph
from flaglint.callgraph.model import HUB_PREFIX, SUPER_ROOT, EdgeKind, NodeInfo, RawEdge, Site
from flaglint.callgraph.reach import FlagReach

__all__ = [
    "HUB_PREFIX",
    "SUPER_ROOT",
    "CallGraph",
    "EdgeKind",
    "FlagReach",
    "NodeInfo",
    "RawEdge",
    "Site",
]
