"""Whole-program value flow: which functions, classes and instances each shape may be.

The per-file :class:`~flaglint.facts.model.Flow` and ``FlowCall`` facts are
constraints ``target ⊇ value``; the solver evaluates them, round after round,
until no set grows (an Andersen-style points-to analysis over names, like
PyCG's assignment graph). Calls bind arguments to parameters, so a callback
reaches the function that calls it, a returned function reaches its caller's
caller, and ``self`` is the instance a method was called on.

Values are strings: a project definition by qualified name (``pkg.m.f``,
``pkg.m.C``, a module), an instance ``pkg.m.C()``, a method bound to an
instance of ``D`` (``pkg.m.C.run@pkg.m.D``), a generator ``<gen>pkg.m.f``,
a container built at a place (``pkg.m#o12:4``), ``super()`` in a class
(``<super>pkg.m.C``), and two markers: :data:`EXTERNAL` (something from
outside the project) and :data:`BUILTIN` (a builtin, an attribute of a container,
a file or text a builtin returned): calls on them link nowhere in the project, and
never to a hub. Locations (the keys) are dotted names as well: ``pkg.m.f.x`` for a
local, ``pkg.m.C.attr`` for a class or instance attribute, ``pkg.m.f#ret``."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Iterable, Mapping
from typing import TYPE_CHECKING

from flaglint.callgraph.invoke import Invoked, returns_builtin, static_invoke
from flaglint.facts.model import FileFacts, Flow, FlowCall, FlowFunction, Shape
from flaglint.names.resolve import Resolver

if TYPE_CHECKING:
    from flaglint.callgraph.model import NodeInfo

EXTERNAL = "<external>"
BUILTIN = "<builtin>"
# A location with more than LIMIT values holds MANY: it says nothing (calls through it fall
# back to syntax and hubs), and keeps the solution the same whatever order values arrive in.
MANY = "<many>"
LIMIT = 16
MARKERS = frozenset({EXTERNAL, BUILTIN, MANY})
BUILTIN_NAMES = frozenset(dir(builtins))
EMPTY: frozenset[str] = frozenset()


class FlowSolver:
    """Points-to sets of every location, solved once per graph."""

    def __init__(
        self,
        files: Iterable[FileFacts],
        resolver: Resolver,
        nodes: Mapping[str, NodeInfo],
        passive: Collection[str] = (),
    ) -> None:
        self.files = [f for f in files if f.flows or f.flow_calls]
        # Modules whose constraints are not solved (test modules, unless tests
        # are roots): their names keep their scopes, their calls are answered
        # from what the rest of the program flows, and they bind nothing in it.
        self.passive = frozenset(passive)
        self.resolver = resolver
        self.nodes = nodes
        self.pts: dict[str, set[str]] = {}
        self.functions: dict[str, FlowFunction] = {}
        self.generators: set[str] = set()
        self.decorated: set[str] = set()
        self.containers: dict[str, set[str]] = {}
        # Everything some call site was found to invoke (lambdas not in it are
        # linked from where they are written: see flaglint.callgraph.answers).
        self.called: set[str] = set()
        self._locals: dict[tuple[str, str], set[str]] = {}
        self._lookups: dict[tuple[str, str, str], tuple[tuple[str, ...], frozenset[str]]] = {}
        self._children: dict[str, set[str]] | None = None
        self._notes: dict[str, None] | None = None  # see flaglint.callgraph.earlier
        self._digests: dict[str, int] = {}  # likewise
        self._attributes: dict[tuple[str, str], tuple[frozenset[str], tuple[str, ...]]] = {}
        self._invokes: dict[str, Invoked | None | object] = {}
        self._outside: dict[str, bool] = {}
        # Constraints as (facts, index, the Flow or None for a FlowCall); readers per location.
        self._constraints: list[tuple[FileFacts, int, Flow | None]] = []
        self._readers: dict[str, set[int]] = {}
        self._pending: list[int] = []
        self._queued: set[int] = set()
        self._reading = -1
        for facts in self.files:
            module = facts.module
            for function in facts.flow_functions:
                self.functions[f"{module}.{function.qualname}"] = function
                self._locals.setdefault((module, function.qualname), set()).update(
                    function.positional
                )
            for flow in facts.flows:
                target = flow.target
                if target[0] == "n":
                    self._locals.setdefault((module, flow.scope), set()).add(target[1])
                    if flow.value is not None and flow.value[0] == "dec":
                        self.decorated.add(_join(module, flow.scope, target[1]))
                elif target[0] == "yield":
                    self.generators.add(_join(module, "", flow.scope))
        for _qualified, info in nodes.items():
            definition = info.definition
            if definition is not None and definition.kind != "class":
                self._locals.setdefault((info.facts.module, definition.qualname), set()).update(
                    definition.params
                )

    # ---------------------------------------------------------------- solving
    def solve(self) -> None:
        """Evaluate every constraint until nothing grows; then give ``self`` its class."""
        self._rounds()
        for qualified, function in sorted(self.functions.items()):
            info = self.nodes.get(qualified)
            if info is None or info.kind != "method" or not function.positional:
                continue
            location = f"{qualified}.{function.positional[0]}"
            if function.kind == "static" or self._get(location):
                continue
            owner = qualified.rpartition(".")[0]
            self._add(location, {owner if function.kind == "class" else owner + "()"})
        self._rounds()
        # The worklist's bookkeeping is for solving only: nothing grows after
        # this, and the forked workers would otherwise each carry it.
        self._readers = {}
        self._constraints = []
        self._queued = set()

    def _rounds(self) -> None:
        """A worklist: each constraint runs once, then again whenever a set it read grew."""
        if not self._constraints:
            for facts in self.files:
                if facts.module in self.passive:
                    continue
                for index, flow in enumerate(facts.flows):
                    if flow.value is not None:
                        self._constraints.append((facts, index, flow))
                for index in range(len(facts.flow_calls)):
                    self._constraints.append((facts, index, None))
            self._pending = list(range(len(self._constraints) - 1, -1, -1))
            self._queued = set(self._pending)
        pending, queued, constraints = self._pending, self._queued, self._constraints
        while pending:
            current = pending.pop()
            queued.discard(current)
            self._reading = current
            facts, index, flow = constraints[current]
            if flow is not None:
                values = self.values(facts.module, flow.scope, flow.value)  # type: ignore[arg-type]
                if values:
                    self._store(facts.module, flow.scope, flow.target, values)
            else:
                self._call(facts, index, facts.flow_calls[index])
        self._reading = -1

    def _get(self, location: str) -> set[str] | tuple[()]:
        """A location's set, noting that the running constraint read it."""
        if self._reading >= 0:
            readers = self._readers.get(location)
            if readers is None:
                self._readers[location] = {self._reading}
            else:
                readers.add(self._reading)
        return self.pts.get(location, ())

    def _add(self, location: str, values: Iterable[str]) -> None:
        current = self.pts.get(location)
        if current is None:
            current = self.pts[location] = set()
        elif MANY in current:
            return
        before = len(current)
        current.update(values)
        if MANY in current or len(current) > LIMIT:
            current.clear()
            current.add(MANY)
        if len(current) != before:
            for reader in self._readers.get(location, ()):
                if reader not in self._queued:
                    self._queued.add(reader)
                    self._pending.append(reader)

    def _store(self, module: str, scope: str, target: Shape, values: set[str]) -> None:
        kind = target[0]
        if kind == "n":
            self._add(_join(module, scope, target[1]), values)
        elif kind == "ret" or kind == "yield":
            self._add(f"{_join(module, '', scope)}#{kind}", values)
        elif kind == "a":
            # Sorted: the order of stores decides the order of the worklist,
            # and with it where a set that overflows to MANY has already
            # flowed; in set order it would change with the string hash seed.
            for owner in sorted(self.values(module, scope, target[1])):
                if owner in MARKERS or "#" in owner or "@" in owner:
                    continue
                self._add(f"{owner.removesuffix('()')}.{target[2]}", values)
        elif kind == "s":
            key = target[2] or "*"
            for owner in sorted(self.values(module, scope, target[1])):
                if "#o" in owner:
                    location = f"{owner}[{key}]"
                    keys = self.containers.setdefault(owner, set())
                    if location not in keys:
                        keys.add(location)
                        self._add(f"{owner}[]", {location})
                    self._add(location, values)

    def _call(self, facts: FileFacts, index: int, call: FlowCall) -> None:
        module = facts.module
        scope = call.scope if call.scope or call.call < 0 else facts.calls[call.call].scope
        funcs = self.values(module, scope, call.func)
        if not funcs:
            return
        args: list[set[str]] | None = None
        result = f"{module}#c{index}"
        if BUILTIN in funcs and returns_builtin(call):
            self._add(result, (BUILTIN,))
        for value in sorted(funcs):
            invoked = self.invoke(value)
            if invoked is None:
                continue
            targets, binder, results = invoked
            self.called.add(targets[0][0])
            if results:
                self._add(result, results)
            if binder is None:
                continue
            function, offset, receiver = binder
            params = self.functions[function].positional
            if receiver is not None and params:
                self._add(f"{function}.{params[0]}", {receiver})
            if args is None:
                args = [set() if a is None else self.values(module, scope, a) for a in call.args]
            for position, values in enumerate(args, offset):
                if values and position < len(params):
                    self._add(f"{function}.{params[position]}", values)
            for name, shape in call.keywords:
                info = self.nodes.get(function)
                if info is not None and info.definition and name in info.definition.params:
                    found = self.values(module, scope, shape)  # type: ignore[arg-type]
                    if found:
                        self._add(f"{function}.{name}", found)

    def invoke(
        self, value: str
    ) -> tuple[list[tuple[str, str]], tuple[str, int, str | None] | None, set[str]] | None:
        """Calling ``value``: (targets, (function, first bound arg, receiver), results)."""
        known = self._invokes.get(value, _UNKNOWN)
        if known is _UNKNOWN:
            known = self._invokes[value] = static_invoke(self, value)
        if known is None:
            return None
        targets, binder, fixed, returned = known
        if returned is None:
            return targets, binder, set(fixed)
        results = set(self._get(returned))
        results.update(fixed)
        return targets, binder, results

    # ------------------------------------------------------------- evaluating
    def values(self, module: str, scope: str, shape: Shape) -> set[str]:
        """What ``shape``, read in ``scope`` of ``module``, may be."""
        kind = shape[0]
        if kind == "n":
            locations, constants = self.lookup(module, scope, shape[1])
            if not locations:
                return constants  # type: ignore[return-value]
            # What _get does, inline: this is the solver's most frequent read.
            reading, pts = self._reading, self.pts
            if reading >= 0:
                readers = self._readers
                for location in locations:
                    noted = readers.get(location)
                    if noted is None:
                        readers[location] = {reading}
                    else:
                        noted.add(reading)
            if not constants and len(locations) == 1:
                return pts.get(locations[0], ())  # type: ignore[return-value]
            out = set(constants)
            for location in locations:
                found = pts.get(location)
                if found:
                    out.update(found)
            return out
        if kind == "a":
            out = set()
            for owner in self.values(module, scope, shape[1]):
                out.update(self.attribute(owner, shape[2]))
            return out
        if kind == "c":
            return self._get(f"{module}#c{shape[1]}")  # type: ignore[return-value]
        if kind == "s":
            out = set()
            for owner in self.values(module, scope, shape[1]):
                out.update(self._items(owner, shape[2]))
            return out
        if kind == "i":
            out = set()
            for owner in self.values(module, scope, shape[1]):
                out.update(self._items(owner, None))
            return out
        if kind == "u":
            out = set()
            for part in shape[1]:
                out.update(self.values(module, scope, part))
            return out
        if kind == "o":
            return {f"{module}#o{shape[1]}"}
        if kind == "f":
            return {f"{module}.{shape[1]}"}
        if kind == "dec":
            found = self._get(f"{module}#c{shape[1]}")
            return set(found) if found else {f"{module}.{shape[2]}"}
        if kind == "S":
            owner = self.resolver.enclosing_class(module, scope) if scope else None
            return {f"<super>{module}.{owner}"} if owner else set()
        return set()

    def _items(self, owner: str, key: str | None) -> set[str]:
        if owner in MARKERS:
            return {owner}
        if owner.startswith("<gen>"):
            return set(self._get(owner[5:] + "#yield"))
        out: set[str] = set()
        if "#o" in owner:
            if key is None:
                for location in self._get(f"{owner}[]"):
                    out.update(self._get(location))
            else:
                out.update(self._get(f"{owner}[{key}]"))
                out.update(self._get(f"{owner}[*]"))
        return out

    def attribute(self, owner: str, name: str) -> set[str]:
        """``owner.name`` for one value ``owner``."""
        key = (owner, name)
        known = self._attributes.get(key)
        if known is None:
            known = self._attributes[key] = self._attribute(owner, name)
        fixed, locations = known
        if not locations:
            return fixed  # type: ignore[return-value]
        out = set(fixed)
        for location in locations:
            out.update(self._get(location))
        if not out and self._extends_outside(owner.removesuffix("()")):
            out.add(EXTERNAL)
        return out

    def _attribute(self, owner: str, name: str) -> tuple[frozenset[str], tuple[str, ...]]:
        """What ``owner.name`` always is, and the locations whose values it also is."""
        if owner in MARKERS:
            return frozenset({owner}), ()
        if owner.startswith("<super>"):
            klass = owner[7:]
            for base in self.resolver.mro(klass)[1:]:
                found = self.resolver.find_method(base, name)
                if found is not None:
                    return frozenset({self._bound(found, klass + "()")}), ()
            return (frozenset({EXTERNAL}) if self._extends_outside(klass) else EMPTY), ()
        if "#" in owner or "@" in owner or owner.startswith("<"):
            return frozenset({BUILTIN}), ()
        instance = owner.endswith("()")
        klass = owner[:-2] if instance else owner
        info = self.nodes.get(klass)
        if info is None:
            return EMPTY, ()
        if info.kind == "module":
            qualified = self.resolver.canonical(f"{klass}.{name}")
            locations = [f"{klass}.{name}"]
            if qualified != locations[0]:
                locations.append(qualified)
            target = self.nodes.get(qualified)
            if target is not None and qualified not in self.decorated:
                return frozenset({target.qualified}), tuple(locations)
            return EMPTY, tuple(locations)
        if info.kind != "class":
            return frozenset({BUILTIN}), ()
        fixed: set[str] = set()
        locations = []
        found = self.resolver.find_method(klass, name)
        if found is not None and found in self.nodes:
            if found in self.decorated:
                locations.append(found)
            elif instance or self.functions.get(found, _PLAIN).kind == "class":
                fixed.add(self._bound(found, owner))
            else:
                fixed.add(found)
        locations.extend(f"{ancestor}.{name}" for ancestor in self.resolver.mro(klass))
        return frozenset(fixed), tuple(locations)

    def _bound(self, method: str, owner: str) -> str:
        kind = self.functions.get(method, _PLAIN).kind
        if kind == "static":
            return method
        return f"{method}@{owner.removesuffix('()')}"

    def _extends_outside(self, klass: str) -> bool:
        known = self._outside.get(klass)
        if known is None:
            known = self._outside[klass] = any(
                ancestor not in self.nodes and ancestor != "object"
                for ancestor in self.resolver.mro(klass)[1:]
            )
        return known

    def lookup(self, module: str, scope: str, name: str) -> tuple[tuple[str, ...], frozenset[str]]:
        """Where a name read in ``scope`` lives: its locations and its fixed values."""
        key = (module, scope, name)
        found = self._lookups.get(key)
        if found is None:
            found = self._lookups[key] = self._lookup(module, scope, name)
        return found

    def _lookup(self, module: str, scope: str, name: str) -> tuple[tuple[str, ...], frozenset[str]]:
        current, first = scope, True
        while current:
            info = self.nodes.get(f"{module}.{current}")
            kind = info.kind if info is not None else "function"
            if (kind != "class" or first) and name in self._locals.get((module, current), ()):
                return (f"{module}.{current}.{name}",), EMPTY
            first = False
            current = current.rpartition(".")[0]
        locations: list[str] = []
        if name in self._locals.get((module, ""), ()):
            locations.append(f"{module}.{name}")
        resolved = self.resolver.resolve(module, name, scope)
        info = self.nodes.get(resolved)
        if info is not None:
            if resolved in self.decorated:
                locations.append(resolved)
                return tuple(dict.fromkeys(locations)), EMPTY
            return tuple(locations), frozenset({info.qualified})
        if self.resolver.split_module(resolved) is not None:
            locations.append(resolved)
            return tuple(dict.fromkeys(locations)), EMPTY
        if locations:
            return tuple(locations), EMPTY
        if resolved != name or self.resolver.imports(module, name):  # ``import os`` too
            return (), frozenset({EXTERNAL})
        if name in BUILTIN_NAMES:
            return (), frozenset({BUILTIN})
        return (), EMPTY


_PLAIN = FlowFunction("", ())
_UNKNOWN = object()


def _join(module: str, scope: str, name: str) -> str:
    if scope:
        return f"{module}.{scope}.{name}" if name else f"{module}.{scope}"
    return f"{module}.{name}" if name else module
