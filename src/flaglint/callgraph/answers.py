"""What value flow says about each call site of a file, once the solver has run.

One :class:`FileAnswers` per file: for each call site the targets flow found
(or that only a hub can stand for its unknown receiver, or nothing, when the
syntactic resolution should answer), the project functions it hands to code
outside the project, and the implicit calls (``@dec``, ``with``, ``for``,
``raise C``). The answers are plain tuples, so that two trees' answers for a
file compare equal exactly when its edges would (see
:mod:`flaglint.callgraph.incremental`).
"""

from __future__ import annotations

from typing import NamedTuple

from flaglint.callgraph.flow import MANY, FlowSolver
from flaglint.facts.model import FileFacts, FlowCall, Shape

# (target, kind) pairs: kind is an EdgeKind value.
Targets = tuple[tuple[str, str], ...]
HUB = "hub"
FLOW = "flow"


class CallAnswer(NamedTuple):
    """``how`` is FLOW (``targets`` are the answer) or HUB (``method`` on an unknown receiver)."""

    how: str
    targets: Targets = ()
    escapes: tuple[str, ...] = ()
    method: str = ""


class FileAnswers(NamedTuple):
    calls: tuple[tuple[int, CallAnswer], ...]
    # (scope, line, target, kind)
    implicit: tuple[tuple[str, int, str, str], ...]


def file_answers(solver: FlowSolver, facts: FileFacts) -> FileAnswers:
    calls: list[tuple[int, CallAnswer]] = []
    implicit: list[tuple[str, int, str, str]] = []
    module = facts.module
    for flow_call in facts.flow_calls:
        scope = (
            flow_call.scope
            if flow_call.scope or flow_call.call < 0
            else facts.calls[flow_call.call].scope
        )
        answer = _answer(solver, module, scope, flow_call)
        if flow_call.call >= 0:
            if answer is not None:
                calls.append((flow_call.call, answer))
            continue
        if answer is None or answer.how != FLOW:
            continue
        kind_of = "decorator" if flow_call.why == "decorator" else None
        for target, kind in answer.targets:
            implicit.append((scope, flow_call.line, target, kind_of or kind))
        for target in answer.escapes:
            implicit.append((scope, flow_call.line, target, "ref"))
    # A lambda no call site was seen to invoke (stored where flow loses it) is
    # assumed to run where it is written: its calls stay in that scope's reach.
    for definition in facts.definitions:
        if definition.kind != "lambda":
            continue
        qualified = f"{module}.{definition.qualname}"
        if qualified not in solver.called:
            owner = definition.qualname.rpartition(".")[0]
            implicit.append((owner, definition.line, qualified, "ref"))
    return FileAnswers(tuple(calls), tuple(implicit))


def _answer(solver: FlowSolver, module: str, scope: str, call: FlowCall) -> CallAnswer | None:
    funcs = solver.values(module, scope, call.func)
    if MANY in funcs:
        if call.func[0] == "a":
            return CallAnswer(HUB, (), _escapes(solver, module, scope, call), call.func[2])
        return None
    if funcs:
        targets: dict[tuple[str, str], None] = {}
        for value in sorted(funcs):
            invoked = solver.invoke(value)
            if invoked is not None:
                targets.update(dict.fromkeys(invoked[0]))
        escapes = () if targets else _escapes(solver, module, scope, call)
        func = call.func
        if func[0] == "a" and func[1][0] == "n" and func[1][1] in ("self", "cls") and scope:
            # self.m() may run an override when the instance is a subclass's.
            owner = solver.resolver.enclosing_class(module, scope)
            if owner is not None:
                for method in overrides(solver, f"{module}.{owner}", func[2]):
                    if (method, "call") not in targets:
                        targets[(method, "may")] = None
        return CallAnswer(FLOW, tuple(targets), escapes)
    if _local_head(solver, module, scope, call.func):
        if call.func[0] == "a":
            return CallAnswer(HUB, (), _escapes(solver, module, scope, call), call.func[2])
        return CallAnswer(FLOW, (), _escapes(solver, module, scope, call))
    return None


def _escapes(solver: FlowSolver, module: str, scope: str, call: FlowCall) -> tuple[str, ...]:
    """Project functions and classes passed to a call that reaches no project code."""
    found: set[str] = set()
    shapes = [*call.args, *(shape for _, shape in call.keywords)]
    for shape in shapes:
        if shape is None:
            continue
        for value in solver.values(module, scope, shape):
            function = value.partition("@")[0]
            info = solver.nodes.get(function)
            if info is not None and info.kind in ("function", "method", "class", "lambda"):
                found.add(info.qualified)
    return tuple(sorted(found))


def _local_head(solver: FlowSolver, module: str, scope: str, shape: Shape) -> bool:
    """Whether the name a dotted shape starts from is a local of a function (or ``self``)."""
    while shape[0] == "a":
        shape = shape[1]
    if shape[0] != "n" or not scope:
        return False
    locations, constants = solver.lookup(module, scope, shape[1])
    return bool(locations) and not constants and locations[0].count(".") > module.count(".") + 1


def overrides(solver: FlowSolver, klass: str, name: str) -> list[str]:
    """Methods named ``name`` defined in project subclasses of ``klass``, sorted."""
    if solver._notes is not None:  # a file's answers depend on the classes below klass
        solver._notes[f"\1{klass}\0{name}"] = None
    if solver._children is None:
        children: dict[str, set[str]] = {}
        for qualified, info in solver.nodes.items():
            if info.kind == "class":
                for base in solver.resolver.class_bases(qualified):
                    children.setdefault(base, set()).add(qualified)
        solver._children = children
    found: set[str] = set()
    seen: set[str] = set()
    stack = list(solver._children.get(klass, ()))
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        method = f"{current}.{name}"
        info = solver.nodes.get(method)
        if info is not None and info.kind == "method":
            found.add(info.qualified)
        stack.extend(solver._children.get(current, ()))
    return sorted(found)
