"""The provider table's name matching: ``enclosing_modules`` is exactly ``in_module``'s set."""

from __future__ import annotations

import pytest

from flaglint.flags.matching import enclosing_modules, in_module

NAMES = [
    "ldclient",
    "ldclient.get",
    "ldclient.get().variation",
    "a.b(x.y).c",
    "a.bc",
    "a..b",
    "f(a.b)",
    "",
    "waffle.models.Flag.is_active",
]
# Module names (the table's and config's) never hold a "(".
MODULES = ["ldclient", "a", "a.b", "a.bc", "a.", "f", "waffle", "waffle.models", "b"]


@pytest.mark.parametrize("name", NAMES)
def test_enclosing_modules_are_the_modules_in_module_accepts(name: str) -> None:
    listed = set(enclosing_modules(name))
    assert {m for m in MODULES if in_module(name, m)} == {m for m in MODULES if m in listed}


def test_a_parameter_test_reads_the_file_asked_about(tmp_path) -> None:
    """Two files can share a module name (``a-b/c.py`` and ``a_b/c.py`` both fall back
    to ``a_b.c``): whether a name is a function's parameter is the asked file's answer."""
    from flaglint.config import load_config
    from flaglint.engine import analyse
    from flaglint.flags.inventory import Inventory

    for folder, source in (
        ("a-b", "def make(client):\n    return client\n"),
        ("a_b", "def make():\n    client = 1\n    return client\n"),
    ):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "c.py").write_text(source)
    project = analyse(load_config(tmp_path), [tmp_path], use_cache=False)
    assert {f.module for f in project.files} == {"a_b.c"}
    inventory = Inventory(project.files, project.config)
    by_path = {f.path: f for f in project.files}
    assert inventory._is_param(by_path["a-b/c.py"], "make", "client")
    assert not inventory._is_param(by_path["a_b/c.py"], "make", "client")
