"""The inventory's records: reads, resolved gates, gated calls, and small helpers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from flaglint.facts.model import Arg, Call, FileFacts
from flaglint.flags.providers import Provider


@dataclass(frozen=True, slots=True)
class FlagRead:
    """One place that reads a flag; ``key`` is None for a dynamic read."""

    key: str | None
    provider: str
    path: str
    line: int
    column: int
    symbol: str
    expression: str = ""
    negated: bool = False
    value: str | None = None


@dataclass(frozen=True, slots=True)
class FlagCondition:
    """A resolved gate: code under it runs only when ``key`` is ``on``."""

    key: str
    on: bool
    provider: str


@dataclass(frozen=True, slots=True)
class GatedCall:
    """A call site with the flag conditions that dominate it."""

    facts: FileFacts
    call: Call
    index: int
    target: str
    conditions: tuple[FlagCondition, ...]


@dataclass(frozen=True, slots=True)
class Wrapper:
    """A project function returning a read: of fixed keys, or of the key in ``param``.

    ``fixed`` holds when the wrapper returns something truthy, ``fixed_off``
    when it returns something falsy. ``filtered`` is the reader of configuration
    underneath (its keys are kept only when boolean or named like flags) and
    ``boolean`` whether the wrapper reads its value as a boolean.
    """

    fixed: tuple[FlagCondition, ...]
    param: str | None
    param_index: int
    provider: str
    fixed_off: tuple[FlagCondition, ...] = ()
    filtered: Provider | None = None
    boolean: bool = False
    # A wrapper of the *value* passed in (``def resolve(env_value): return env_value in
    # ("1", "true")``): (parameter, positional index, polarity) that hold when it is
    # truthy (``value_on``) or falsy (``value_off``); a caller's argument is the flag.
    value_on: tuple[tuple[str, int, bool], ...] = ()
    value_off: tuple[tuple[str, int, bool], ...] = ()

    def conditions(self, on: bool) -> tuple[FlagCondition, ...]:
        """The flag conditions a test of the wrapper's value (truthy when ``on``) implies."""
        return self.fixed if on else self.fixed_off

    def undecided(self, on: bool) -> tuple[FlagCondition, ...]:
        """Flags that decide the wrapper's value without a polarity holding when it is
        truthy (``on``) or falsy: ``return a or FLAG`` truthy says nothing of ``FLAG``,
        yet ``FLAG`` decides it (falsy implies it off)."""
        certain = {c.key for c in self.conditions(on)}
        return tuple(c for c in self.conditions(not on) if c.key not in certain)


class InventoryOutputs:
    """What an inventory found (its reads and gated calls), and the questions those
    answer alone: shared by the inventory and a stored one (``flags.stored``)."""

    reads: list[FlagRead]
    gated: list[GatedCall]

    def keys(self) -> dict[str, list[FlagRead]]:
        by_key: dict[str, list[FlagRead]] = defaultdict(list)
        for read in self.reads:
            if read.key is not None:
                by_key[read.key].append(read)
        return dict(sorted(by_key.items()))

    def dynamic_reads(self) -> list[FlagRead]:
        return [r for r in self.reads if r.key is None]

    def gates_by_key(self) -> dict[str, dict[str, list[str]]]:
        gates: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"on": set(), "off": set()})
        for gated in self.gated:
            for condition in gated.conditions:
                gates[condition.key]["on" if condition.on else "off"].add(gated.target)
        return {k: {side: sorted(v) for side, v in sides.items()} for k, sides in gates.items()}


def base_provider(name: str) -> str:
    """A wrapper of a wrapper still reads through the SDK underneath."""
    return name.removeprefix("wrapper:").removeprefix("wrapper:")


def arg_at(args: tuple[Arg, ...], position: int, keyword: str | None) -> Arg | None:
    for arg in args:
        if arg.position == position or (keyword is not None and arg.keyword == keyword):
            return arg
    return None


# Definitions that are scopes of reads and gates (a lambda's body is read as its def's).
_SCOPES = ("function", "method")


def scope_at(facts: FileFacts, line: int) -> str:
    """The innermost function or method around ``line`` ("" at module or class level)."""
    best = ""
    for definition in facts.definitions:
        if definition.line <= line <= definition.end_line and definition.kind in _SCOPES:
            best = definition.qualname
    return best


def symbol_of(facts: FileFacts, scope: str) -> str:
    return f"{facts.module}.{scope}" if scope else facts.module


def enclosing(facts: FileFacts, line: int) -> str:
    """The innermost definition containing ``line`` (definitions are sorted by line)."""
    best = ""
    for definition in facts.definitions:
        if definition.line <= line <= definition.end_line and definition.kind in _SCOPES:
            best = definition.qualname
    return symbol_of(facts, best)


def read_order(read: FlagRead) -> tuple[str, int, int, str, str]:
    return (read.path, read.line, read.column, read.key or "", read.provider)
