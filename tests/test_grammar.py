"""Facts do not depend on the interpreter: newer grammar is read through LibCST.

``fixtures/grammar/modern.py`` uses PEP 695, 701, 758 and 750 syntax that
Python 3.10 and 3.11 cannot parse; ``classic.py`` is the same module spelled
for every supported Python. Both must give the same facts (calls, flag reads,
definitions, line by line), whichever interpreter runs the tests.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES

from flaglint.facts import build_facts
from flaglint.facts.comments import marker_pattern
from flaglint.facts.parse import lower_new_syntax, parse_source

GRAMMAR = FIXTURES / "grammar"


def _facts(name: str):
    source = (GRAMMAR / name).read_bytes()
    return build_facts(name, source, "m", False, frozenset(), marker_pattern(()))


def test_modern_syntax_gives_the_facts_of_its_classic_spelling() -> None:
    modern, classic = _facts("modern.py"), _facts("classic.py")
    assert modern.error is None and classic.error is None
    assert [(c.callee, c.line) for c in modern.calls] == [(c.callee, c.line) for c in classic.calls]
    assert [(d.qualname, d.line, d.kind) for d in modern.definitions] == [
        (d.qualname, d.line, d.kind) for d in classic.definitions
    ]
    assert [b.name for b in modern.bindings] == [b.name for b in classic.bindings]


def test_lowering_keeps_every_line_where_it_was() -> None:
    source = (GRAMMAR / "modern.py").read_text()
    lowered = lower_new_syntax(source)
    assert lowered is not None
    assert len(lowered.splitlines()) == len(source.splitlines())
    ast.parse(lowered)  # this interpreter reads it


@pytest.mark.skipif(sys.version_info < (3, 14), reason="ast reads this grammar from 3.14 on")
def test_on_a_new_interpreter_ast_and_the_lowering_agree() -> None:
    source = (GRAMMAR / "modern.py").read_text()
    direct = [
        (n.lineno, ast.unparse(n.func))
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Call)
    ]
    lowered = [
        (n.lineno, ast.unparse(n.func))
        for n in ast.walk(ast.parse(lower_new_syntax(source)))
        if isinstance(n, ast.Call)
    ]
    assert sorted(direct) == sorted(lowered)


def test_flags_and_calls_of_modern_files_are_in_the_project(run_cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "modern.py").write_text((GRAMMAR / "modern.py").read_text())
    check = run_cli("check", "--no-cache", cwd=tmp_path)
    assert "FL901" not in check.out
    flags = run_cli("flags", "--no-cache", cwd=tmp_path).out
    assert "modern-first" in flags and "-> modern.pick" in flags


@pytest.mark.parametrize(
    ("source", "says"),
    [
        (b'print "hello"\n', "Python 2 code"),
        (b"exec 'x = 1'\n", "Python 2 code"),
        (b"x = 0777\n", "Python 2 code"),
        (b"def broken(:\n    pass\n", "syntax error"),
    ],
)
def test_what_no_parser_reads_is_named_for_what_it_is(source: bytes, says: str) -> None:
    facts = build_facts("m.py", source, "m", False, frozenset(), marker_pattern(()))
    assert facts.error is not None and facts.error.message.startswith(says)
    with pytest.raises(SyntaxError):
        parse_source(source)


@pytest.mark.parametrize(
    ("source", "calls"),
    [
        (
            "def f[\n    T: int,\n    U = str,\n](x):\n    return g(x)\nafter()\n",
            [(5, "g"), (6, "after")],
        ),
        (
            "class C[\n    T,\n]:\n    def m(self):\n        return h()\nafter()\n",
            [(5, "h"), (6, "after")],
        ),
        ("class C[\n    T,\n](Base):\n    pass\nafter()\n", [(5, "after")]),
        ("type A[\n    T: (int, str) = int,\n] = list[T]\nafter()\n", [(4, "after")]),
        (
            'x = f"""head {d["k"]}\nline two\n{is_enabled("new-ui")} tail"""\nafter()\n',
            [(3, "is_enabled"), (4, "after")],
        ),
        (
            'x = f"{v:{width(is_enabled("k"))}}"\nafter()\n',
            [(1, "is_enabled"), (1, "width"), (2, "after")],
        ),
        ('x = f"{f"{inner("a")}"}"\nafter()\n', [(1, "inner"), (2, "after")]),
    ],
    ids=["def", "class", "class-bases", "alias", "fstring-lines", "format-spec", "nested"],
)
def test_every_call_keeps_its_line(source: str, calls: list[tuple[int, str]]) -> None:
    tree = parse_source(source)
    found = sorted(
        (n.lineno, ast.unparse(n.func)) for n in ast.walk(tree) if isinstance(n, ast.Call)
    )
    assert found == calls
