"""remove-flag with several keys in one run: all fixed at once, one diff, one exit code.

``tests/fixtures/remove_flag_multi/<case>/before/`` is a small project; ``keys.txt``
names the keys on its first line (``KEY`` or ``KEY=on|off``) and ``--keep`` on its
second. ``expected.diff`` and ``stderr.txt`` are what the run prints, ``after/`` the
tree ``--write`` leaves. Every order of the keys must print the same.
"""

from __future__ import annotations

import ast
import itertools
import shutil
from pathlib import Path

import pytest
from conftest import text_tree

from flaglint.codemod import plan_removal, plan_removals, render_diff
from flaglint.config import Config
from flaglint.engine import analyse

FIXTURES = Path(__file__).parent / "fixtures" / "remove_flag_multi"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "before").is_dir())


def _keys(case: str) -> tuple[list[str], str]:
    keys, keep = (FIXTURES / case / "keys.txt").read_text(encoding="utf-8").splitlines()[:2]
    return keys.split(), keep


def _args(keys: list[str], keep: str, *more: str) -> list[str]:
    first, *rest = keys
    flags = [arg for key in rest for arg in ("--flag", key)]
    return ["remove-flag", first, *flags, "--keep", keep, "--no-cache", *more]


@pytest.mark.parametrize("case", CASES)
def test_multi_golden(case: str, run_cli, tmp_path: Path) -> None:
    keys, keep = _keys(case)
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / case / "before", root)
    shown = run_cli(*_args(keys, keep), cwd=root)
    assert shown.out == (FIXTURES / case / "expected.diff").read_text(encoding="utf-8")
    expected_err = (FIXTURES / case / "stderr.txt").read_text(encoding="utf-8")
    assert shown.err == expected_err
    assert shown.code == (3 if "left for a human" in expected_err else 1)
    written = run_cli(*_args(keys, keep, "--write"), cwd=root)
    assert written.code in (0, 3)
    assert text_tree(root) == text_tree(FIXTURES / case / "after")
    for path in root.rglob("*.py"):
        ast.parse(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("case", CASES)
def test_the_order_of_the_keys_does_not_matter(case: str, run_cli, tmp_path: Path) -> None:
    keys, keep = _keys(case)
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / case / "before", root)
    first = run_cli(*_args(keys, keep), cwd=root)
    for order in itertools.permutations(keys):
        again = run_cli(*_args(list(order), keep), cwd=root)
        assert (again.out, again.err, again.code) == (first.out, first.err, first.code), order


def _project(root: Path, files: dict[str, str]):
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return analyse(Config(root=root), [root], use_cache=False)


NESTED = {
    "app/__init__.py": "",
    "app/pages.py": (
        "import waffle\n\n\n"
        "def page():\n"
        '    if waffle.switch_is_active("beta"):\n'
        '        if waffle.switch_is_active("beta-dark"):\n'
        '            return "dark"\n'
        '        return "light"\n'
        '    return "old"\n'
    ),
}


def test_a_key_whose_reads_the_other_removal_deletes_is_no_error(tmp_path: Path) -> None:
    """beta off deletes the block that read beta-dark: nothing is left for beta-dark."""
    plan = plan_removals(_project(tmp_path, NESTED), {"beta-dark": True, "beta": False})
    assert plan.leftovers == ()
    assert plan.rewrites[0].after.decode() == 'def page():\n    return "old"\n'
    assert plan.sides == (("beta", False), ("beta-dark", True))


def test_the_same_plan_whatever_the_order_of_the_mapping(tmp_path: Path) -> None:
    project = _project(tmp_path, NESTED)
    one = plan_removals(project, {"beta": True, "beta-dark": False})
    other = plan_removals(project, {"beta-dark": False, "beta": True})
    assert one == other
    assert render_diff(one).count("+") > 0


def test_one_key_is_the_one_key_plan(tmp_path: Path) -> None:
    project = _project(tmp_path, NESTED)
    assert plan_removals(project, {"beta": True}) == plan_removal(project, "beta", True)


def test_each_item_left_for_a_human_names_its_key(run_cli, tmp_path: Path) -> None:
    root = tmp_path / "p"
    _project(
        root,
        {
            "app/__init__.py": "",
            "app/mail.py": (
                "import waffle\n\n\n"
                "def send(mailer):\n"
                '    while waffle.switch_is_active("html-mail"):\n'
                "        mailer.poll()\n"
                '    if waffle.switch_is_active("bulk-mail"):\n'
                "        mailer.flush()\n"
            ),
        },
    )
    result = run_cli(*_args(["html-mail", "bulk-mail"], "on"), cwd=root)
    assert result.code == 3
    assert "+    mailer.flush()\n" in result.out
    assert result.err == (
        "left for a human (html-mail): app/mail.py:5: `while` on a flag that stays on "
        "loops until something breaks out; rewrite by hand\n"
    )


def test_a_key_given_twice_is_one_key(run_cli, tmp_path: Path) -> None:
    root = tmp_path / "p"
    _project(root, NESTED)
    once = run_cli("remove-flag", "beta", "--keep", "on", "--no-cache", cwd=root)
    twice = run_cli(*_args(["beta", "beta", "beta=on"], "on"), cwd=root)
    assert (twice.out, twice.err, twice.code) == (once.out, once.err, once.code)


def test_usage_errors(run_cli, tmp_path: Path) -> None:
    root = tmp_path / "p"
    _project(root, NESTED)
    both = run_cli(*_args(["beta=on", "beta=off"], "on"), cwd=root)
    assert both.code == 2 and both.err == (
        "flaglint: error: 'beta' is given both on and off; keep it one way\n"
    )
    unknown = run_cli(*_args(["beta", "nope"], "on"), cwd=root)
    assert unknown.code == 2 and unknown.err.count("\n") == 1 and "'nope'" in unknown.err
    two = run_cli(*_args(["nope", "beta", "gone"], "on"), cwd=root)
    assert two.code == 2 and two.err.count("\n") == 1
    assert "'nope', 'gone'" in two.err
    no_side = run_cli("remove-flag", "beta", "--flag", "beta-dark=on", "--no-cache", cwd=root)
    assert no_side.code == 2 and "--keep" in no_side.err and no_side.out == ""


def test_every_key_its_own_side_needs_no_keep(run_cli, tmp_path: Path) -> None:
    root = tmp_path / "p"
    _project(root, NESTED)
    result = run_cli(
        "remove-flag", "beta=on", "--flag", "beta-dark=off", "--no-cache", "--write", cwd=root
    )
    assert result.code == 0
    assert (root / "app/pages.py").read_text(encoding="utf-8") == (
        'def page():\n    return "light"\n'
    )


def test_one_key_alone_cannot_fold_what_two_set(run_cli, tmp_path: Path) -> None:
    """The template reads an entry two accessors set from two flags: one key is not enough."""
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "either_template" / "before", root)
    alone = run_cli("remove-flag", "split-storage", "--keep", "on", "--no-cache", cwd=root)
    assert "sql/storage_summary.sql\n" not in alone.out
    assert '+        "split_storage": True,\n' in alone.out
    assert "reads or sets split_storage too" in alone.err


def test_a_stale_docstring_names_the_key_it_describes(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/pages.py": (
                "import waffle\n\n\n"
                "def home():\n"
                '    """The new home when the new-home switch is active."""\n'
                '    if waffle.switch_is_active("new-home"):\n'
                '        return "new"\n'
                '    return "old"\n\n\n'
                "def cart():\n"
                '    """The new cart when the new-cart switch is active."""\n'
                '    if waffle.switch_is_active("new-cart"):\n'
                '        return "new"\n'
                '    return "old"\n'
            ),
        },
    )
    plan = plan_removals(project, {"new-home": True, "new-cart": True})
    stale = {(n.line, n.key) for n in plan.notes if "docstring" in n.reason}
    assert stale == {(1, "new-home"), (6, "new-cart")}  # lines of the rewritten file


TWO_GATES = {
    "app/__init__.py": "",
    "app/views.py": (
        "import waffle\n\n\n"
        "class Pages:\n"
        "    def home(self):\n"
        '        if waffle.switch_is_active("new-home"):\n'
        '            return "new"\n'
        "        return self.legacy_page()\n\n"
        "    def search(self):\n"
        '        if waffle.switch_is_active("new-search"):\n'
        '            return "new"\n'
        "        return self.legacy_page()\n\n"
        "    def legacy_page(self):\n"
        '        return "old"\n\n\n'
        "def urls():\n"
        "    pages = Pages()\n"
        "    return [pages.home, pages.search]\n"
    ),
}


def test_what_only_the_removed_sides_together_reached_is_deleted(tmp_path: Path) -> None:
    """legacy_page runs when either switch is off: neither key alone makes it dead."""
    project = _project(tmp_path, TWO_GATES)
    alone = plan_removals(project, {"new-home": True})
    assert [d.qualname for d in alone.deleted] == []
    both = plan_removals(project, {"new-home": True, "new-search": True})
    assert [d.qualname for d in both.deleted] == ["Pages.legacy_page"]
    assert "def legacy_page" not in both.rewrites[0].after.decode()


def test_what_the_removed_sides_reached_together_and_stays_is_named(
    run_cli, tmp_path: Path
) -> None:
    """A function the cascade never deletes (``test*`` names) is named for both keys."""
    root = tmp_path / "p"
    text = TWO_GATES["app/views.py"].replace("legacy_page", "testing_page")
    _project(root, {"app/__init__.py": "", "app/views.py": text})
    shown = run_cli(*_args(["new-home", "new-search"], "on"), cwd=root)
    assert shown.code == 1
    assert (
        "only the removed sides of the keys together reached: app.views.Pages.testing_page"
        in shown.err
    )
    alone = run_cli(*_args(["new-home"], "on"), cwd=root)
    assert "testing_page" not in alone.err


ONE_CALLER = {
    "app/__init__.py": "",
    "app/views.py": (
        "import waffle\n\n\n"
        "class Pages:\n"
        "    def home(self):\n"
        '        header = "new"\n'
        '        if not waffle.switch_is_active("new-home"):\n'
        "            header = self.legacy_page()\n"
        '        body = "new"\n'
        '        if not waffle.switch_is_active("new-search"):\n'
        "            body = self.legacy_page()\n"
        "        return header + body\n\n"
        "    def legacy_page(self):\n"
        '        return "old"\n\n\n'
        "def urls():\n"
        "    return [Pages().home]\n"
    ),
}


def test_one_function_calling_under_each_removed_side_calls_no_more(tmp_path: Path) -> None:
    """home calls legacy_page twice, once under each switch's removed side: the edge is
    no one key's, but with both removed nothing calls legacy_page any more."""
    project = _project(tmp_path, ONE_CALLER)
    alone = plan_removals(project, {"new-home": True})
    assert [d.qualname for d in alone.deleted] == []
    both = plan_removals(project, {"new-home": True, "new-search": True})
    assert [d.qualname for d in both.deleted] == ["Pages.legacy_page"]
