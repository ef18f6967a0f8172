"""remove-flag's reading of names and prose: flag keys as tokens, loggers, comment lines."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from flaglint.codemod.comments import speaks_of_a_flag
from flaglint.codemod.logging_only import is_log_statement, is_logger, logger_names
from flaglint.codemod.setters import is_test_path
from flaglint.codemod.words import clauses_naming, spells
from flaglint.defaults import DEFAULTS


@pytest.mark.parametrize(
    ("text", "name", "spelled"),
    [
        ("The banner is v1 while 'gift-wrap-v2' is disabled.", "gift-wrap", False),
        ("The widget is hidden when 'gift-wrap' is disabled.", "gift-wrap", True),
        ("Reads settings.gift-wrap.extra", "gift-wrap", False),
        ("When gift-wrap.", "gift-wrap", True),
        ("USE_NEW_BILLING_V2 is off", "USE_NEW_BILLING", False),
    ],
)
def test_a_key_is_named_only_as_a_whole_token(text: str, name: str, spelled: bool) -> None:
    assert spells(text, [name]) is spelled


def test_the_clause_naming_the_key_is_judged_alone() -> None:
    text = "The 'x' widget renders; errors are off the table. When 'x' is disabled, hide."
    assert list(clauses_naming(text, ["x"])) == ["The 'x' widget renders", " When 'x' is disabled"]


@pytest.mark.parametrize(
    ("receiver", "logger"),
    [
        ("LOG", True),
        ("self.logger", True),
        ("_log", True),
        ("audit_log", True),
        ("eventLogger", True),
        ("logging", True),
        ("dialog", False),
        ("catalog", False),
        ("blog", False),
        ("changelog", False),
    ],
)
def test_a_logger_is_named_by_a_whole_word(receiver: str, logger: bool) -> None:
    assert is_logger(receiver) is logger


def test_a_name_bound_from_get_logger_is_a_logger_and_dialog_warning_is_not_logging() -> None:
    tree = ast.parse(
        "import logging\naudit = logging.getLogger(__name__)\n"
        "def f():\n    audit.warning('x')\n    dialog.warning('x')\n    catalog.log(1, 'x')\n"
    )
    loggers = logger_names(tree)
    assert loggers == frozenset({"audit"})
    function = tree.body[2]
    assert isinstance(function, ast.FunctionDef)
    assert [is_log_statement(s, loggers) for s in function.body] == [True, False, False]


@pytest.mark.parametrize(
    ("comment", "about_the_flag"),
    [
        ("# If the switch is active, save every version.", True),
        ("# The flag is enabled for EU customers only.", True),
        ("# When new-billing is on, round to cents.", True),
        ("# Switch the user to their active billing account first.", False),
        ("# Flag the order as active before it ships.", False),
        ("# Compute the total including taxes.", False),
        ("# Comment above the flag check stays.", False),
    ],
)
def test_a_comment_line_speaks_of_the_flag_only_as_a_noun_or_by_name(
    comment: str, about_the_flag: bool
) -> None:
    assert speaks_of_a_flag(comment, ["new-billing"]) is about_the_flag


def test_test_modules_are_the_configured_globs() -> None:
    tests = DEFAULTS["tests"]
    assert is_test_path("tests/helpers.py", tests)
    assert is_test_path("shop/tests/test_views.py", tests)
    assert is_test_path("shop/test_views.py", tests)
    assert not is_test_path("shop/testimonials.py", tests)
    assert not is_test_path("shop/testing_tools.py", tests)
    assert is_test_path("shop/testing_tools.py", ["shop/testing_*.py"])


def test_a_wrapper_that_pops_a_dialog_is_not_logging_and_stays(run_cli, tmp_path: Path) -> None:
    """``dialog.warning(...)`` is behaviour: the wrapper is left for a human, not deleted."""
    root = tmp_path / "p"
    (root / "shop").mkdir(parents=True)
    (root / "shop" / "__init__.py").write_text("", encoding="utf-8")
    (root / "shop" / "flags.py").write_text(
        "from waffle import switch_is_active\n\nfrom shop.ui import dialog\n\n\n"
        "def new_checkout_enabled():\n"
        '    if switch_is_active("new-checkout"):\n'
        '        dialog.warning("You are using the new checkout")\n'
        "        return True\n"
        "    return False\n",
        encoding="utf-8",
    )
    (root / "shop" / "ui.py").write_text("dialog = object()\n", encoding="utf-8")
    (root / "shop" / "views.py").write_text(
        "from shop.flags import new_checkout_enabled\n\n\n"
        "def checkout(request):\n"
        "    if new_checkout_enabled():\n"
        '        return "new"\n'
        '    return "old"\n',
        encoding="utf-8",
    )
    result = run_cli("remove-flag", "new-checkout", "--keep", "on", "--no-cache", cwd=root)
    assert result.code == 3
    assert "-def new_checkout_enabled():" not in result.out
    assert (
        "left for a human: shop/views.py:5: wrapper shop.flags.new_checkout_enabled does more "
        "than return the flag: with the flag on it still runs "
        "`dialog.warning('You are using the new checkout')`" in result.err
    )
