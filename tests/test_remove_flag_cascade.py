"""remove-flag across files: what only the removed code used is deleted, or named for a human.

``tests/fixtures/remove_flag/<case>/before/`` is a small project naming its
key and side in ``case.txt`` (``KEY on|off``); ``after_<side>/`` is the tree
expected after ``--write``, and ``stderr_<side>.txt`` what is printed (the
deletions and what to check by hand, each with path, line and name).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import text_tree

FIXTURES = Path(__file__).parent / "fixtures" / "remove_flag"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "before").is_dir())


@pytest.mark.parametrize("case", CASES)
def test_cascade_golden(case: str, run_cli, tmp_path: Path) -> None:
    key, *sides = (FIXTURES / case / "case.txt").read_text(encoding="utf-8").split()
    for side in sides:
        root = tmp_path / side
        shutil.copytree(FIXTURES / case / "before", root)
        shown = run_cli("remove-flag", key, "--keep", side, "--no-cache", cwd=root)
        expected_err = (FIXTURES / case / f"stderr_{side}.txt").read_text(encoding="utf-8")
        assert shown.err == expected_err
        assert shown.code == (3 if "left for a human" in expected_err else 1)
        written = run_cli("remove-flag", key, "--keep", side, "--write", "--no-cache", cwd=root)
        assert written.code in (0, 3)
        assert text_tree(root) == text_tree(FIXTURES / case / f"after_{side}")


def test_nothing_is_deleted_that_anything_still_names(run_cli, tmp_path: Path) -> None:
    """A helper the removed branch called goes only when no file, test or template names it."""
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "cascade" / "before", root)
    result = run_cli("remove-flag", "new-checkout", "--keep", "on", "--no-cache", cwd=root)
    assert "-def legacy_total(cart):" in result.out
    assert "-def _legacy_fee(cart):" in result.out, "deleted in a second round"
    for kept in ("legacy_receipt", "legacy_report", "legacy_hook", "shared_rounding"):
        assert f"-def {kept}(" not in result.out
    assert (
        "check by hand: shop/legacy.py:16: legacy_receipt: named in shop/broken.py:2, "
        "which could not be parsed; kept" in result.err
    )
    # The test file still calls shared_rounding: without it, the helper would go too.
    (root / "tests" / "test_rounding.py").unlink()
    (root / "shop" / "views.py").write_text(
        (root / "shop" / "views.py")
        .read_text(encoding="utf-8")
        .replace("return shared_rounding(cart.total())", "return cart.total()"),
        encoding="utf-8",
    )
    again = run_cli("remove-flag", "new-checkout", "--keep", "on", "--no-cache", cwd=root)
    assert "-def shared_rounding(value):" in again.out
    assert "deleted: shop/legacy.py:29: shared_rounding" in again.err


def test_an_uncalled_function_made_constant_stays_unless_it_wraps_the_flag(
    run_cli, tmp_path: Path
) -> None:
    """An uncalled wrapper goes; an entry point the rewrite made constant does not."""
    root = tmp_path / "p"
    (root / "app").mkdir(parents=True)
    (root / "app" / "__init__.py").write_text("", encoding="utf-8")
    (root / "app" / "api.py").write_text(
        "import waffle\n\n\n"
        "def is_old_enabled():\n"
        '    return waffle.switch_is_active("old")\n\n\n'
        "def public_answer(x):\n"
        '    return not waffle.switch_is_active("old") or x\n',
        encoding="utf-8",
    )
    result = run_cli("remove-flag", "old", "--keep", "off", "--no-cache", cwd=root)
    assert "-def is_old_enabled():" in result.out
    assert "-def public_answer(x):" not in result.out
    assert "+    return True" in result.out
