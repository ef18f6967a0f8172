"""Project functions that return a flag read: their calls are reads too.

A wrapper returns a read of a fixed key (``def new_ui(): return client.is_enabled("new-ui")``),
a read of the key passed in (``def is_on(name): return client.is_enabled(name)``), or a
boolean combination of reads and other conditions. What holds when the wrapper is truthy and
what holds when it is falsy are kept apart: ``return bool(flag or settings.FORCE)`` says
nothing when truthy, but falsy means the flag is off, so only ``not wrapper()`` gates.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from flaglint.facts.model import Call, FileFacts, Gate
from flaglint.flags.model import (
    FlagCondition,
    FlagRead,
    Wrapper,
    arg_at,
    base_provider,
    scope_at,
)
from flaglint.flags.providers import Provider
from flaglint.names.resolve import Resolver

MAX_WRAPPER_ROUNDS = 3
# Decorators that make a method read like an attribute (``self.x_enabled``, no call).
PROPERTY_DECORATORS = frozenset({"property", "cached_property"})


class WrappersMixin:
    """Wrapper discovery and reads; :class:`~flaglint.flags.inventory.Inventory` holds the state."""

    files: list[FileFacts]
    resolver: Resolver
    _wrappers: dict[str, Wrapper]
    _atom_cache: dict[tuple[str, int, bool], tuple[FlagCondition, ...]]
    _call_cache: dict[tuple[str, int], tuple[FlagRead, Provider | None] | None]
    _filtered: dict[FlagRead, tuple[Provider, bool]]

    # ------------------------------------------------------------- wrappers
    if TYPE_CHECKING:

        def _call_read(
            self, facts: FileFacts, index: int
        ) -> tuple[FlagRead, Provider | None] | None: ...

        def expand(self, facts: FileFacts, gate: Gate) -> tuple[FlagCondition, ...]: ...

        def kept(self, read: FlagRead) -> bool: ...

        def wrapper_target(self, facts: FileFacts, index: int, target: str) -> str: ...

        def resolve_arg(
            self, facts: FileFacts, call: Call, arg: object
        ) -> tuple[str | None, str]: ...

    def _find_wrappers(self) -> None:
        """Project functions whose return value is a flag read of a fixed or passed-in key."""
        candidates = [
            (facts, d)
            for facts in self.files
            for d in facts.definitions
            if d.returned_gates or d.returned_off_gates
        ]
        for _ in range(MAX_WRAPPER_ROUNDS):
            found = 0
            self._atom_cache.clear()
            self._call_cache.clear()
            for facts, definition in candidates:
                qualified = f"{facts.module}.{definition.qualname}"
                if qualified in self._wrappers:
                    continue
                wrapper = self._as_wrapper(
                    facts,
                    definition.returned_gates,
                    definition.returned_off_gates,
                    definition.params,
                    definition.qualname,
                )
                if wrapper is not None:
                    self._wrappers[qualified] = wrapper
                    found += 1
            if not found:
                break
        self._atom_cache.clear()
        self._call_cache.clear()

    def _as_wrapper(
        self,
        facts: FileFacts,
        gates: tuple[Gate, ...],
        off_gates: tuple[Gate, ...],
        params: tuple[str, ...],
        qualname: str = "",
    ) -> Wrapper | None:
        positional = [p for p in params if p not in ("self", "cls")]
        value_on = _value_params(facts, gates, positional)
        value_off = _value_params(facts, off_gates, positional)
        fixed: list[FlagCondition] = []
        for gate in gates:
            found = self._returned_conditions(facts, gate, params)
            if isinstance(found, Wrapper):
                return found
            fixed.extend(found)
        fixed_off: list[FlagCondition] = []
        for gate in off_gates:
            found = self._returned_conditions(facts, gate, params)
            if isinstance(found, Wrapper):
                return found
            fixed_off.extend(found)
        if not fixed and not fixed_off:
            if not value_on and not value_off:
                return None
            boolean = any(
                (qualname, name) in facts.boolean_params for name, _, _ in value_on + value_off
            )
            return Wrapper(
                (), None, -1, "value", boolean=boolean, value_on=value_on, value_off=value_off
            )
        first = (fixed or fixed_off)[0]
        return Wrapper(
            tuple(dict.fromkeys(fixed)),
            None,
            -1,
            base_provider(first.provider),
            fixed_off=tuple(dict.fromkeys(fixed_off)),
        )

    def _returned_conditions(
        self, facts: FileFacts, gate: Gate, params: tuple[str, ...]
    ) -> Wrapper | list[FlagCondition]:
        """What a returned gate says, or a wrapper of the key passed in as ``params``."""
        atom = facts.atoms[gate.atom]
        if atom.kind == "param":
            return []  # a value wrapper's parameter: see ``_value_params``
        if atom.kind != "call":
            return list(self.expand(facts, gate))
        found = self._call_cache.get((facts.module, atom.call))
        if (facts.module, atom.call) not in self._call_cache:
            found = self._call_read(facts, atom.call)
            self._call_cache[(facts.module, atom.call)] = found
        if found is None:
            return []
        read, provider = found
        call = facts.calls[atom.call]
        if read.key is None and provider is None:
            # ``def get_bool(name): return get_value(name, cast=bool)`` where
            # ``get_value`` reads the key passed in: a wrapper of the same key.
            target = self.resolver.call_target(facts, call)
            inner = self._wrappers.get(self.wrapper_target(facts, atom.call, target))
            if inner is None or inner.param is None:
                return []
            arg = arg_at(call.args, inner.param_index, inner.param)
            if arg is None or arg.kind != "param" or arg.text not in params:
                return []
            index = _position(params, arg.text)
            return dataclasses.replace(inner, param=arg.text, param_index=index)
        if read.key is None and provider is not None:
            arg = arg_at(
                call.args,
                provider.key_position(call.callee.rpartition(".")[2]),
                provider.key_keyword,
            )
            if arg is not None and arg.kind == "param" and arg.text in params:
                filtered = self._filtered.get(read)
                return Wrapper(
                    (),
                    arg.text,
                    _position(params, arg.text),
                    base_provider(read.provider),
                    filtered=filtered[0] if filtered else None,
                    boolean=bool(filtered and filtered[1]),
                )
            return []
        if read.key is None or not self.kept(read):
            return []
        return [FlagCondition(read.key, gate.on != read.negated, base_provider(read.provider))]

    def _wrapper_read(
        self, facts: FileFacts, call: Call, wrapper: Wrapper, symbol: str
    ) -> FlagRead | None:
        if wrapper.param is not None:
            arg = arg_at(call.args, wrapper.param_index, wrapper.param)
            if arg is None:  # the key travels in *args: nothing to report
                return None
            key, expression = self.resolve_arg(facts, call, arg)
            return FlagRead(
                key,
                f"wrapper:{wrapper.provider}",
                facts.path,
                call.line,
                call.col + 1,
                symbol,
                expression,
            )
        first = wrapper.fixed[0] if wrapper.fixed else wrapper.fixed_off[0]
        return FlagRead(
            first.key,
            f"wrapper:{wrapper.provider}",
            facts.path,
            call.line,
            call.col + 1,
            symbol,
            negated=not first.on if wrapper.fixed else first.on,
        )

    def _wrappers_named(self, attribute: str) -> list[str]:
        """Wrappers whose last name is ``attribute``, in discovery order (indexed once per size)."""
        index = getattr(self, "_by_attribute", None)
        if index is None or index[0] != len(self._wrappers):
            grouped: dict[str, list[str]] = {}
            for qualified in self._wrappers:
                grouped.setdefault(qualified.rpartition(".")[2], []).append(qualified)
            index = self._by_attribute = (len(self._wrappers), grouped)
        return index[1].get(attribute, [])

    def _property_wrapper(
        self, facts: FileFacts, name: str, line: int, on: bool
    ) -> tuple[FlagCondition, ...]:
        """``self.x_enabled`` where ``x_enabled`` is a property returning a fixed-key read.

        Open edX code wraps toggles this way (``@cached_property def
        team_submissions_enabled(self): return self.is_feature_enabled(...)``).
        """
        wrapper = self.property_wrapper(facts, name, line)
        return () if wrapper is None else wrapper.conditions(on)

    def property_wrapper(self, facts: FileFacts, name: str, line: int) -> Wrapper | None:
        """The fixed-key wrapper a ``self.x`` read at ``line`` calls, when ``x`` is a property."""
        if not name.startswith(("self.", "cls.")) or name.count(".") != 1:
            return None
        scope = scope_at(facts, line)
        if not scope:
            return None
        qualified = self.resolver.resolve(facts.module, name, scope)
        if qualified not in self._wrappers:
            # Mixins: the property lives on a sibling class the composed object
            # inherits too. One wrapper of that name in the project is taken.
            attribute = name.partition(".")[2]
            named = self._wrappers_named(attribute)
            if len(named) == 1:
                qualified = named[0]
        wrapper = self._wrappers.get(qualified)
        symbol = self.resolver.symbol(qualified)
        if wrapper is None or wrapper.param is not None or symbol is None:
            return None
        definition = symbol.definition
        if definition is None or not any(
            d.rpartition(".")[2] in PROPERTY_DECORATORS for d in definition.decorators
        ):
            return None
        return wrapper


def _position(params: tuple[str, ...], name: str) -> int:
    """``name``'s place among the arguments a caller passes (-1: not positional)."""
    positional = [p for p in params if p not in ("self", "cls")]
    return positional.index(name) if name in positional else -1


def _value_params(
    facts: FileFacts, gates: tuple[Gate, ...], positional: list[str]
) -> tuple[tuple[str, int, bool], ...]:
    """The parameters a wrapper's returned gates test: (name, positional index, polarity)."""
    found: dict[tuple[str, int, bool], None] = {}
    for gate in gates:
        atom = facts.atoms[gate.atom]
        if atom.kind == "param":
            index = positional.index(atom.name) if atom.name in positional else -1
            found[(atom.name, index, gate.on)] = None
    return tuple(found)
