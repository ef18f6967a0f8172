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
