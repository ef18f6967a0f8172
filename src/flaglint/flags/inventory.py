"""Flag reads and the code they gate, resolved across the whole project.

Per-file facts record every call and every condition; this module decides
which of them read a flag (through :mod:`flaglint.flags.providers`), resolves their
keys (literals, constants, imported constants, enum members, class constants),
finds project wrapper functions that return a read, and expands each call's
gates into flag conditions: ``(key, on)`` pairs.
"""

from __future__ import annotations

import fnmatch
import string
from collections import defaultdict

from flaglint.config import Config
from flaglint.facts.model import Arg, Binding, Call, FileFacts, Gate
from flaglint.flags.model import (
    FlagCondition,
    FlagRead,
    GatedCall,
    Wrapper,
    arg_at,
    base_provider,
    enclosing,
    read_order,
    scope_at,
    symbol_of,
)
from flaglint.flags.providers import Provider, ProviderTable
from flaglint.names.resolve import Resolver

__all__ = ["FlagCondition", "FlagRead", "GatedCall", "Inventory"]

MAX_WRAPPER_ROUNDS = 3
# Decorators that make a method read like an attribute (``self.x_enabled``, no call).
PROPERTY_DECORATORS = frozenset({"property", "cached_property"})
FLAG_ENUM_BASES = frozenset({"enum.Flag", "enum.IntFlag"})


class Inventory:
    """All flag reads and gated call sites of a project."""

    def __init__(self, files: list[FileFacts], config: Config, resolver: Resolver | None = None):
        self.files = [f for f in files if f.error is None]
        self.config = config
        self.table = ProviderTable.from_config(config)
        self.resolver = resolver or Resolver(self.files)
        self._env_patterns = config.env_flag_patterns
        self._imported: dict[str, tuple[str, ...]] = {}
        self._atom_cache: dict[tuple[str, int, bool], tuple[FlagCondition, ...]] = {}
        self._call_cache: dict[tuple[str, int], tuple[FlagRead, Provider | None] | None] = {}
        self._wrappers: dict[str, Wrapper] = {}
        self._flag_enums: dict[str, bool] = {}
        self._find_wrappers()
        self.reads: list[FlagRead] = []
        self.gated: list[GatedCall] = []
        self._collect()

    # ---------------------------------------------------------------- reads
    def _imported_modules(self, facts: FileFacts) -> tuple[str, ...]:
        found = self._imported.get(facts.module)
        if found is None:
            found = tuple(imp.target for imp in facts.imports)
            self._imported[facts.module] = found
        return found

    def call_read(self, facts: FileFacts, index: int) -> FlagRead | None:
        cached_key = (facts.module, index)
        if cached_key not in self._call_cache:
            self._call_cache[cached_key] = self._call_read(facts, index)
        found = self._call_cache[cached_key]
        return found[0] if found else None

    def _call_read(self, facts: FileFacts, index: int) -> tuple[FlagRead, Provider | None] | None:
        call = facts.calls[index]
        method = call.callee.rpartition(".")[2]
        target = self.resolver.call_target(facts, call)
        symbol = symbol_of(facts, call.scope)
        wrapper = self._wrappers.get(target)
        if wrapper is not None:
            read = self._wrapper_read(facts, call, wrapper, symbol)
            return (read, None) if read is not None else None
        if call.decorator:
            provider = self.table.by_decorator(target)
            if provider is None:
                return None
            return self._keyed_read(facts, call, provider, target.rpartition(".")[2], symbol)
        provider = self.table.by_function(target)
        if provider is None and "." in call.callee:
            receiver = target.rpartition(".")[0]
            toggle = self._toggle_read(method, receiver, facts, call, symbol)
            if toggle is not None:
                return toggle
            receiver = self._receiver(receiver)
            provider = self.table.by_method(method, receiver, self._imported_modules(facts))
        if provider is None:
            return None
        return self._keyed_read(facts, call, provider, method, symbol)

    def _receiver(self, receiver: str) -> str:
        """What the receiver of a method call is: ``client`` bound to ``ldclient.get()``."""
        for _ in range(4):
            symbol = self.resolver.symbol(receiver)
            if symbol is None or symbol.binding is None:
                return receiver
            binding = symbol.binding
            if binding.kind == "call":
                owner = symbol.module.module
                receiver = self.resolver.resolve(owner, binding.value, binding.scope) + "()"
            elif binding.kind == "name":
                receiver = self.resolver.resolve(symbol.module.module, binding.value)
            else:
                return receiver
        return receiver

    def _toggle_read(
        self, method: str, receiver: str, facts: FileFacts, call: Call, symbol: str
    ) -> tuple[FlagRead, Provider | None] | None:
        if not any(method in p.toggle_reads for p in self.table.providers):
            return None
        bound = self.resolver.symbol(receiver.removesuffix("()"))
        if bound is None or bound.binding is None or bound.binding.kind != "call":
            return None
        constructor = self.resolver.resolve(
            bound.module.module, bound.binding.value, bound.binding.scope
        )
        provider = self.table.by_toggle(constructor)
        if provider is None or bound.binding.call < 0:
            return None
        ctor_call = bound.module.calls[bound.binding.call]
        key, expression = self._key(bound.module, ctor_call, provider, "")
        read = FlagRead(key, provider.name, facts.path, call.line, call.col + 1, symbol, expression)
        return read, provider

    def _keyed_read(
        self, facts: FileFacts, call: Call, provider: Provider, method: str, symbol: str
    ) -> tuple[FlagRead, Provider | None] | None:
        if len(call.args) < max(provider.min_args, provider.key_position(method) + 1) and not any(
            a.keyword for a in call.args
        ):
            return None
        key, expression = self._key(facts, call, provider, method)
        negated = method in provider.negated
        if key is not None and key.startswith("!") and provider.decorators:
            key, negated = key[1:], not negated
        if provider.name == "django-flags" and method == "flag_check":
            state = arg_at(call.args, 1, "state")
            if state is not None and state.kind == "bool" and state.text == "False":
                negated = not negated
        if provider.env:
            if key is None or not any(fnmatch.fnmatchcase(key, p) for p in self._env_patterns):
                return None
        elif key is None and not expression:
            return None
        read = FlagRead(
            key, provider.name, facts.path, call.line, call.col + 1, symbol, expression, negated
        )
        return read, provider

    def _key(
        self, facts: FileFacts, call: Call, provider: Provider, method: str
    ) -> tuple[str | None, str]:
        arg = arg_at(call.args, provider.key_position(method), provider.key_keyword)
        if arg is None:
            return None, ""
        return self.resolve_arg(facts, call, arg)

    def resolve_arg(self, facts: FileFacts, call: Call, arg: Arg) -> tuple[str | None, str]:
        """A key argument's value, or None and the expression it is spelled as."""
        if arg.kind in ("str", "int"):
            return arg.text, ""
        if arg.kind == "name":
            qualified = self.resolver.resolve(facts.module, arg.text, call.scope)
            binding = self.resolver.literal(qualified)
            if binding is not None and binding.kind in ("str", "int"):
                return binding.value, ""
            return None, arg.text
        if arg.kind == "fstring":
            return self._fstring(facts, call, arg.text)
        if arg.kind in ("param", "other"):
            return None, arg.text
        return None, ""

    def _fstring(self, facts: FileFacts, call: Call, template: str) -> tuple[str | None, str]:
        """``f"{NAMESPACE}.flag"`` with ``NAMESPACE`` a constant resolves to a key."""
        out: list[str] = []
        for literal, name, _, _ in string.Formatter().parse(template):
            out.append(literal)
            if name is None:
                continue
            qualified = self.resolver.resolve(facts.module, name, call.scope)
            binding = self.resolver.literal(qualified)
            if binding is None or binding.kind not in ("str", "int"):
                return None, f'f"{template}"'
            out.append(binding.value)
        return "".join(out), ""

    # ------------------------------------------------------------- wrappers
    def _find_wrappers(self) -> None:
        """Project functions whose return value is a flag read of a fixed or passed-in key."""
        candidates = [
            (facts, d) for facts in self.files for d in facts.definitions if d.returned_gates
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
                    facts, definition.qualname, definition.returned_gates, definition.params
                )
                if wrapper is not None:
                    self._wrappers[qualified] = wrapper
                    found += 1
            if not found:
                break
        self._atom_cache.clear()
        self._call_cache.clear()

    def _as_wrapper(
        self, facts: FileFacts, qualname: str, gates: tuple[Gate, ...], params: tuple[str, ...]
    ) -> Wrapper | None:
        fixed: list[FlagCondition] = []
        for gate in gates:
            atom = facts.atoms[gate.atom]
            if atom.kind == "call":
                found = self._call_cache.get((facts.module, atom.call))
                if (facts.module, atom.call) not in self._call_cache:
                    found = self._call_read(facts, atom.call)
                    self._call_cache[(facts.module, atom.call)] = found
                if found is None:
                    continue
                read, provider = found
                call = facts.calls[atom.call]
                if read.key is None and provider is not None:
                    arg = arg_at(
                        call.args,
                        provider.key_position(call.callee.rpartition(".")[2]),
                        provider.key_keyword,
                    )
                    if arg is not None and arg.kind == "param" and arg.text in params:
                        positional = [p for p in params if p not in ("self", "cls")]
                        index = positional.index(arg.text) if arg.text in positional else -1
                        return Wrapper((), arg.text, index, base_provider(read.provider))
                    continue
                if read.key is not None:
                    provider_name = base_provider(read.provider)
                    fixed.append(FlagCondition(read.key, gate.on != read.negated, provider_name))
            else:
                fixed.extend(self.expand(facts, gate))
        if not fixed:
            return None
        return Wrapper(tuple(dict.fromkeys(fixed)), None, -1, fixed[0].provider)

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
        first = wrapper.fixed[0]
        return FlagRead(
            first.key,
            f"wrapper:{wrapper.provider}",
            facts.path,
            call.line,
            call.col + 1,
            symbol,
            negated=not first.on,
        )

    # ----------------------------------------------------------- conditions
    def expand(self, facts: FileFacts, gate: Gate) -> tuple[FlagCondition, ...]:
        """The flag conditions a gate stands for (none when its atom is no flag)."""
        cache_key = (facts.module, gate.atom, gate.on)
        cached = self._atom_cache.get(cache_key)
        if cached is not None:
            return cached
        self._atom_cache[cache_key] = ()  # breaks cycles through module bindings
        result = self._expand(facts, gate)
        self._atom_cache[cache_key] = result
        return result

    def _expand(self, facts: FileFacts, gate: Gate) -> tuple[FlagCondition, ...]:
        atom = facts.atoms[gate.atom]
        if atom.kind == "call":
            target = self.resolver.call_target(facts, facts.calls[atom.call])
            wrapper = self._wrappers.get(target)
            if wrapper is not None and wrapper.param is None:
                return tuple(
                    FlagCondition(c.key, c.on == gate.on, c.provider) for c in wrapper.fixed
                )
            read = self.call_read(facts, atom.call)
            if read is None or read.key is None:
                return ()
            return (FlagCondition(read.key, gate.on != read.negated, read.provider),)
        if atom.kind == "member":
            member = self.member_read(facts, atom.name, "")
            if member is None:
                return ()
            return (FlagCondition(member[0], gate.on, "enum"),)
        if atom.kind == "name":
            read_through_property = self._property_wrapper(facts, atom.name, atom.line, gate.on)
            if read_through_property:
                return read_through_property
            qualified = self.resolver.resolve(facts.module, atom.name)
            symbol = self.resolver.symbol(qualified)
            if symbol is None or symbol.binding is None:
                return ()
            binding = symbol.binding
            gates = binding.true_gates if gate.on else binding.false_gates
            return tuple(c for g in gates for c in self.expand(symbol.module, g))
        return ()

    def _property_wrapper(
        self, facts: FileFacts, name: str, line: int, on: bool
    ) -> tuple[FlagCondition, ...]:
        """``self.x_enabled`` where ``x_enabled`` is a property returning a fixed-key read.

        Open edX code wraps toggles this way (``@cached_property def
        team_submissions_enabled(self): return self.is_feature_enabled(...)``).
        """
        if not name.startswith(("self.", "cls.")) or name.count(".") != 1:
            return ()
        scope = scope_at(facts, line)
        if not scope:
            return ()
        qualified = self.resolver.resolve(facts.module, name, scope)
        if qualified not in self._wrappers:
            # Mixins: the property lives on a sibling class the composed object
            # inherits too. One wrapper of that name in the project is taken.
            attribute = name.partition(".")[2]
            named = [q for q in self._wrappers if q.rpartition(".")[2] == attribute]
            if len(named) == 1:
                qualified = named[0]
        wrapper = self._wrappers.get(qualified)
        symbol = self.resolver.symbol(qualified)
        if wrapper is None or wrapper.param is not None or symbol is None:
            return ()
        definition = symbol.definition
        if definition is None or not any(
            d.rpartition(".")[2] in PROPERTY_DECORATORS for d in definition.decorators
        ):
            return ()
        return tuple(FlagCondition(c.key, c.on == on, c.provider) for c in wrapper.fixed)

    def member_read(self, facts: FileFacts, spelled: str, scope: str) -> tuple[str, str] | None:
        """``OrderFlags.X`` -> (``OrderFlags.X``, its value) when it is an enum member."""
        qualified = self.resolver.resolve(facts.module, spelled, scope)
        owner, _, member = qualified.rpartition(".")
        if not owner or not self._is_flag_enum(owner):
            return None
        symbol = self.resolver.symbol(qualified)
        if symbol is None or symbol.binding is None:
            return None
        class_name = owner.rpartition(".")[2]
        return f"{class_name}.{member}", symbol.binding.value

    def _is_flag_enum(self, owner: str) -> bool:
        """Flag bits (``enum.Flag``, ``IntFlag``) or an enum named as a flag registry.

        A plain state enum (``status == Status.DONE``) is program state, not a switch.
        """
        found = self._flag_enums.get(owner)
        if found is None:
            found = "enum" not in self.config.disabled_providers and (
                self.resolver.is_enum_class(owner)
                and (
                    any(
                        base in FLAG_ENUM_BASES
                        for klass in self.resolver.mro(owner)
                        for base in self.resolver.class_bases(klass)
                    )
                    or any(
                        fnmatch.fnmatchcase(owner.rpartition(".")[2], pattern)
                        for pattern in self.config.flag_enum_classes
                    )
                )
            )
            self._flag_enums[owner] = found
        return found

    def conditions(self, facts: FileFacts, gates: tuple[Gate, ...]) -> tuple[FlagCondition, ...]:
        found: list[FlagCondition] = []
        for gate in gates:
            found.extend(self.expand(facts, gate))
        return tuple(dict.fromkeys(found))

    # -------------------------------------------------------------- collect
    def _collect(self) -> None:
        triggers = self.table.trigger_names() | {q.rpartition(".")[2] for q in self._wrappers}
        for facts in self.files:
            for index, call in enumerate(facts.calls):
                if call.callee.rpartition(".")[2] in triggers or call.decorator:
                    read = self.call_read(facts, index)
                    if read is not None and not self._inside_param_wrapper(read):
                        self.reads.append(read)
                if call.gates:
                    conditions = self.conditions(facts, call.gates)
                    if conditions:
                        target = self.resolver.call_target(facts, call)
                        self.gated.append(GatedCall(facts, call, index, target, conditions))
            for atom in facts.atoms:
                if atom.kind == "member":
                    member = self.member_read(facts, atom.name, "")
                    if member is not None:
                        self.reads.append(
                            FlagRead(
                                member[0],
                                "enum",
                                facts.path,
                                atom.line,
                                atom.col + 1,
                                enclosing(facts, atom.line),
                                value=member[1],
                            )
                        )
        self.reads = sorted(set(self.reads), key=read_order)

    def _inside_param_wrapper(self, read: FlagRead) -> bool:
        """A wrapper's own read of its parameter is resolved at its call sites instead."""
        wrapper = self._wrappers.get(read.symbol)
        return read.key is None and wrapper is not None and wrapper.param is not None

    def keys(self) -> dict[str, list[FlagRead]]:
        by_key: dict[str, list[FlagRead]] = defaultdict(list)
        for read in self.reads:
            if read.key is not None:
                by_key[read.key].append(read)
        return dict(sorted(by_key.items()))

    def dynamic_reads(self) -> list[FlagRead]:
        return [r for r in self.reads if r.key is None]

    def toggle_definitions(self) -> list[tuple[FileFacts, Binding, str]]:
        """Toggle objects bound at module or class level (``X = WaffleFlag("ns.x")``), with keys.

        A toggle's definition is where its key lives, read or not; two
        definitions of one key are two owners of one flag.
        """
        found: list[tuple[FileFacts, Binding, str]] = []
        for facts in self.files:
            for binding in facts.bindings:
                if binding.kind != "call" or binding.call < 0:
                    continue
                constructor = self.resolver.resolve(facts.module, binding.value, binding.scope)
                provider = self.table.by_toggle(constructor)
                if provider is None:
                    continue
                key, _ = self._key(facts, facts.calls[binding.call], provider, "")
                if key is not None:
                    found.append((facts, binding, key))
        return found

    def gates_by_key(self) -> dict[str, dict[str, list[str]]]:
        gates: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"on": set(), "off": set()})
        for gated in self.gated:
            for condition in gated.conditions:
                gates[condition.key]["on" if condition.on else "off"].add(gated.target)
        return {k: {side: sorted(v) for side, v in sides.items()} for k, sides in gates.items()}
