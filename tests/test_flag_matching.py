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


def _one_module_twice(tmp_path, first: str, second: str):  # noqa: ANN001, ANN202
    """An inventory of ``a-b/c.py`` and ``a_b/c.py``, which both fall back to the
    module name ``a_b.c``, and the two files' facts by path."""
    from flaglint.config import load_config
    from flaglint.engine import analyse
    from flaglint.flags.inventory import Inventory

    for folder, source in (("a-b", first), ("a_b", second)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "c.py").write_text(source)
    project = analyse(load_config(tmp_path), [tmp_path], use_cache=False)
    assert {f.module for f in project.files} == {"a_b.c"}
    return Inventory(project.files, project.config), {f.path: f for f in project.files}


def test_a_parameter_test_reads_the_file_asked_about(tmp_path) -> None:
    """Two files can share a module name: whether a name is a function's parameter is
    the asked file's answer."""
    inventory, by_path = _one_module_twice(
        tmp_path,
        "def make(client):\n    return client\n",
        "def make():\n    client = 1\n    return client\n",
    )
    assert inventory._is_param(by_path["a-b/c.py"], "make", "client")
    assert not inventory._is_param(by_path["a_b/c.py"], "make", "client")


def test_a_files_flows_and_call_arguments_are_the_asked_files(tmp_path) -> None:
    """A local's values and a call's arguments are the asked file's, whichever of two
    files sharing a module name was asked first."""
    inventory, by_path = _one_module_twice(
        tmp_path,
        "def make():\n    client = connect()\n    use(client, mode=1)\n",
        "def make():\n    client = other()\n    use(client, mode=client)\n",
    )
    answers = {}
    for _ in range(2):  # the second time round, each file asks after the other
        for path, facts in sorted(by_path.items(), reverse=bool(answers)):
            index = next(i for i, c in enumerate(facts.calls) if c.callee == "use")
            found = (
                inventory._locals(facts)[("make", "client")],
                inventory._argument(facts, index, "mode", 1),
            )
            assert answers.setdefault(path, found) == found
    assert answers["a-b/c.py"] != answers["a_b/c.py"]
