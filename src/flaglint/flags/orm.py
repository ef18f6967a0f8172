"""Flags kept in a database table and read as a queryset lookup instead of through the API.

A project whose flags live in a table reads them through a method
(``project.has_feature(Feature.X)``, a provider with ``key-keyword = "feature_id"``)
and sometimes straight from the ORM: ``Project.objects.filter(slug=s,
feature__feature_id=Feature.X).first()``. The lookup's last field is the
provider's key keyword and its value a constant of the class whose constants the
provider's method reads take as keys (the flag registry), so such a lookup reads
that key. A truthy result (``.first()``, ``.exists()``, the queryset itself) holds
only rows that have the flag: the flag is on where it is tested truthy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flaglint.facts.model import Arg, Call, FileFacts, FlowCall
from flaglint.flags.model import FlagCondition, FlagRead, symbol_of
from flaglint.flags.providers import Provider, ProviderTable
from flaglint.names.resolve import Resolver

# Queryset methods that narrow rows by a lookup, and those that read the narrowed rows.
LOOKUP_METHODS = frozenset({"filter", "get"})
RESULT_METHODS = frozenset({"first", "last", "exists", "get", "count"})


class OrmReadsMixin:
    """ORM lookups of flag tables, for :class:`~flaglint.flags.inventory.Inventory`."""

    resolver: Resolver
    table: ProviderTable
    # Per provider, the classes whose constants its method reads pass as keys.
    _key_owners: dict[str, set[str]]
    _orm_flows: dict[str, dict[int, FlowCall]]

    if TYPE_CHECKING:

        def resolve_arg(self, facts: FileFacts, call: Call, arg: Arg) -> tuple[str | None, str]: ...

    def note_key_owner(self, facts: FileFacts, call: Call, provider: Provider, arg: Arg) -> None:
        """``has_feature(Feature.X)``: ``Feature`` holds this provider's keys."""
        if arg.kind != "name" or "." not in arg.text:
            return
        qualified = self.resolver.resolve(facts.module, arg.text, call.scope)
        owner = qualified.rpartition(".")[0]
        if owner:
            self._key_owners.setdefault(provider.name, set()).add(owner)

    def orm_read(self, facts: FileFacts, index: int) -> FlagRead | None:
        """``Model.objects.filter(rel__<key-keyword>=Registry.X)``: a read of ``X``'s key."""
        call = facts.calls[index]
        if call.callee.rpartition(".")[2] not in LOOKUP_METHODS or not self._key_owners:
            return None
        for provider in self.table.providers:
            owners = self._key_owners.get(provider.name)
            field = provider.key_keyword
            if not owners or not field:
                continue
            manager = ".objects." in f".{call.callee}"
            for arg in call.args:
                keyword = arg.keyword or ""
                # A queryset: through a manager (``Model.objects.get(key=...)``) or a
                # lookup across a relation (``filter(feature__key=...)``); a plain
                # ``cache.get(key=Keys.X)`` is no table read.
                if not (keyword.endswith("__" + field) or (manager and keyword == field)):
                    continue
                if arg.kind != "name" or "." not in arg.text:
                    continue
                qualified = self.resolver.resolve(facts.module, arg.text, call.scope)
                if qualified.rpartition(".")[0] not in owners:
                    continue
                key, _ = self.resolve_arg(facts, call, arg)
                if key is not None:
                    symbol = symbol_of(facts, call.scope)
                    return FlagRead(key, provider.name, facts.path, call.line, call.col + 1, symbol)
        return None

    def orm_reads(self, files: list[FileFacts]) -> list[FlagRead]:
        if not self._key_owners:
            return []
        found: list[FlagRead] = []
        for facts in files:
            for index, call in enumerate(facts.calls):
                if call.callee.rpartition(".")[2] in LOOKUP_METHODS:
                    read = self.orm_read(facts, index)
                    if read is not None:
                        found.append(read)
        return found

    def orm_conditions(self, facts: FileFacts, index: int, on: bool) -> tuple[FlagCondition, ...]:
        """A lookup's result tested: truthy holds only rows with the flag on; falsy says nothing."""
        if not on or not self._key_owners:
            return ()
        lookup = index
        flows = self._orm_flows.get(facts.module)
        if flows is None:
            flows = self._orm_flows[facts.module] = {
                c.call: c for c in facts.flow_calls if c.call >= 0
            }
        flow = flows.get(index)
        func = flow.func if flow is not None else None
        if func is not None and func[0] == "a" and func[2] in RESULT_METHODS:
            receiver = func[1]
            if receiver[0] == "c" and 0 <= receiver[1] < len(facts.flow_calls):
                lookup = facts.flow_calls[receiver[1]].call
        if lookup < 0:
            return ()
        read = self.orm_read(facts, lookup)
        if read is None or read.key is None:
            return ()
        return (FlagCondition(read.key, True, read.provider),)
