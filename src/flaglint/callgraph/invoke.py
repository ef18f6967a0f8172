"""What calling a value always does, whatever the flow: a call's static half.

:meth:`FlowSolver.invoke <flaglint.callgraph.flow.FlowSolver.invoke>` memoises
this per value and adds what the function's return holds at the time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from flaglint.callgraph.model import NodeInfo
    from flaglint.facts.model import FlowCall, FlowFunction
    from flaglint.names.resolve import Resolver


class Solving(Protocol):
    """What the static half of a call reads of the solver."""

    functions: dict[str, FlowFunction]
    generators: set[str]
    resolver: Resolver
    nodes: Mapping[str, NodeInfo]


# What calling a value always does: targets, binder, fixed results, and the
# location whose set the results also hold (a function's return), or None.
Invoked = tuple[
    list[tuple[str, str]], "tuple[str, int, str | None] | None", frozenset[str], "str | None"
]


# Builtins whose result holds no project object (a file, text, a number, a truth
# value): what is called on it runs no project method, so never a name hub.
OPAQUE_RESULTS = frozenset(
    "open len str repr ascii format chr ord hex oct bin int float complex bool bytes "
    "bytearray memoryview hash id input isinstance issubclass callable hasattr range".split()
)


def returns_builtin(call: FlowCall) -> bool:
    """Whether the call, to a builtin value, gives a value of no project class:
    ``open(...)``, ``str(...)``, or entering ``with`` on such a value (a file)."""
    func = call.func
    if func[0] == "n":
        return func[1] in OPAQUE_RESULTS
    return call.why == "enter"


def static_invoke(solver: Solving, value: str) -> Invoked | None:
    """What calling ``value`` always does; its results also hold the set at the last part."""
    if "#" in value or value.startswith("<"):  # markers, containers, generators
        return None
    function, receiver, offset = value, None, 0
    if "@" in value:
        function, _, owner = value.partition("@")
        method = solver.functions.get(function)
        kind = method.kind if method is not None else ""
        if kind == "class":
            receiver, offset = owner, 1
        elif kind != "static":
            receiver, offset = owner + "()", 1
    elif value.endswith("()"):
        found = solver.resolver.find_method(value[:-2], "__call__")
        if found is None or found not in solver.nodes:
            return None
        function, receiver, offset = found, value, 1
    info = solver.nodes.get(function)
    if info is None:
        return None
    if info.kind == "class":
        targets = [(info.qualified, "init")]
        binder = None
        for dunder in ("__init__", "__new__", "__post_init__"):
            found = solver.resolver.find_method(info.qualified, dunder)
            if found is not None and found in solver.nodes:
                targets.append((found, "init"))
                if dunder == "__init__" and found in solver.functions:
                    binder = (found, 1, f"{info.qualified}()")
        return targets, binder, frozenset({f"{info.qualified}()"}), None
    if info.kind == "module":
        return None
    fixed = frozenset({"<gen>" + function}) if function in solver.generators else frozenset()
    binder = (function, offset, receiver) if function in solver.functions else None
    return [(info.qualified, "call")], binder, fixed, f"{function}#ret"
