"""Project-wide name resolution over cached facts.

Turns a dotted spelling in one module (``ld.variation``, ``OrderFlags.X``,
``self.is_enabled``) into a qualified name (``ldclient.get.variation``,
``pkg.flags.OrderFlags.X``, ``pkg.svc.Service.is_enabled``), following
imports, re-exports through ``__init__``, module-level aliases and the
project's class hierarchy. No code is imported: everything comes from facts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from flaglint.facts.model import Binding, Call, Definition, FileFacts

ENUM_BASES = frozenset(
    {
        "enum.Enum",
        "enum.IntEnum",
        "enum.Flag",
        "enum.IntFlag",
        "enum.StrEnum",
        "enum.ReprEnum",
        "django.db.models.TextChoices",
        "django.db.models.IntegerChoices",
        "django.db.models.Choices",
    }
)
MAX_DEPTH = 8
# How many names one resolution may pass through, across modules and bindings.
MAX_CHAIN = 100


@dataclass(frozen=True, slots=True)
class Symbol:
    """What a qualified name denotes inside the project."""

    module: FileFacts
    local: str
    definition: Definition | None = None
    binding: Binding | None = None


_UNSPLIT = object()


class ModuleIndex:
    """Lookup tables for one module's facts."""

    __slots__ = ("facts", "imports", "definitions", "bindings", "star_imports")

    def __init__(self, facts: FileFacts) -> None:
        self.facts = facts
        self.imports: dict[str, str] = {}
        self.star_imports: list[str] = []
        for imp in facts.imports:
            if imp.local == "*":
                self.star_imports.append(imp.target)
            else:
                self.imports[imp.local] = imp.target
        self.definitions: dict[str, Definition] = {d.qualname: d for d in facts.definitions}
        self.bindings: dict[tuple[str, str], Binding] = {}
        for binding in facts.bindings:
            self.bindings[(binding.scope, binding.name)] = binding


class Resolver:
    """Resolves names across the modules of one project."""

    def __init__(self, files: Iterable[FileFacts]) -> None:
        self.modules: dict[str, ModuleIndex] = {}
        for facts in files:
            if facts.error is None:
                self.modules[facts.module] = ModuleIndex(facts)
        # qualified -> where it leads, and how many links that took (when any)
        self._canonical: dict[str, str] = {}
        self._hops: dict[str, int] = {}
        self._deepest = 0
        self._bases: dict[str, list[str]] = {}
        self._mro: dict[str, tuple[str, ...]] = {}
        self._methods: dict[tuple[str, str], str | None] = {}
        self._source_roots = self._nested_roots()
        self._following: set[str] = set()
        # Set while following a chain that the depth limit or the cycle guard cut short.
        self._cut = False
        self._targets: dict[tuple[str, str, str], str] = {}
        self._splits: dict[str, tuple[str, str] | None] = {}
        self._symbols: dict[str, Symbol | None] = {}

    # ------------------------------------------------------------- spelling
    def imports(self, module: str, name: str) -> bool:
        """Whether ``module`` binds ``name`` by an import."""
        index = self.modules.get(module)
        return index is not None and name in index.imports

    def resolve(self, module: str, spelled: str, scope: str = "") -> str:
        """The qualified name that ``spelled`` denotes in ``module`` (at ``scope``)."""
        index = self.modules.get(module)
        if index is None or not spelled:
            return spelled
        head, rest = _split_head(spelled)
        if head in ("self", "cls") and scope:
            owner = self.enclosing_class(module, scope)
            if owner is not None and rest.startswith("."):
                name, tail = _split_head(rest[1:])
                found = self.find_method(f"{module}.{owner}", name)
                if found is not None:
                    return self.canonical(found + tail)
                return self.canonical(f"{module}.{owner}.{name}{tail}")
            return spelled
        if head == "super" and rest.startswith("().") and scope:
            owner = self.enclosing_class(module, scope)
            if owner is not None:
                name, tail = _split_head(rest[3:])
                for base in self.class_bases(f"{module}.{owner}"):
                    found = self.find_method(base, name)
                    if found is not None:
                        return self.canonical(found + tail)
            return spelled
        nested = self._nested(index, scope, head)
        if nested is not None:
            return f"{module}.{nested}{rest}"
        if head in index.imports:
            return self.canonical(index.imports[head] + rest)
        if head in index.definitions or ("", head) in index.bindings:
            return self.canonical(f"{module}.{spelled}")
        for star in index.star_imports:
            target = self.modules.get(star)
            if target is not None and (
                head in target.definitions
                or ("", head) in target.bindings
                or head in target.imports
            ):
                return self.resolve(star, spelled)
        return spelled

    @staticmethod
    def _nested(index: ModuleIndex, scope: str, head: str) -> str | None:
        """``inner`` called inside ``outer`` is ``outer.inner`` (class bodies do not nest)."""
        while scope:
            definition = index.definitions.get(scope)
            if definition is not None and definition.kind != "class":
                candidate = f"{scope}.{head}"
                if candidate in index.definitions:
                    return candidate
            scope = scope.rpartition(".")[0]
        return None

    def _nested_roots(self) -> dict[str, str]:
        """Top-level names the project imports from a folder below its root.

        Django projects often put ``manage.py`` in a subfolder and import
        ``core.utils`` where discovery named the module ``label_studio.core.utils``.
        A first segment that is no project module but is the last segment of
        exactly one project package maps to that package.
        """
        tops = {name.split(".", 1)[0] for name in self.modules}
        candidates: dict[str, set[str]] = {}
        for name, index in self.modules.items():
            if "." in name and index.facts.is_package:
                last = name.rpartition(".")[2]
                if last not in tops:
                    candidates.setdefault(last, set()).add(name)
        return {last: next(iter(names)) for last, names in candidates.items() if len(names) == 1}

    def canonical(self, qualified: str, depth: int = 0) -> str:
        """Follow re-exports and module-level aliases to where a name is defined."""
        cached = self._canonical.get(qualified)
        # A remembered answer took ``hops`` links: entered this deep, a fresh
        # lookup would be cut first, so it is looked up again (and cut).
        if cached is not None:
            hops = self._hops.get(qualified, 0)
            if depth + hops < MAX_DEPTH:
                self._deepest = max(self._deepest, depth + hops)
                return cached
        result = qualified
        # ``resolve`` calls back into ``canonical`` with a fresh depth, so an alias
        # cycle (``open = open``, ``a = b`` / ``b = a``) needs its own guard.
        # A chain of aliases (``A1 = A0``, ``A2 = A1``, ...) is followed to a bounded
        # length: each link recurses, and a hostile file may hold thousands.
        if qualified in self._following or len(self._following) >= MAX_CHAIN:
            self._cut = True
            return qualified
        self._following.add(qualified)
        outer, self._cut = self._cut, False
        # How deep this chain went: depth 0 starts a chain of its own (``resolve``
        # starts afresh), deeper calls are links of their caller's.
        caller_deepest, self._deepest = self._deepest, depth
        try:
            result = self._follow(qualified, depth)
        finally:
            self._following.discard(qualified)
            cut, self._cut = self._cut, outer or self._cut
            hops = self._deepest - depth
            self._deepest = max(caller_deepest, self._deepest) if depth else caller_deepest
        # An answer cut short by the depth limit or the cycle guard depends on
        # where the chain was entered: remembering it would make later answers
        # depend on the order files are resolved in (and reused call edges
        # differ from a fresh build's).
        if not cut:
            self._canonical[qualified] = result
            if hops:  # most names are where they are defined: no entry
                self._hops[qualified] = hops
        return result

    def _follow(self, qualified: str, depth: int) -> str:
        result = qualified
        self._deepest = max(self._deepest, depth)
        if depth >= MAX_DEPTH:
            self._cut = True
        head = qualified.split(".", 1)[0]
        if head in self._source_roots and depth < MAX_DEPTH:
            return self.canonical(self._source_roots[head] + qualified[len(head) :], depth + 1)
        if depth < MAX_DEPTH:
            split = self.split_module(qualified)
            if split is not None:
                module, local = split
                index = self.modules[module]
                head, rest = _split_head(local)
                if head and head not in index.definitions:
                    if head in index.imports:
                        result = self.canonical(index.imports[head] + rest, depth + 1)
                    else:
                        binding = index.bindings.get(("", head))
                        if binding is not None and binding.kind == "name":
                            result = self.canonical(
                                self.resolve(module, binding.value) + rest, depth + 1
                            )
        return result

    def split_module(self, qualified: str) -> tuple[str, str] | None:
        """``pkg.mod.Class.method`` -> (``pkg.mod``, ``Class.method``) for project modules."""
        # Memoised: the modules never change, and the inventory and the value
        # flow ask for the same names hundreds of thousands of times on Django.
        found = self._splits.get(qualified, _UNSPLIT)
        if found is _UNSPLIT:
            found = self._splits[qualified] = self._split_module(qualified)
        return found  # type: ignore[return-value]

    def _split_module(self, qualified: str) -> tuple[str, str] | None:
        name = qualified.split("(", 1)[0].split("[", 1)[0]
        parts = name.split(".")
        for cut in range(len(parts), 0, -1):
            module = ".".join(parts[:cut])
            if module in self.modules:
                return module, qualified[len(module) + 1 :] if len(qualified) > len(module) else ""
        return None

    # -------------------------------------------------------------- symbols
    def symbol(self, qualified: str) -> Symbol | None:
        found = self._symbols.get(qualified, _UNSPLIT)
        if found is _UNSPLIT:
            found = self._symbols[qualified] = self._symbol(qualified)
        return found  # type: ignore[return-value]

    def _symbol(self, qualified: str) -> Symbol | None:
        split = self.split_module(qualified)
        if split is None:
            return None
        module, local = split
        index = self.modules[module]
        if not local:
            return Symbol(index.facts, "")
        definition = index.definitions.get(local)
        if definition is not None:
            return Symbol(index.facts, local, definition=definition)
        scope, _, name = local.rpartition(".")
        binding = index.bindings.get((scope, name))
        if binding is not None:
            return Symbol(index.facts, local, binding=binding)
        return None

    def literal(self, qualified: str, depth: int = 0) -> Binding | None:
        """The literal binding a constant name ends at (``A = B``, ``B = "x"``)."""
        symbol = self.symbol(qualified)
        if symbol is None or symbol.binding is None or depth > MAX_DEPTH:
            return None
        binding = symbol.binding
        if binding.kind == "name":
            return self.literal(self.resolve(symbol.module.module, binding.value), depth + 1)
        return binding

    def enclosing_class(self, module: str, scope: str) -> str | None:
        """The class whose method ``scope`` is (``C.m`` or ``C.m.inner``), if any."""
        index = self.modules[module]
        parts = scope.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            candidate = ".".join(parts[:cut])
            definition = index.definitions.get(candidate)
            if definition is not None and definition.kind == "class":
                return candidate
        return None

    def class_bases(self, qualified_class: str) -> list[str]:
        cached = self._bases.get(qualified_class)
        if cached is None:
            symbol = self.symbol(qualified_class)
            if symbol is None or symbol.definition is None:
                cached = []
            else:
                scope = symbol.local.rpartition(".")[0]
                module = symbol.module.module
                cached = [self.resolve(module, b, scope) for b in symbol.definition.bases]
            self._bases[qualified_class] = cached
        return cached

    def mro(self, qualified_class: str) -> tuple[str, ...]:
        """The class and its ancestors (external ones by name), breadth first, each once."""
        cached = self._mro.get(qualified_class)
        if cached is not None:
            return cached
        seen: dict[str, None] = {}
        queue = [qualified_class]
        while queue and len(seen) <= 64:
            current = queue.pop(0)
            if current in seen:
                continue
            seen[current] = None
            queue.extend(self.class_bases(current))
        self._mro[qualified_class] = result = tuple(seen)
        return result

    def find_method(self, qualified_class: str, name: str) -> str | None:
        """The class or nearest project ancestor that defines ``name``."""
        key = (qualified_class, name)
        if key not in self._methods:
            found = None
            for klass in self.mro(qualified_class):
                symbol = self.symbol(f"{klass}.{name}")
                if symbol is not None and symbol.definition is not None:
                    found = f"{klass}.{name}"
                    break
            self._methods[key] = found
        return self._methods[key]

    def is_enum_class(self, qualified_class: str) -> bool:
        return any(
            base in ENUM_BASES
            for klass in self.mro(qualified_class)
            for base in self.class_bases(klass)
        )

    def call_target(self, facts: FileFacts, call: Call) -> str:
        """The qualified callee of a call site."""
        # The inventory and the call graph each ask for every call site's
        # target, and a scope repeats its callees: remember the answers.
        key = (facts.module, call.callee, call.scope)
        found = self._targets.get(key)
        if found is None:
            found = self.resolve(facts.module, call.callee, call.scope)
            if not self._following:
                self._targets[key] = found
        return found


_HEAD = re.compile(r"[^.(\[]*")


def _split_head(spelled: str) -> tuple[str, str]:
    """``a.b().c`` -> (``a``, ``.b().c``)."""
    # A regular expression, not a loop over characters: this runs for every
    # dotted name of every call while a call graph is built.
    end = _HEAD.match(spelled).end()  # type: ignore[union-attr]
    return spelled[:end], spelled[end:]
