"""FL202: one flag value or key spelled by two names, so the two names are one flag."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING

from flaglint.facts.model import Binding, Definition, FileFacts
from flaglint.findings import Finding, Location, Severity
from flaglint.rules.base import Rule

if TYPE_CHECKING:
    from flaglint.names.resolve import Resolver
    from flaglint.project import Project

FLAG_BASES = frozenset({"enum.Flag", "enum.IntFlag"})
STR_BASES = frozenset({"enum.StrEnum"})
UNIQUE_DECORATORS = frozenset({"unique", "enum.unique"})
# Setting names whose dict literal is a flag registry (django-flags reads FLAGS).
REGISTRY_SETTINGS = frozenset({"FLAGS"})

Value = tuple[str, object]


class FlagValueAlias(Rule):
    """Two names for one flag: an enum value, a key constant or a registry entry written twice.

    ## What it does
    Reports the second of two names that Python or the flag system treats as
    one flag:

    - two members of one `Enum`, `IntFlag` or `Flag` class with the same value
      (literals, `auto()` values and arithmetic such as `1 << 3` are compared).
      Python makes the second member an alias of the first, silently:
      `OrderFlags.RETAIL_LIQUIDITY is OrderFlags.POWER_PEG`. A member spelled
      as a union (`BOTH = READ | WRITE`) is a composite and is never reported;
      neither is an integer equal to an OR of other members (`RW = 3` beside
      `READ = 1`, `WRITE = 2`), which Python keeps as its own composite member.
      An explicit `ALIAS = OTHER` is deliberate and not reported; classes under
      `@enum.unique` or `@verify(UNIQUE)` are left to Python, which refuses
      them at import;
    - two constants bound to the same key string, both used as keys of flag
      reads (the finding is on the later constant);
    - a key written twice in a django-flags `FLAGS = {...}` setting (Python
      keeps the last entry and drops the first without a word);
    - two Open edX toggle objects (`WaffleFlag`, `WaffleSwitch`, ...) built
      with the same key.

    Enum members, `FLAGS` entries and toggles are judged inside one file, so
    the rule can run file by file; duplicate key constants need the project.
    An alias that is meant can be marked on its line with an inline
    suppression (`# flaglint: ignore[FL202]` or `# noqa: FL202`).

    ## Why is this bad?
    Knight Capital's 2012 release gave the retail-liquidity order flag the bit
    that Power Peg had used. To the new code it was a new flag; to the one
    server still running the old code it meant "run Power Peg". Inside one
    program the same mistake is silent: code that tests either member runs for
    both, and turning one name on turns on the other.

    ## Example
    ```python
    class OrderFlags(IntFlag):
        POWER_PEG = 8
        RETAIL_LIQUIDITY = 8  # FL202: an alias of POWER_PEG
    ```

    ## Use instead
    ```python
    class OrderFlags(IntFlag):
        POWER_PEG = 8          # retired: never reuse this bit
        RETAIL_LIQUIDITY = 16
    ```
    """

    code = "FL202"
    name = "flag-value-alias"
    severity = Severity.ERROR
    summary = "Two names stand for one flag value or key (enum alias, duplicate key)."
    aside = True
    uses_graph = False
    single_file = True

    def check(self, project: Project) -> Iterator[Finding]:
        resolver = project.resolver
        for facts in project.files:
            if facts.error is not None:
                continue
            for definition in facts.definitions:
                if definition.kind == "class":
                    yield from self._enum_aliases(resolver, facts, definition)
            yield from self._registry_duplicates(facts)
        yield from self._toggle_duplicates(project)
        yield from self._key_constants(project)

    # ------------------------------------------------------------------ enums
    def _enum_aliases(
        self, resolver: Resolver, facts: FileFacts, definition: Definition
    ) -> Iterator[Finding]:
        qualified = f"{facts.module}.{definition.qualname}"
        if not resolver.is_enum_class(qualified):
            return
        scope = definition.qualname.rpartition(".")[0]
        decorators = {resolver.resolve(facts.module, d, scope) for d in definition.decorators}
        if decorators & UNIQUE_DECORATORS or set(definition.decorators) & UNIQUE_DECORATORS:
            return
        if _verified_unique(facts, definition, scope):
            return
        bases = {b for klass in resolver.mro(qualified) for b in resolver.class_bases(klass)}
        flavour = "flag" if bases & FLAG_BASES else "str" if bases & STR_BASES else "enum"
        # Two classes may share a qualified name (redefined, or in two branches):
        # a member belongs to the class whose lines hold it.
        members = [
            b
            for b in facts.bindings
            if b.scope == definition.qualname
            and definition.line <= b.line <= definition.end_line
            and _is_member_name(b.name)
        ]
        members.sort(key=lambda b: b.line)
        values: dict[str, Value] = {}
        first_of: dict[Value, Binding] = {}
        ints: list[int] = []
        complete = True  # every member so far has a known integer value
        class_name = definition.qualname
        for member in members:
            value = _member_value(member, flavour, values, ints if complete else None, class_name)
            if value is None or value[0] != "int":
                complete = False
            if value is None:
                continue
            values[member.name] = value
            if value[0] == "int":
                ints.append(value[1])  # type: ignore[arg-type]
            first = first_of.get(value)
            if first is None:
                first_of[value] = member
                continue
            if member.kind in ("bitor", "name"):
                continue  # a composite, or an alias spelled on purpose
            if flavour == "flag" and _is_composite(value, ints[:-1] if value[0] == "int" else ints):
                continue  # ``RW = 3`` beside READ = 1, WRITE = 2 means READ | WRITE
            shown = f"{definition.name}.{member.name}"
            original = f"{definition.name}.{first.name}"
            yield self.finding(
                facts.path,
                member.line,
                1,
                f"`{shown}` has the value {_show(value)}, already taken by `{original}` "
                f"(line {first.line}): Python makes it an alias, so `{shown} is {original}` "
                "and code testing either runs for both; give it a value of its own",
                symbol=f"{qualified}.{member.name}",
                flag=f"{definition.name}.{member.name}",
                related=(
                    Location(facts.path, first.line, 1, f"`{original}` holds {_show(value)}"),
                ),
            )

    # ---------------------------------------------------------- registries
    def _registry_duplicates(self, facts: FileFacts) -> Iterator[Finding]:
        for duplicate in facts.duplicate_keys:
            if duplicate.scope or duplicate.name not in REGISTRY_SETTINGS:
                continue
            yield self.finding(
                facts.path,
                duplicate.line,
                duplicate.col + 1,
                f"flag '{duplicate.key}' is defined twice in {duplicate.name} (first on line "
                f"{duplicate.first_line}); Python keeps only this entry and drops the first "
                "without a word: merge the two definitions",
                symbol=f"{facts.module}.{duplicate.name}",
                flag=duplicate.key,
                related=(Location(facts.path, duplicate.first_line, 1, "the definition dropped"),),
            )

    def _toggle_duplicates(self, project: Project) -> Iterator[Finding]:
        by_key: dict[str, list[tuple[FileFacts, Binding]]] = defaultdict(list)
        for facts, binding, key in project.inventory.toggle_definitions():
            by_key[key].append((facts, binding))
        for key, places in sorted(by_key.items()):
            places.sort(key=lambda p: (p[0].path, p[1].line))
            first_facts, first = places[0]
            first_name = _qualified(first_facts, first)
            for facts, binding in places[1:]:
                yield self.finding(
                    facts.path,
                    binding.line,
                    1,
                    f"toggle '{key}' is already defined as `{first_name}` "
                    f"({first_facts.path}:{first.line}); two toggle objects for one key are "
                    "two owners of one flag: import the first one instead",
                    symbol=_qualified(facts, binding),
                    flag=key,
                    related=(
                        Location(first_facts.path, first.line, 1, f"`{first_name}` defines it"),
                    ),
                )

    # ------------------------------------------------------- key constants
    def _key_constants(self, project: Project) -> Iterator[Finding]:
        """Constants that hold the same key and are both used by flag reads."""
        inventory, resolver = project.inventory, project.resolver
        used: dict[str, dict[str, tuple[FileFacts, Binding]]] = defaultdict(dict)
        # Only calls already known to be keyed reads: asking the inventory about
        # every call with a name argument would cost seconds on a large tree.
        places = {(r.path, r.line, r.column) for r in inventory.reads if r.key is not None}
        for facts in inventory.files:
            for index, call in enumerate(facts.calls):
                if (facts.path, call.line, call.col + 1) not in places:
                    continue
                if not any(arg.kind == "name" for arg in call.args):
                    continue
                read = inventory.call_read(facts, index)
                if read is None or read.key is None:
                    continue
                for arg in call.args:
                    if arg.kind != "name":
                        continue
                    found = _constant(
                        resolver, resolver.resolve(facts.module, arg.text, call.scope)
                    )
                    if found is not None and found[2].value == read.key:
                        used[read.key][found[0]] = (found[1], found[2])
        for key, constants in sorted(used.items()):
            if len(constants) < 2:
                continue
            ordered = sorted(constants.items(), key=lambda c: (c[1][0].path, c[1][1].line))
            first_name, (first_facts, first) = ordered[0]
            for name, (facts, binding) in ordered[1:]:
                yield self.finding(
                    facts.path,
                    binding.line,
                    1,
                    f"`{name}` holds the flag key '{key}', as `{first_name}` "
                    f"({first_facts.path}:{first.line}) does, and both are read: two names "
                    "for one flag drift apart; keep one constant",
                    symbol=name,
                    flag=key,
                    related=(
                        Location(first_facts.path, first.line, 1, f"`{first_name}` holds it too"),
                    ),
                )


def _verified_unique(facts: FileFacts, definition: Definition, scope: str) -> bool:
    """``@verify(UNIQUE)`` (Python 3.11+) refuses aliases at import, like ``@unique``."""
    if not any(d.rpartition(".")[2] == "verify" for d in definition.decorators):
        return False
    # This class's decorators sit between the end of the previous definition and it.
    previous_end = max(
        (d.end_line for d in facts.definitions if d.end_line < definition.line), default=0
    )
    return any(
        call.decorator
        and call.scope == scope
        and call.callee.rpartition(".")[2] == "verify"
        and previous_end < call.line < definition.line
        and any(arg.text.rpartition(".")[2] == "UNIQUE" for arg in call.args)
        for call in facts.calls
    )


def _is_member_name(name: str) -> bool:
    """Dunder and ``_sunder_`` names configure an enum; they are not members."""
    if name.startswith("__"):
        return False
    return not (name.startswith("_") and name.endswith("_") and len(name) > 2)


def _member_value(
    member: Binding,
    flavour: str,
    values: dict[str, Value],
    ints: list[int] | None,
    class_name: str,
) -> Value | None:
    """A member's value as Python would compute it, or None when it cannot be known."""
    if member.kind == "int":
        return "int", int(member.value)
    if member.kind == "str":
        return "str", member.value
    if member.kind == "auto":
        if flavour == "str":
            return "str", member.name.lower()
        if ints is None:
            return None  # an unknown or non-integer value came before: no guessing
        if not ints:
            return "int", 1
        if flavour == "flag":
            return "int", 2 ** max(ints).bit_length() if max(ints) > 0 else 1
        return "int", max(ints) + 1  # Python 3.11+: one past the largest value so far
    if member.kind == "bitor":
        total = 0
        for part in member.value.split("|"):
            part = part.removeprefix(class_name + ".")
            found = values.get(part)
            if found is None or found[0] != "int":
                return None
            total |= found[1]  # type: ignore[operator]
        return "int", total
    if member.kind == "name":
        return values.get(member.value.removeprefix(class_name + "."))
    return None


def _is_composite(value: Value, earlier: list[int]) -> bool:
    """An integer made of two or more bits, each of them some earlier single-bit member."""
    number = value[1]
    if not isinstance(number, int) or number <= 0 or number & (number - 1) == 0:
        return False
    bits = {v for v in earlier if v > 0 and v & (v - 1) == 0}
    return all(number & (1 << i) == 0 or (1 << i) in bits for i in range(number.bit_length()))


def _show(value: Value) -> str:
    return repr(value[1])


def _qualified(facts: FileFacts, binding: Binding) -> str:
    local = f"{binding.scope}.{binding.name}" if binding.scope else binding.name
    return f"{facts.module}.{local}"


def _constant(resolver: Resolver, qualified: str) -> tuple[str, FileFacts, Binding] | None:
    """Follow ``A = B`` chains to the constant that holds the string literal."""
    for _ in range(8):
        symbol = resolver.symbol(qualified)
        if symbol is None or symbol.binding is None:
            return None
        binding = symbol.binding
        if binding.kind == "str":
            return f"{symbol.module.module}.{symbol.local}", symbol.module, binding
        if binding.kind != "name":
            return None
        qualified = resolver.resolve(symbol.module.module, binding.value, binding.scope)
    return None
