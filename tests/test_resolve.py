"""Name resolution survives what real code does to names."""

from __future__ import annotations

from flaglint.facts import build_facts
from flaglint.facts.comments import marker_pattern
from flaglint.names.resolve import Resolver

NO_MARKERS = marker_pattern(())


def _facts(module: str, source: str):
    return build_facts(f"{module}.py", source.encode(), module, False, frozenset(), NO_MARKERS)


def test_alias_cycles_resolve_to_themselves() -> None:
    # ``open = open`` shadows a builtin; ``a = b`` / ``b = a`` across modules is a cycle.
    first = _facts("first", "from second import b\nopen = open\na = b\n")
    second = _facts("second", "from first import a\nb = a\n")
    resolver = Resolver([first, second])
    assert resolver.resolve("first", "open") == "first.open"
    assert resolver.resolve("first", "a") in ("first.a", "second.b")
    assert resolver.resolve("second", "b.run") in ("first.a.run", "second.b.run")
