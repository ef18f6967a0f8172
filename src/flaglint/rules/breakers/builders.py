"""Project functions named like a sink that only build what would be sent.

A default sink such as ``create_order`` names the call that sends an order in
an exchange SDK, but many strategies define their own ``create_order`` that
returns an order object (``return OrderCandidate(...)``) for a later ``buy``.
Calling such a builder sends nothing. A function is a **builder** when every
``return`` hands back a freshly constructed object (a call of a capitalised
name, directly or through a local) and no call in its body is named like a
sink or a sending verb (``post``, ``send_*``, ``submit_*``, ...).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from flaglint.rules.breakers.latches import own_walk
from flaglint.rules.breakers.limits import call_name

if TYPE_CHECKING:
    from flaglint.callgraph.build import CallGraph

_SENDING = re.compile(
    r"^_*(send|post|put|patch|submit|place|execute|publish|emit|notify|dispatch|enqueue|"
    r"request|urlopen|delay|apply_async)",
    re.IGNORECASE,
)


def builds_only(function: ast.AST, sink_name: Callable[[str], bool]) -> bool:
    """Whether ``function`` returns a new object and calls nothing that sends."""
    nodes = own_walk(function)
    constructed: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Call):
            name = call_name(node)
            if sink_name(name) or _SENDING.match(name):
                return False
        elif isinstance(node, ast.Assign) and _constructs(node.value):
            constructed.update(t.id for t in node.targets if isinstance(t, ast.Name))
    returns = [n for n in nodes if isinstance(n, ast.Return)]
    return bool(returns) and all(
        r.value is not None
        and (_constructs(r.value) or (isinstance(r.value, ast.Name) and r.value.id in constructed))
        for r in returns
    )


def _constructs(value: ast.expr) -> bool:
    return isinstance(value, ast.Call) and call_name(value)[:1].isupper()


def constructs(graph: CallGraph, qualified: str) -> bool:
    """A class or its ``__init__``: calling it builds an object.

    A raise there validates the arguments (``Order(...)`` with two stop
    modifiers), it does not stop a dispatch at a limit.
    """
    info = graph.nodes.get(qualified)
    return qualified.endswith(".__init__") or (info is not None and info.kind == "class")
