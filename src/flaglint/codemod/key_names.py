"""Names of the key's constants that also name something else in the project.

Tests name a flag through a constant (``override_switch(NEW_CART, active=True)``),
and the test editors match that constant by its name. When another module or
class binds the same name to another value (``NEW_CART = "other-cart"`` in
another app), a test may mean either: its tests are left for a human instead of
being rewritten for the wrong flag.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from flaglint.callgraph.roots import matches
from flaglint.codemod.rewrite import Leftover
from flaglint.project import Project


def shadowed_names(
    project: Project, definitions: Iterable[tuple[str, int, str]]
) -> dict[str, tuple[str, int]]:
    """Per name of a key definition, where another module or class binds it otherwise."""
    definitions = list(definitions)
    names = {d[2].rpartition(".")[2] for d in definitions}
    defined = {(d[0], d[1]) for d in definitions}
    found: dict[str, tuple[str, int]] = {}
    for facts in sorted(project.files, key=lambda f: f.path):
        for binding in facts.bindings:
            if (
                binding.name in names
                and binding.name not in found
                and binding.kind in ("str", "call")
                and (facts.path, binding.line) not in defined
            ):
                found[binding.name] = (facts.path, binding.line)
    return found


def names_in_file(
    project: Project,
    key: str,
    definitions: Iterable[tuple[str, int, str]],
    shadowed: Mapping[str, tuple[str, int]],
) -> Callable[[str], frozenset[str]]:
    """Per file (by path), the key and the names that mean it there: a name of a key
    definition that nothing else binds, or a shadowed one the file resolves to the key's
    definition (defines it, or imports it from the module that does)."""
    definitions = list(definitions)
    names = frozenset(d[2].rpartition(".")[2] for d in definitions)
    qualified = {
        f"{project.by_path[path].module}.{name}"
        for path, _, name in definitions
        if path in project.by_path
    }
    plain = frozenset({key, *(n for n in names if n not in shadowed)})
    resolver = project.inventory.resolver
    found: dict[str, frozenset[str]] = {}

    def names_in(path: str) -> frozenset[str]:
        if path not in found:
            facts = project.by_path.get(path)
            meant = {
                name
                for name in names & shadowed.keys()
                if facts is not None and resolver.resolve(facts.module, name) in qualified
            }
            found[path] = plain | meant
        return found[path]

    return names_in


def shadowed_leftovers(
    project: Project,
    key: str,
    shadowed: Mapping[str, tuple[str, int]],
    texts: Mapping[str, bytes],
) -> list[Leftover]:
    """One leftover per test file that mentions a shadowed name, at its first mention."""
    found: list[Leftover] = []
    tests = project.config.tests
    for facts in sorted(project.files, key=lambda f: f.path):
        if not matches(facts.path, tests):
            continue
        text = texts.get(facts.path)
        if text is None:
            try:
                text = (project.config.root / facts.path).read_bytes()
            except OSError:
                continue
        lines = text.decode("utf-8", "replace").splitlines()
        for name, (path, line) in sorted(shadowed.items()):
            pattern = re.compile(rf"\b{re.escape(name)}\b")
            number = next((n for n, t in enumerate(lines, 1) if pattern.search(t)), 0)
            if number:
                found.append(
                    Leftover(
                        facts.path,
                        number,
                        f"`{name}` names {key} and also another value ({path}:{line}): "
                        "the tests that use it are not edited; edit them by hand",
                    )
                )
    return found
