"""Tests of a flag's default side: no override, and a docstring that says so.

django-waffle's flags, switches and samples are off where nobody set them (unless
the project changes ``WAFFLE_*_DEFAULT``). A test that sets nothing about the flag
runs with it off; when its docstring names the flag and says it is off
(``Verify the widget is hidden when 'x_feature' is disabled``), it tests the
side a ``--keep on`` removal deletes, and it would fail afterwards. It is
deleted with the other tests of the removed side, and listed. Only then: a test
that merely runs with the default, without saying so, is not guessed at.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Sequence

import libcst as cst

from flaglint.facts.parse import parse_source
from flaglint.project import Project

# Words saying the flag is off, in the test's name or docstring.
OFF_WORDS = re.compile(
    r"\b(disabled?|disables|off|inactive|not (active|enabled|on)|without)\b", re.IGNORECASE
)
SETUPS = frozenset({"setUp", "setUpClass", "setUpTestData", "setup_method", "setup_class"})
WAFFLE_DEFAULTS = frozenset(
    {"WAFFLE_FLAG_DEFAULT", "WAFFLE_SWITCH_DEFAULT", "WAFFLE_SAMPLE_DEFAULT"}
)


def known_default(project: Project, key: str) -> bool | None:
    """The value ``key`` has where nobody set it, when certain: django-waffle's off.

    Unknown when any read goes through another SDK, when the project binds a
    ``WAFFLE_*_DEFAULT`` anywhere (test settings included), or when a migration
    spells the key other than to create, select or delete it switched off (a data
    migration may create it switched on, in tests too).
    """
    reads = [r for r in project.inventory.reads if r.key == key]
    direct = [r for r in reads if not r.provider.startswith("wrapper:")]
    if not direct or any(r.provider != "django-waffle" for r in direct):
        return None
    for facts in project.files:
        if any(b.name in WAFFLE_DEFAULTS for b in facts.bindings):
            return None
    for facts in project.files:
        if "/migrations/" in f"/{facts.path}":
            try:
                text = (project.config.root / facts.path).read_bytes()
            except OSError:
                return None
            if key.encode() in text and not _created_off(text, key):
                return None
    return False


def _created_off(text: bytes, key: str) -> bool:
    """Every mention of ``key`` in a data migration names a row it creates, selects or
    deletes without switching it on (``get_or_create(name=KEY, defaults={"active": False})``)."""
    try:
        tree = parse_source(text)
    except (SyntaxError, ValueError):
        return False
    named: set[int] = set()
    for call in ast.walk(tree):
        if not isinstance(call, ast.Call):
            continue
        arguments = [k.value for k in call.keywords if k.arg == "name"] + call.args[:1]
        if not any(isinstance(a, ast.Constant) and a.value == key for a in arguments):
            continue
        named.update(id(a) for a in arguments)
        values = [k.value for k in call.keywords if k.arg in ("active", "everyone")]
        for keyword in call.keywords:
            if keyword.arg == "defaults" and isinstance(keyword.value, ast.Dict):
                pairs = zip(keyword.value.keys, keyword.value.values, strict=True)
                values += [
                    v
                    for k, v in pairs
                    if not isinstance(k, ast.Constant) or k.value in ("active", "everyone")
                ]
            elif keyword.arg == "defaults":
                return False
        if any(not (isinstance(v, ast.Constant) and v.value in (False, None)) for v in values):
            return False
    mentions = [n for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value == key]
    return all(id(n) in named for n in mentions)


def default_test_reason(
    function: cst.FunctionDef,
    classes: Sequence[cst.ClassDef],
    spells_key: Callable[[str], bool],
    key: str,
) -> str:
    """Why ``function`` tests the flag's default (off) side, or "" when not certain."""
    if not function.name.value.startswith("test"):
        return ""
    docstring = function.get_docstring() or ""
    if not spells_key(docstring):
        return ""
    if not (OFF_WORDS.search(docstring) or OFF_WORDS.search(function.name.value.replace("_", " "))):
        return ""
    statements = list(getattr(function.body, "body", ()))[1:]
    code = "".join(_code(s) for s in statements)
    if spells_key(code) or any(spells_key(_code(d)) for d in function.decorators):
        return ""
    for cls in classes:
        if any(spells_key(_code(d)) for d in cls.decorators):
            return ""
        for statement in cls.body.body:
            if isinstance(statement, cst.FunctionDef) and statement.name.value in SETUPS:
                if spells_key(_code(statement)):
                    return ""
    return f"it ran with {key} at its default, off, the removed value, as its docstring says"


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)
