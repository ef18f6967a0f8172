"""Roots: what runs without being called.

Module bodies, decorated (registered) functions, ``__all__`` names, dunder
methods, methods of classes extending code outside the project, functions
named by a dotted string constant, and configured entry points. Test code is
not a root unless ``tests-as-roots`` is set.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping

from flaglint.callgraph.model import NodeInfo
from flaglint.facts.model import Definition, FileFacts
from flaglint.names.resolve import Resolver

# Decorators that wrap or describe a function without registering it anywhere.
PLAIN_DECORATORS = frozenset(
    {
        "property",
        "staticmethod",
        "classmethod",
        "abstractmethod",
        "abc.abstractmethod",
        "functools.wraps",
        "functools.lru_cache",
        "functools.cache",
        "functools.cached_property",
        "functools.total_ordering",
        "functools.singledispatch",
        "typing.overload",
        "typing.final",
        "typing_extensions.overload",
        "typing_extensions.final",
        "contextlib.contextmanager",
        "contextlib.asynccontextmanager",
        "dataclasses.dataclass",
        "warnings.deprecated",
        "typing_extensions.deprecated",
        "deprecated.deprecated",
        "deprecated.classic.deprecated",
        "deprecated.sphinx.deprecated",
        "wraps",
        "lru_cache",
        "cache",
        "cached_property",
        "overload",
        "deprecated",
        "dataclass",
        "contextmanager",
        "asynccontextmanager",
    }
)

# Run when their class is built: a call of the class leads to them, they are no roots.
CONSTRUCTORS = frozenset({"__init__", "__new__", "__post_init__"})

# Decorators that make a function test code: it runs only under the test runner.
TEST_DECORATORS = frozenset({"pytest.fixture", "pytest_asyncio.fixture"})


class RootFinder:
    """Decides which nodes of a graph run without being called."""

    def __init__(
        self,
        nodes: Mapping[str, NodeInfo],
        resolver: Resolver,
        test_modules: set[str],
        tests_as_roots: bool,
        entry_points: tuple[str, ...],
    ) -> None:
        self.nodes = nodes
        self.resolver = resolver
        self.test_modules = test_modules
        self.tests_as_roots = tests_as_roots
        self.entry_points = entry_points
        self._external: dict[str, bool] = {}

    def roots(self, files: list[FileFacts]) -> set[str]:
        roots: set[str] = set()
        for facts in files:
            is_test = facts.module in self.test_modules
            if is_test and not self.tests_as_roots:
                continue
            roots.add(facts.module)
            exported = set(facts.dunder_all)
            for name in facts.dunder_all:
                resolved = self.resolver.resolve(facts.module, name)
                if resolved in self.nodes:
                    roots.add(resolved)
            for definition in facts.definitions:
                qualified = f"{facts.module}.{definition.qualname}"
                if self._is_root(facts, definition, exported):
                    roots.add(qualified)
        for qualified in self.nodes:
            if any(fnmatch.fnmatchcase(qualified, p) for p in self.entry_points):
                roots.add(qualified)
        roots.update(self._named_in_strings(files))
        return roots

    def _named_in_strings(self, files: list[FileFacts]) -> set[str]:
        """Functions and classes named by a dotted string constant (``X = "pkg.mod.func"``).

        Settings that name a callable by its import path (Django's
        ``load_func(settings.X)``, Celery routes, plugin tables) register it
        without a call that a graph could see.
        """
        found: set[str] = set()
        for facts in files:
            if facts.module in self.test_modules and not self.tests_as_roots:
                continue
            for binding in facts.bindings:
                if binding.kind == "str" and "." in binding.value:
                    info = self.nodes.get(binding.value)
                    if info is not None and info.kind != "module":
                        found.add(binding.value)
        return found

    def _is_root(self, facts: FileFacts, definition: Definition, exported: set[str]) -> bool:
        if definition.qualname in exported:
            return True
        if definition.kind == "class":
            return False
        if (
            definition.kind == "method"
            and definition.name.startswith("__")
            and definition.name.endswith("__")
            and definition.name not in CONSTRUCTORS
        ):
            return True
        scope = definition.qualname.rpartition(".")[0]
        for decorator in definition.decorators:
            resolved = self.resolver.resolve(facts.module, decorator, scope)
            last = resolved.rpartition(".")[2]
            if resolved in TEST_DECORATORS:
                return self.tests_as_roots
            if resolved in PLAIN_DECORATORS or decorator in PLAIN_DECORATORS:
                continue
            if last in ("setter", "getter", "deleter"):
                continue
            return True
        if definition.kind == "method":
            # A framework calls the methods of classes that extend it.
            return self._extends_outside(f"{facts.module}.{scope}")
        return False

    def _extends_outside(self, qualified_class: str) -> bool:
        found = self._external.get(qualified_class)
        if found is None:
            found = any(
                klass not in self.nodes and klass not in ("object", "Exception", "BaseException")
                for klass in self.resolver.mro(qualified_class)[1:]
            )
            self._external[qualified_class] = found
        return found


def matches(path: str, patterns: tuple[str, ...]) -> bool:
    """Whether a glob matches the path or its file name (the ``tests`` setting)."""
    name = path.rpartition("/")[2]
    return any(fnmatch.fnmatchcase(path, p) or fnmatch.fnmatchcase(name, p) for p in patterns)
