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


def test_a_long_re_export_chain_resolves_the_same_whatever_was_asked_first() -> None:
    """A chain longer than the depth limit is cut where a fresh lookup cuts it, even
    when a lookup from its middle (within the limit) was answered and remembered first:
    answers must not depend on the order files are resolved in (forked workers and
    reused answers resolve different files first)."""
    links = [_facts(f"c{i}", f"from c{i + 1} import f\n") for i in range(12)]
    files = [*links, _facts("c12", "def f():\n    pass\n")]
    fresh = Resolver(files).resolve("c0", "f")
    assert fresh != "c12.f"  # twelve links: past the limit
    warmed = Resolver(files)
    assert warmed.resolve("c7", "f") == "c12.f"  # five links: within it
    assert warmed.resolve("c0", "f") == fresh
    again = Resolver(files)
    assert again.resolve("c0", "f") == fresh
    assert again.resolve("c7", "f") == "c12.f"
