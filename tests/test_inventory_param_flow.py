"""A parameter passed on through recursive and many-caller functions is followed once per level."""

from __future__ import annotations

from pathlib import Path

import pytest

from flaglint.config import Config
from flaglint.engine import analyse
from flaglint.flags.values import ValuesMixin

CHECKS = (
    """\
def allowed(user, obj, perm):
    if perm == "admin":
        return True
"""
    + "".join(
        f"""    if obj.link_{n} is not None:
        return allowed(user, obj.link_{n}, perm)
"""
        for n in range(6)
    )
    + "    return False\n"
)

GUARD = """\
from app.checks import allowed


def guard_{n}(user, obj, perm):
    if not allowed(user, obj, perm):
        raise PermissionError(perm)
    return allowed(user, obj.parent, perm)
"""

VIEW = """\
from app.guard_{n} import guard_{n}


def view_{n}(request, obj):
    guard_{n}(request.user, obj, "edit")
"""


def test_recursive_parameter_flow_is_not_exponential(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "checks.py").write_text(CHECKS)
    for n in range(8):
        (app / f"guard_{n}.py").write_text(GUARD.format(n=n))
        (app / f"view_{n}.py").write_text(VIEW.format(n=n))
    calls = 0
    original = ValuesMixin.param_conditions

    def counted(self, facts, atom, on):  # noqa: ANN001, ANN202
        nonlocal calls
        calls += 1
        return original(self, facts, atom, on)

    monkeypatch.setattr(ValuesMixin, "param_conditions", counted)
    project = analyse(Config(root=tmp_path), [tmp_path], use_cache=False)
    assert project.inventory.keys() == {}
    # Each (function, parameter, polarity, depth) is worked out once: the six
    # recursive calls of ``allowed`` were followed 6**4 times over all its callers.
    assert calls < 2_000


# A method that becomes a wrapper only once the function it calls, written below
# it, is found to be one; and a method of the same name elsewhere whose parameter
# is tested, so that its callers (every call named ``setup``) are looked up while
# the wrappers are still being found.
TOGGLES = """\
from ldclient.client import LDClient
from ldclient.config import Config


class Toggles:
    def setup(self, name):
        return read_flag(name)


def read_flag(name):
    return LDClient(Config("sdk")).variation(name, None, False)


toggles = Toggles()


def passthrough(value):
    return value


class Widget:
    def setup(self, visible):
        self.visible = passthrough(visible)

    def shown(self):
        return self.visible
"""

PAGE = """\
from app.toggles import toggles


def page():
    if toggles.setup("new-ui"):
        render()
"""


@pytest.mark.parametrize("every_call", [False, True])
def test_a_singleton_method_found_a_wrapper_late_is_one_whatever_was_asked_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, every_call: bool
) -> None:
    from flaglint.flags import values

    if every_call:  # the callers of ``setup`` include the call passing a literal
        monkeypatch.setattr(values, "_may_pass_flag", lambda flow: True)
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "toggles.py").write_text(TOGGLES)
    (app / "page.py").write_text(PAGE)
    project = analyse(Config(root=tmp_path), [tmp_path], use_cache=False)
    reads = [(r.path, r.line, r.key) for r in project.inventory.reads]
    assert ("app/page.py", 5, "new-ui") in reads


CALLER = """\
from app.toggles import toggles

NAME = "new-ui"


def page():
    return toggles.setup(NAME)
"""


def test_callers_are_grouped_again_when_a_singleton_method_becomes_a_wrapper(
    tmp_path: Path,
) -> None:
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "toggles.py").write_text(TOGGLES)
    (app / "caller.py").write_text(CALLER)
    inventory = analyse(Config(root=tmp_path), [tmp_path], use_cache=False).inventory
    method = "app.toggles.Toggles.setup"
    assert method in inventory._wrappers
    site = next(
        (facts.path, index)
        for facts in inventory.files
        for index, call in enumerate(facts.calls)
        if call.callee == "toggles.setup"
    )
    wrapper = inventory._wrappers.pop(method)  # as it was before it was found
    before = inventory._callers_of("setup")
    assert site not in [(f.path, i) for f, i in before.get(method, [])]
    inventory._wrappers[method] = wrapper  # found: the call on the singleton runs it
    after = inventory._callers_of("setup")
    assert site in [(f.path, i) for f, i in after.get(method, [])]
