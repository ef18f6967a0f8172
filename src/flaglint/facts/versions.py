"""Flow-sensitive locals: a name assigned twice in a function is two locations.

Value flow is flow-insensitive: ``impl`` holds every value any assignment in
the function gives it, at every read. That loses what matters most for a flag:

    if flag:
        impl = Legacy()
        return impl.run(rows)     # only Legacy.run
    impl = Modern()
    return impl.run(rows)         # only Modern.run

So, for a local assigned more than once, each assignment writes its own
version (``impl#1``, ``impl#2``) and each read reads the versions that reach it
along the function's ``if``/``elif``/``else`` arms: an assignment reaches a
read after it unless the read is in another arm of the same ``if``, the
assignment's arm always leaves the function (``return``, ``raise``...), or
another assignment on every path in between replaces it. Every version also
flows into the plain name, so closures, lambdas and class bodies, which read
the local later, still see all of its values.

Only plain ``x = ...`` statements directly in the body or in ``if`` arms are
versioned. A name also bound in a loop, ``try``, ``with``, ``match``, by
unpacking, ``+=``, ``del``, an import, ``global``/``nonlocal``, a walrus or a
nested definition, and every parameter, stays one location as before: the
analysis is sound where it is not precise.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flaglint.facts.model import Flow, FlowCall, Shape
from flaglint.facts.syntax import always_exits

if TYPE_CHECKING:
    from flaglint.facts.model import FlowFunction

Path = tuple[tuple[int, int], ...]  # (if chain, arm) pairs, outermost first


@dataclass
class _Function:
    scope: str
    params: frozenset[str]
    flows_start: int
    calls_start: int
    seq: int = 0
    # Where flows and flow calls stood at the first versioned read: only those
    # made after it can hold a read's shape.
    first_read: tuple[int, int] | None = None
    # name -> (sequence number, arm path, index in flows or -1, target node id)
    assigns: dict[str, list[tuple[int, Path, int, int]]] = field(default_factory=dict)
    # name -> (sequence number, arm path, the shape object the read produced)
    reads: dict[str, list[tuple[int, Path, Shape]]] = field(default_factory=dict)


class VersionsMixin:
    """Hooks the collector calls at function and ``if``-arm boundaries."""

    flows: list[Flow]
    flow_calls: list[FlowCall]
    flow_functions: list[FlowFunction]
    _fscope: str  # the flow mixin's

    def _versions_init(self) -> None:
        self._fn_states: list[_Function] = []
        self._arm_path: Path = ()
        self._arm_exits: dict[tuple[int, int], bool] = {}
        self._outer_paths: list[Path] = []  # the enclosing functions' arm paths

    # ----------------------------------------------------------------- hooks
    def _versions_enter(self, params: Sequence[str]) -> None:
        self._fn_states.append(
            _Function(self._fscope, frozenset(params), len(self.flows), len(self.flow_calls))
        )
        self._outer_paths.append(self._arm_path)
        self._arm_path = ()

    def _versions_leave(self, body: Sequence[ast.stmt]) -> None:
        state = self._fn_states.pop()
        self._arm_path = self._outer_paths.pop()
        self._version(state, body)

    def _arm_enter(self, chain: int, arm: int, body: Sequence[ast.stmt]) -> None:
        self._arm_exits[(chain, arm)] = always_exits(body)
        self._arm_path = (*self._arm_path, (chain, arm))

    def _arm_leave(self) -> None:
        self._arm_path = self._arm_path[:-1]

    def _versioned_read(self, name: str) -> Shape | None:
        """A read shape of its own for a local assigned before here, else None."""
        state = self._fn_states[-1] if self._fn_states else None
        if state is None or name not in state.assigns or self._fscope != state.scope:
            return None
        shape: Shape = ("n", name)
        if state.first_read is None:
            state.first_read = (len(self.flows), len(self.flow_calls))
        state.reads.setdefault(name, []).append((state.seq, self._arm_path, shape))
        return shape

    def _versioned_assign(self, name: str, target: ast.expr, flow_index: int) -> None:
        state = self._fn_states[-1] if self._fn_states else None
        if state is None or self._fscope != state.scope or name in state.params:
            return
        state.seq += 1
        state.assigns.setdefault(name, []).append(
            (state.seq, self._arm_path, flow_index, id(target))
        )

    # -------------------------------------------------------------- versions
    def _version(self, state: _Function, body: Sequence[ast.stmt]) -> None:
        names = [n for n, events in state.assigns.items() if len(events) > 1 and n in state.reads]
        if not names:
            return
        simple, bound = _plain_assignments(body)
        names = [
            n
            for n in names
            if n not in bound and all(event[3] in simple for event in state.assigns[n])
        ]
        if not names:
            return
        replace: dict[int, Shape] = {}
        summary: list[Flow] = []
        for name in sorted(names):
            events = state.assigns[name]
            for number, (_, _, index, _) in enumerate(events, 1):
                version: Shape = ("n", f"{name}#{number}")
                if index >= 0:
                    old = self.flows[index]
                    self.flows[index] = old._replace(target=version)
                    summary.append(Flow(state.scope, old.target, version))
                else:  # an assignment of nothing callable: still a local
                    summary.append(Flow(state.scope, version, None))  # type: ignore[arg-type]
            for seq, path, shape in state.reads[name]:
                reaching = [
                    ("n", f"{name}#{number}")
                    for number, (a_seq, a_path, _, _) in enumerate(events, 1)
                    if self._reaches(a_seq, a_path, seq, path, events)
                ]
                if not reaching:
                    continue  # nothing provable reaches: the plain name (every version)
                replace[id(shape)] = reaching[0] if len(reaching) == 1 else ("u", tuple(reaching))
        if replace:
            assert state.first_read is not None  # there were reads to replace
            first_flow, first_call = state.first_read
            for i in range(max(state.flows_start, first_flow), len(self.flows)):
                flow = self.flows[i]
                target, value = _sub(flow.target, replace), _sub(flow.value, replace)
                if target is not flow.target or value is not flow.value:
                    self.flows[i] = flow._replace(target=target, value=value)
            for i in range(max(state.calls_start, first_call), len(self.flow_calls)):
                call = self.flow_calls[i]
                func, args = _sub(call.func, replace), _sub(call.args, replace)
                keywords = _sub(call.keywords, replace)
                if func is not call.func or args is not call.args or keywords is not call.keywords:
                    self.flow_calls[i] = call._replace(func=func, args=args, keywords=keywords)
        self.flows.extend(summary)

    def _reaches(
        self,
        a_seq: int,
        a_path: Path,
        r_seq: int,
        r_path: Path,
        events: list[tuple[int, Path, int, int]],
    ) -> bool:
        """Whether the assignment at (a_seq, a_path) may be the value read at (r_seq, r_path)."""
        if a_seq > r_seq:
            return False
        arms = dict(r_path)
        for chain, arm in a_path:
            if chain in arms:
                if arms[chain] != arm:
                    return False  # another arm of an if the read is in
            elif self._arm_exits.get((chain, arm), False):
                return False  # the assignment's arm always leaves
        r_arms = set(r_path)
        # Replaced on every path: a later assignment whose arms all hold at the read.
        return not any(
            a_seq < b_seq <= r_seq and set(b_path) <= r_arms for b_seq, b_path, _, _ in events
        )


def _sub(shape, replace: dict[int, Shape]):  # type: ignore[no-untyped-def]
    """``shape`` with the read objects in ``replace`` swapped (the same object if none is)."""
    found = replace.get(id(shape))
    if found is not None:
        return found
    if shape.__class__ is not tuple:
        return shape
    # Only a tuple can be or hold a read: names, keys and None are kept without a call.
    changed = False
    parts = []
    for part in shape:
        if part.__class__ is tuple:
            new = _sub(part, replace)
            changed = changed or new is not part
            part = new
        parts.append(part)
    return tuple(parts) if changed else shape


def _plain_assignments(body: Sequence[ast.stmt]) -> tuple[set[int], set[str]]:
    """Ids of ``name = ...`` targets reached only through ``if`` arms; names bound otherwise."""
    simple: set[int] = set()
    bound: set[str] = set()
    stack: list[tuple[Sequence[ast.stmt], bool]] = [(body, True)]
    while stack:
        stmts, plain = stack.pop()
        for stmt in stmts:
            kind = stmt.__class__
            if kind is ast.Assign or kind is ast.AnnAssign:
                targets = stmt.targets if kind is ast.Assign else [stmt.target]  # type: ignore[attr-defined]
                for target in targets:
                    if plain and target.__class__ is ast.Name:
                        simple.add(id(target))
            elif kind is ast.If:
                stack.append((stmt.body, plain))  # type: ignore[attr-defined]
                stack.append((stmt.orelse, plain))  # type: ignore[attr-defined]
            elif kind in (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef):
                bound.add(stmt.name)  # type: ignore[attr-defined]
            elif kind in (ast.Import, ast.ImportFrom):
                for alias in stmt.names:  # type: ignore[attr-defined]
                    bound.add((alias.asname or alias.name).partition(".")[0])
            elif kind in (ast.Global, ast.Nonlocal):
                bound.update(stmt.names)  # type: ignore[attr-defined]
            elif kind in (ast.AugAssign, ast.Delete):
                targets = stmt.targets if kind is ast.Delete else [stmt.target]  # type: ignore[attr-defined]
                bound.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
            else:
                # Loops, try, with, match: what they bind stays one location.
                for name in ("body", "orelse", "finalbody"):
                    inner = getattr(stmt, name, None)
                    if inner:
                        stack.append((inner, False))
                for handler in getattr(stmt, "handlers", ()):
                    if handler.name:
                        bound.add(handler.name)
                    stack.append((handler.body, False))
                for case in getattr(stmt, "cases", ()):
                    stack.append((case.body, False))
    return simple, bound
