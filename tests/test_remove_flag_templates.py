"""remove-flag on templates: which ``{% if %}`` blocks fold, and which are left for a human."""

from __future__ import annotations

import pytest

from flaglint.codemod.templates import drop_entries, fold_template, folded_entries

PAGE = b"""<div class="w {% if not beta %}hidden{% endif %}">
  {% if beta %}
  <p>new</p>
  {% else %}
  <p>old</p>
  {% endif %}
  {% if user %}{% if beta %}<b>b</b>{% endif %}{% endif %}
</div>
"""


def test_simple_blocks_fold_to_the_branch_that_runs() -> None:
    on = fold_template(PAGE, "beta", True)
    off = fold_template(PAGE, "beta", False)
    assert on == (b'<div class="w ">\n  <p>new</p>\n  {% if user %}<b>b</b>{% endif %}\n</div>\n')
    assert off == (b'<div class="w hidden">\n  <p>old</p>\n  {% if user %}{% endif %}\n</div>\n')


@pytest.mark.parametrize(
    "template",
    [
        b"{% if beta %}a{% elif other %}b{% endif %}",
        b"{% if beta and user %}a{% endif %}",
        b"<p>{{ beta }}</p>",
        b"{% if beta|default:False %}a{% endif %}",
    ],
)
def test_anything_but_a_simple_block_is_not_folded(template: bytes) -> None:
    assert fold_template(template, "beta", True) is None


def test_sql_jinja_with_whitespace_control() -> None:
    sql = b"SELECT a\n{%- if beta -%}\n, b\n{%- endif -%}\nFROM t\n"
    assert fold_template(sql, "beta", True) == b"SELECT a\n, b\nFROM t\n"
    assert fold_template(sql, "beta", False) == b"SELECT a\nFROM t\n"


def test_only_entries_the_rewrite_made_literal_count() -> None:
    tail = b'ctx["x"] = False\n'
    before = {"v.py": b'ctx = {"beta": f(), "keep": True}\nctx["gamma"] = g()\n' + tail}
    after = {"v.py": b'ctx = {"beta": True, "keep": True}\nctx["gamma"] = False\n' + tail}
    assert folded_entries(before, after) == {"beta": True, "gamma": False}
    dropped = drop_entries(after["v.py"], {"beta", "gamma"})
    assert dropped == b'ctx = {"keep": True}\nctx["x"] = False\n'


def test_the_name_in_plain_text_is_no_read() -> None:
    """Text outside ``{{ }}``/``{% %}`` never reads a variable: a SQL string naming it stays."""
    sql = b"WHERE kind = 'beta'\n{% if beta %}\n  AND new\n{% endif %}\n-- beta rows\n"
    assert fold_template(sql, "beta", True) == b"WHERE kind = 'beta'\n  AND new\n-- beta rows\n"
    # Inside a tag it is still a read flaglint does not fold.
    assert fold_template(b"WHERE kind = {{ beta }}\n", "beta", True) is None
    assert fold_template(b"{% set x = beta %}{% if beta %}a{% endif %}", "beta", True) is None


def test_a_template_naming_it_only_in_plain_text_does_not_block(tmp_path) -> None:
    from flaglint.codemod.templates import fold_templates

    (tmp_path / "a.sql").write_bytes(b"{% if beta %}x{% endif %}\n")
    (tmp_path / "b.sql").write_bytes(b"SELECT 'beta' AS kind\n")
    folded, done, notes = fold_templates(tmp_path, {"beta": True})
    assert (folded, done, notes) == ({"a.sql": b"x\n"}, {"beta"}, [])
