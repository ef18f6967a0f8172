"""Flag reads and the code they gate, resolved across the whole project.

Per-file facts record every call and every condition; this module decides
which of them read a flag (:mod:`flaglint.flags.readers`), resolves their keys
(literals, constants, imported constants, enum members, class constants), finds
project wrapper functions that return a read (:mod:`flaglint.flags.wrappers`),
follows flag values stored in settings to where they are tested
(:mod:`flaglint.flags.settings`), and expands each call's gates into flag
conditions: ``(key, on)`` pairs.
"""

from __future__ import annotations

import fnmatch
from collections import defaultdict

from flaglint.config import Config
from flaglint.facts.model import Atom, Binding, FileFacts, FlowCall, Gate
from flaglint.flags.decorators import DecoratorWrappersMixin
from flaglint.flags.model import (
    FlagCondition,
    FlagRead,
    GatedCall,
    InventoryOutputs,
    Wrapper,
    enclosing,
    read_order,
)
from flaglint.flags.orm import OrmReadsMixin
from flaglint.flags.providers import Provider, ProviderTable
from flaglint.flags.readers import ReadersMixin
from flaglint.flags.setting_reads import SettingReadsMixin
from flaglint.flags.settings import SettingsIndex
from flaglint.flags.values import ValuesMixin
from flaglint.flags.wrappers import WrappersMixin
from flaglint.names.resolve import Resolver

__all__ = ["FlagCondition", "FlagRead", "GatedCall", "Inventory"]

FLAG_ENUM_BASES = frozenset({"enum.Flag", "enum.IntFlag"})


class Inventory(
    InventoryOutputs,
    ReadersMixin,
    WrappersMixin,
    DecoratorWrappersMixin,
    ValuesMixin,
    SettingReadsMixin,
    OrmReadsMixin,
):
    """All flag reads and gated call sites of a project."""

    def __init__(self, files: list[FileFacts], config: Config, resolver: Resolver | None = None):
        self.files = [f for f in files if f.error is None]
        self.config = config
        self.table = ProviderTable.from_config(config)
        self.resolver = resolver or Resolver(self.files)
        self._env_patterns = config.env_flag_patterns
        self._setting_patterns = self._env_patterns + config.setting_flag_patterns
        self._imported: dict[str, tuple[str, ...]] = {}
        self._atom_cache: dict[tuple[str, int, bool], tuple[FlagCondition, ...]] = {}
        self._call_cache: dict[tuple[str, int], tuple[FlagRead, Provider | None] | None] = {}
        self._wrappers: dict[str, Wrapper] = {}
        self._flag_enums: dict[str, bool] = {}
        self._filtered: dict[FlagRead, tuple[Provider, bool]] = {}
        self._read_types: dict[FlagRead, str] = {}
        self._kept: set[str] | None = None
        self._boolean_calls: dict[str, frozenset[int]] = {}
        self._instances: dict[str, Provider | None] = {}
        self._settings_on = "setting" not in config.disabled_providers
        self.settings = SettingsIndex(self.files)
        self._setting_reads: list[FlagRead] = []
        self._both_ways: dict[str, bool] = {}
        self._key_owners: dict[str, set[str]] = {}
        self._orm_flows: dict[str, dict[int, FlowCall]] = {}
        self._values_init()
        self._boolean_arguments: set[tuple[str, int]] = set()
        self._decorator_wrappers: dict[str, tuple[Wrapper, bool]] = {}
        self._decorator_inner: set[str] = set()
        self._toggle_definitions: list[tuple[FileFacts, Binding, str]] | None = None
        self._find_wrappers()
        self._find_decorator_wrappers()
        self.reads: list[FlagRead] = []
        self.gated: list[GatedCall] = []
        self._collect()
        self._shed_indexes()

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
        return self._expand_atom(facts, facts.atoms[gate.atom], gate.on)

    def _expand_atom(self, facts: FileFacts, atom: Atom, on: bool) -> tuple[FlagCondition, ...]:
        gate = Gate(-1, on)
        if atom.kind == "call":
            target = self.resolver.call_target(facts, facts.calls[atom.call])
            wrapper = self._wrappers.get(self.wrapper_target(facts, atom.call, target))
            if wrapper is not None and (wrapper.value_on or wrapper.value_off):
                if self.table.by_function(target) is None:
                    return self.value_conditions(facts, atom.call, wrapper, gate.on)
                wrapper = None
            if wrapper is not None and wrapper.param is None:
                return wrapper.conditions(gate.on)
            read = self.call_read(facts, atom.call)
            if read is None:
                return self._setting_call(facts, atom, gate) or self.orm_conditions(
                    facts, atom.call, gate.on
                )
            if read.key is None or not self.kept(read):
                return ()
            return (FlagCondition(read.key, gate.on != read.negated, read.provider),)
        if atom.kind == "param":
            return self.param_conditions(facts, atom, gate.on)
        if atom.kind == "member":
            member = self.member_read(facts, atom.name, "")
            if member is None:
                return ()
            return (FlagCondition(member[0], gate.on, "enum"),)
        if atom.kind == "name":
            read_through_property = self._property_wrapper(facts, atom.name, atom.line, gate.on)
            if read_through_property:
                return read_through_property
            stored_on_self = self.attribute_conditions(facts, atom, gate.on) or self._self_setting(
                facts, atom, gate.on
            )
            if stored_on_self:
                return stored_on_self
            qualified = self.resolver.resolve(facts.module, atom.name)
            symbol = self.resolver.symbol(qualified)
            if symbol is not None and symbol.binding is not None:
                return self._stored(facts, atom, symbol.module, symbol.binding, gate.on)
            return self._namespace_field(qualified, gate.on) or self._setting_name(
                facts, atom, qualified, gate.on
            )
        if atom.kind == "item" and self._settings_on:
            base, _, key = atom.name[:-1].rpartition("[")
            return self._stored_items(self.settings.by_item(base, key), gate.on)
        return ()

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
        triggers = (
            self.table.trigger_names()
            | {q.rpartition(".")[2] for q in self._wrappers}
            | self._instance_names()
            | self._aliased_provider_names()
        )
        candidates: list[FlagRead] = []
        for facts in self.files:
            for index, call in enumerate(facts.calls):
                if call.callee.rpartition(".")[2] in triggers or call.decorator:
                    read = self.call_read(facts, index)
                    if read is not None and not self._inside_param_wrapper(read):
                        candidates.append(read)
        for module, index in self._boolean_arguments:
            # ``resolve(env_value=os.environ.get("X"))`` where ``resolve`` compares
            # its parameter with boolean words: the read is a boolean one.
            facts = self.resolver.modules[module].facts
            read = self.call_read(facts, index)
            if read is not None and read in self._filtered:
                self._filtered[read] = (self._filtered[read][0], True)
        candidates.extend(self.orm_reads(self.files))
        self._stored_presence_tests()
        self._keep_keys()
        self.reads = [r for r in candidates if self.kept(r)]
        for facts in self.files:
            for index, call in enumerate(facts.calls):
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
            for branch in facts.branches:
                # A setting tested where no call is gated (``if not settings.X: a = b``)
                # is read there: expanding the branch records it.
                self.conditions(facts, branch.gates)
                self.conditions(facts, branch.mixed)
        self.reads = sorted(set(self.reads + self._setting_reads), key=read_order)

    def _keep_keys(self) -> None:
        """A key kept by one read (a boolean one, say) is kept at all its reads."""
        boolean = {r.key for r, (_, b) in self._filtered.items() if b and r.key is not None}
        types = self._read_types
        explicit = {r.key for r in self._filtered if types.get(r) == "explicit"}
        untyped = {r.key for r in self._filtered if types.get(r) != "typed"}
        self._kept = {
            r.key
            for r, (provider, _) in self._filtered.items()
            if r.key is not None
            and self._passes(
                provider, r.key, r.key in boolean, r.key in explicit, r.key not in untyped
            )
        }

    def _instance_names(self) -> set[str]:
        """Names bound to reader objects (``env = environ.Env()``): calling them reads."""
        instances = {q.rpartition(".")[2] for p in self.table.providers for q in p.instances}
        return {
            b.name
            for facts in self.files
            for b in facts.bindings
            if b.kind == "call" and b.value.rpartition(".")[2] in instances
        }

    def _aliased_provider_names(self) -> set[str]:
        """Local names of provider functions imported under another name (``as is_on``)."""
        return {
            i.local
            for facts in self.files
            for i in facts.imports
            if i.local != i.target.rpartition(".")[2]
            and (self.table.by_function(i.target) or self.table.by_decorator(i.target))
        }

    def _inside_param_wrapper(self, read: FlagRead) -> bool:
        """A wrapper's own read of its parameter is resolved at its call sites instead."""
        if read.key is None and read.symbol in self._decorator_inner:
            return True
        wrapper = self._wrappers.get(read.symbol)
        return read.key is None and wrapper is not None and wrapper.param is not None

    def toggle_definitions(self) -> list[tuple[FileFacts, Binding, str]]:
        """Toggle objects bound at module or class level (``X = WaffleFlag("ns.x")``), with keys.

        A toggle's definition is where its key lives, read or not; two
        definitions of one key are two owners of one flag. Found once: the
        inventory's store and FL202 both ask.
        """
        if self._toggle_definitions is not None:
            return list(self._toggle_definitions)
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
        self._toggle_definitions = found
        return list(found)

    def branches_by_key(self) -> dict[str, list[tuple[str, int, str]]]:
        """Per key, the tests that decide code by it: (path, line, "on" or "off"), sorted.

        ``on`` is the polarity under which the branch's body runs; "mixed" marks a
        flag that decides the test together with other conditions (``if a or
        FLAG``). A flag whose branches hold no call (settings, assignments) has
        branches and no gates.
        """
        found: dict[str, set[tuple[str, int, str]]] = defaultdict(set)
        for facts in self.files:
            for branch in facts.branches:
                certain: set[str] = set()
                for condition in self.conditions(facts, branch.gates):
                    side = "on" if condition.on else "off"
                    found[condition.key].add((facts.path, branch.line, side))
                    certain.add(condition.key)
                for condition in self.conditions(facts, branch.mixed) + self.undecided(
                    facts, branch.gates
                ):
                    if condition.key not in certain:
                        found[condition.key].add((facts.path, branch.line, "mixed"))
        return {key: sorted(sites) for key, sites in found.items()}

    def undecided(self, facts: FileFacts, gates: tuple[Gate, ...]) -> tuple[FlagCondition, ...]:
        """Flags that decide tested wrappers together with other conditions
        (``if self.show_toolbar:`` where the property returns ``DEBUG or FORCE_TOOLBAR``)."""
        found: list[FlagCondition] = []
        for gate in gates:
            atom = facts.atoms[gate.atom]
            wrapper = None
            if atom.kind == "call":
                target = self.resolver.call_target(facts, facts.calls[atom.call])
                wrapper = self._wrappers.get(self.wrapper_target(facts, atom.call, target))
            elif atom.kind == "name":
                wrapper = self.property_wrapper(facts, atom.name, atom.line)
            if wrapper is not None and wrapper.param is None:
                found.extend(wrapper.undecided(gate.on))
        return tuple(dict.fromkeys(found))
