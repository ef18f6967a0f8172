"""The inventory's records: reads, resolved gates, gated calls, and small helpers."""

from __future__ import annotations

from dataclasses import dataclass

from flaglint.facts.model import Arg, Call, FileFacts


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
    fixed: tuple[FlagCondition, ...]
    param: str | None
    param_index: int
    provider: str


def base_provider(name: str) -> str:
    """A wrapper of a wrapper still reads through the SDK underneath."""
    return name.removeprefix("wrapper:").removeprefix("wrapper:")


def arg_at(args: tuple[Arg, ...], position: int, keyword: str | None) -> Arg | None:
    for arg in args:
        if arg.position == position or (keyword is not None and arg.keyword == keyword):
            return arg
    return None


def scope_at(facts: FileFacts, line: int) -> str:
    """The innermost function or method around ``line`` ("" at module or class level)."""
    best = ""
    for definition in facts.definitions:
        if definition.line <= line <= definition.end_line and definition.kind != "class":
            best = definition.qualname
    return best


def symbol_of(facts: FileFacts, scope: str) -> str:
    return f"{facts.module}.{scope}" if scope else facts.module


def enclosing(facts: FileFacts, line: int) -> str:
    """The innermost definition containing ``line`` (definitions are sorted by line)."""
    best = ""
    for definition in facts.definitions:
        if definition.line <= line <= definition.end_line and definition.kind != "class":
            best = definition.qualname
    return symbol_of(facts, best)


def read_order(read: FlagRead) -> tuple[str, int, int, str, str]:
    return (read.path, read.line, read.column, read.key or "", read.provider)
