"""How a resolved name matches the provider table: modules that hold it, entries it names."""

from __future__ import annotations

from collections.abc import Iterator


def enclosing_modules(qualified: str) -> Iterator[str]:
    """Every ``module`` with ``in_module(qualified, module)``: the dotted prefixes of the
    name before any call (``a.b(x).c`` -> ``a``, ``a.b``)."""
    name = qualified.partition("(")[0]
    start = 0
    while True:
        dot = name.find(".", start)
        if dot < 0:
            yield name
            return
        yield name[:dot]
        start = dot + 1


def in_module(qualified: str, module: str) -> bool:
    return (
        qualified == module
        or qualified.startswith(module + ".")
        or qualified.startswith(module + "(")
    )


def matches_any(qualified: str, names: tuple[str, ...]) -> bool:
    """A resolved callee matches a table entry by its full name or a re-export of it.

    ``waffle.flag_is_active`` is exported both from ``waffle`` and from
    ``waffle.models``; matching package prefix plus final name covers both.
    """
    if qualified in names:
        return True
    head, _, last = qualified.rpartition(".")
    if not head:
        return False
    top = head.split(".", 1)[0]
    for name in names:
        if name.rpartition(".")[2] == last and name.split(".", 1)[0] == top:
            return True
    return False
