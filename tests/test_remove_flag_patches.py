"""remove-flag on tests that patch a wrapper it made constant: what is edited, what is left."""

from __future__ import annotations

from pathlib import Path

import pytest

from flaglint.codemod.patched_tests import constant_functions, edit_tests

MODULES = frozenset({"app.views", "app.flags"})


def _edit(tmp_path: Path, source: str, keep: bool = True):
    (tmp_path / "test_x.py").write_text(source, encoding="utf-8")
    return edit_tests(tmp_path, {"is_beta": keep}, MODULES, {})


def test_patches_flaglint_cannot_follow_are_left_and_named(tmp_path: Path) -> None:
    source = """from unittest import mock

@mock.patch("app.views.is_beta", new=lambda account: True)
def test_new(): pass

@mock.patch("app.views.is_beta", side_effect=[True, False])
def test_side_effect(flag): pass

@mock.patch("app.views.is_beta")
class TestAll:
    def test_a(self, flag): pass

def test_started():
    patcher = mock.patch("app.views.is_beta", return_value=True)
"""
    edited, deleted, left = _edit(tmp_path, source)
    assert edited == {} and deleted == []
    reasons = {(x.line, x.reason.split(":")[0]) for x in left}
    assert (4, "test_new") in reasons
    assert (7, "test_side_effect") in reasons
    assert any(line == 9 and "class TestAll" in r for line, r in reasons)
    assert any(line == 14 and "outside a decorator" in r for line, r in reasons)


def test_other_modules_and_names_are_not_touched(tmp_path: Path) -> None:
    source = """from unittest import mock

@mock.patch("elsewhere.is_beta", return_value=False)
@mock.patch("app.views.is_gamma", return_value=False)
def test_other(a, b): pass
"""
    edited, deleted, left = _edit(tmp_path, source)
    assert (edited, deleted, left) == ({}, [], [])


def test_the_bottom_decorator_injects_the_first_mock(tmp_path: Path) -> None:
    source = """from unittest import mock

class T:
    @mock.patch("app.views.is_beta")
    @mock.patch("app.views.send")
    def test_x(self, send, flag):
        flag.return_value = True
        send.assert_called()
"""
    edited, deleted, left = _edit(tmp_path, source)
    assert left == [] and deleted == []
    assert (
        edited["test_x.py"].decode()
        == """from unittest import mock

class T:
    @mock.patch("app.views.send")
    def test_x(self, send):
        send.assert_called()
"""
    )


def test_only_functions_the_rewrite_made_constant() -> None:
    before = {"f.py": b"def a():\n    return read()\n\ndef b():\n    return True\n"}
    after = {"f.py": b"def a():\n    return False\n\ndef b():\n    return True\n"}
    assert constant_functions(before, after) == {"a": False}


def test_open_edx_and_sample_overrides_of_the_key(tmp_path: Path) -> None:
    from flaglint.codemod.overrides import edit_overrides

    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_y.py").write_text(
        """from edx_toggles.toggles.testutils import override_waffle_flag
from waffle.testutils import override_sample

from app.toggles import BETA_FLAG


class T:
    @override_waffle_flag(BETA_FLAG, active=False)
    def test_off(self): pass

    @override_sample("beta", active=True)
    def test_on(self): pass

    @override_sample("beta", active=percent)
    def test_computed(self): pass

    @override_waffle_flag(OTHER_FLAG, active=False)
    def test_other(self): pass
""",
        encoding="utf-8",
    )
    edited, deleted, left, notes = edit_overrides(
        tmp_path, "beta", True, frozenset({"BETA_FLAG"}), {}
    )
    assert [(d.line, d.qualname) for d in deleted] == [(9, "T.test_off")]
    assert [(x.line, "not True/False" in x.reason) for x in left] == [(14, True)]
    text = edited["tests/test_y.py"].decode()
    assert '@override_sample("beta", active=True)' not in text
    assert "@override_waffle_flag(OTHER_FLAG, active=False)" in text
    assert "from edx_toggles" in text and notes == []


@pytest.mark.parametrize(
    ("migration", "known"),
    [
        ("Switch.objects.get_or_create(name='beta', defaults={'active': False})", False),
        ("Switch.objects.filter(name='beta').delete()", False),
        ("Switch.objects.get_or_create(name='beta', defaults={'active': True})", None),
        ("Switch.objects.create(name='beta', active=settings.BETA)", None),
        ("NAMES = ['beta']", None),
    ],
)
def test_the_default_is_known_only_when_no_migration_turns_the_switch_on(
    tmp_path: Path, migration: str, known: bool | None
) -> None:
    from flaglint.codemod.default_tests import known_default
    from flaglint.config import Config
    from flaglint.engine import analyse

    (tmp_path / "app" / "migrations").mkdir(parents=True)
    (tmp_path / "app" / "views.py").write_text(
        "import waffle\n\n\ndef view(request):\n    return waffle.switch_is_active('beta')\n",
        encoding="utf-8",
    )
    (tmp_path / "app" / "migrations" / "0001_beta.py").write_text(
        "from waffle.models import Switch\n\n\n"
        f"def forwards(apps, schema_editor):\n    {migration}\n",
        encoding="utf-8",
    )
    project = analyse(Config(root=tmp_path), [tmp_path], use_cache=False)
    assert known_default(project, "beta") is known
    (tmp_path / "app" / "settings.py").write_text(
        "WAFFLE_SWITCH_DEFAULT = False\n", encoding="utf-8"
    )
    project = analyse(Config(root=tmp_path), [tmp_path], use_cache=False)
    assert known_default(project, "beta") is None


def test_docstrings_that_still_describe_the_flag_are_named() -> None:
    from flaglint.codemod.comments import stale_docstrings

    before = (
        "def pacing(run):\n"
        '    """Serves a waffle switch: toggles between two values."""\n'
        "    if switch_is_active('ro'):\n"
        "        return 1\n"
        "    return 2\n\n\n"
        "def other(run):\n"
        '    """Unrelated to any switch."""\n'
        "    return 3\n\n\n"
        "def test_pacing():\n"
        '    """Pacing when \'ro\' is enabled."""\n'
        "    assert pacing(None) == 1\n"
    )
    after = before.replace("    if switch_is_active('ro'):\n        return 1\n", "")
    reworded = after.replace("Serves a waffle switch: toggles", "Returns one of")
    found = stale_docstrings(
        {"m.py": {3}}, lambda path: {"ro"}, {"m.py": before.encode()}, {"m.py": after.encode()}
    )
    assert found == [("m.py", 1, "pacing"), ("m.py", 11, "test_pacing")]
    found = stale_docstrings(
        {"m.py": {3}}, lambda path: {"ro"}, {"m.py": before.encode()}, {"m.py": reworded.encode()}
    )
    assert found == [("m.py", 11, "test_pacing")]
