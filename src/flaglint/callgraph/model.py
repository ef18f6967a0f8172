"""What the call graph is made of: node records, the one list of edge kinds, call sites.

Nodes are modules (their bodies), classes (their bodies run on import),
functions and methods by qualified name, plus two kinds of virtual node:
``<roots>``, the super-root with an edge to everything that runs without
being called, and ``name:m``, a hub for ``obj.m()`` calls whose receiver is
unknown (one edge in from each such call, one ``may`` edge out to every
project method named ``m``, so reach is over-approximated without an edge
per pair). A new kind of edge is a new :class:`EdgeKind` member.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flaglint.facts.model import Definition, FileFacts
    from flaglint.flags.inventory import FlagCondition

SUPER_ROOT = "<roots>"
HUB_PREFIX = "name:"


class EdgeKind(str, Enum):
    """Why one node leads to another. Members are their own strings in every output."""

    CALL = "call"  # a call resolved to its target
    INIT = "init"  # building a class: to the class, and to its __init__/__new__/__post_init__
    MAY = "may"  # from a ``name:m`` hub to a project method named ``m``, or self.m() overrides
    REF = "ref"  # a function used as a value (callback, dispatch table) may be called
    DECORATOR = "decorator"  # a decorator applied to a definition
    BODY = "body"  # a class body runs when its enclosing body runs
    ROOT = "root"  # from the super-root to what runs without being called

    # Plain ``str`` behaviour, so that members and their strings are interchangeable
    # as dict keys and print as themselves on every Python version.
    __hash__ = str.__hash__
    __str__ = str.__str__
    __format__ = str.__format__


@dataclass(frozen=True, slots=True)
class Site:
    """One call site behind an edge."""

    path: str
    line: int
    conditions: tuple[FlagCondition, ...]


# (source, target, kind, line, index of the call whose flag conditions apply or -1)
RawEdge = tuple[str, str, EdgeKind, int, int]


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """Where a function, class or module is defined."""

    qualified: str
    kind: str  # module | class | function | method
    facts: FileFacts
    definition: Definition | None
