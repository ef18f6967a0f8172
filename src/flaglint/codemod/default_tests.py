"""Tests of a flag's default side: no override, and a docstring that says so.

django-waffle's flags, switches and samples are off where nobody set them (unless
the project changes ``WAFFLE_*_DEFAULT``). A test that sets nothing about the flag
runs with it off; when its docstring names the flag (its key or a constant bound
to it, as a whole token: ``'x_feature_v2'`` does not name ``x_feature``) and says
it is off in the same clause (``Verify the widget is hidden when 'x_feature' is
disabled``; not "the 'x_feature' widget renders without errors"), it tests the
side a ``--keep on`` removal deletes, and it would fail afterwards. It is
deleted with the other tests of the removed side, and listed. Only then: a test
that merely runs with the default, without saying so, is not guessed at.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Collection, Sequence

import libcst as cst

from flaglint.codemod.setters import is_test_path
from flaglint.codemod.words import clauses_naming, token
from flaglint.facts.parse import parse_source
from flaglint.project import Project

# Words saying the flag is off, in the clause of the docstring that names it.
OFF_WORDS = re.compile(
    r"\b(disabled?|disables|off|inactive|not (active|enabled|on))\b", re.IGNORECASE
)
# Words that turn an off-word around: "not disabled", "never off".
NEGATED = re.compile(r"\b(not|never|isn't|aren't)\s+(disabled?|off|inactive)\b", re.IGNORECASE)
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


def called_outside_tests(project: Project) -> frozenset[str]:
    """The last part of every name that code outside the project's tests calls or imports:
    a ``test_*`` function so named is production code, never a test to delete."""
    names: set[str] = set()
    for facts in project.files:
        if is_test_path(facts.path, project.config.tests):
            continue
        names.update(c.callee.rpartition(".")[2] for c in facts.calls)
        names.update(i.target.rpartition(".")[2] for i in facts.imports)
    return frozenset(names)


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
    names: Collection[str] = (),
) -> str:
    """Why ``function`` tests the flag's default (off) side, or "" when not certain.

    Its docstring must name the flag (``key`` or one of ``names``, a whole token) and
    say it is off in the same clause; ``spells_key`` (any spelling at all) must find
    the flag nowhere in its code, decorators or its class's setup.
    """
    if not function.name.value.startswith("test"):
        return ""
    docstring = function.get_docstring() or ""
    flag_names = [key, *names]
    if not any(_says_off(clause, flag_names) for clause in clauses_naming(docstring, flag_names)):
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


def _says_off(clause: str, names: Sequence[str]) -> bool:
    """The clause says the flag is off: an off-word, or ``without`` right before its name
    ("without the 'x' flag"); "renders without errors" says nothing about it."""
    if NEGATED.search(clause):
        return False
    if OFF_WORDS.search(clause):
        return True
    return any(
        re.search(rf"\bwithout\s+(the\s+)?[`'\"]?{token(name).pattern}", clause, re.IGNORECASE)
        for name in names
    )
