"""remove-flag: golden before/after pairs, leftovers marked inline, and the CLI round trip.

Each ``tests/fixtures/codemod/<case>/before.py`` names its key on the first
line (``# key: KEY``) and marks the lines the codemod must leave for a human
with ``# left-on: WORDS`` / ``# left-off: WORDS`` (several reasons separated by
``;``; each must appear in the reported reason). ``after_on.py`` and
``after_off.py`` are the expected results of ``--keep on`` and ``--keep off``.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from flaglint.codemod import plan_removal, render_diff
from flaglint.config import Config
from flaglint.engine import analyse
from flaglint.project import Project

CODEMOD = Path(__file__).parent / "fixtures" / "codemod"
CASES = sorted(p.name for p in CODEMOD.iterdir() if (p / "before.py").is_file())
LEFT = re.compile(r"left-(on|off): ([^;#]*)")


def _project(root: Path) -> Project:
    return analyse(Config(root=root), [root], use_cache=False)


def _key(source: str) -> str:
    first = source.splitlines()[0]
    assert first.startswith("# key: "), "the first line of before.py names the key"
    return first.removeprefix("# key: ").strip()


def _expected_leftovers(source: str, keep: str) -> dict[int, list[str]]:
    expected: dict[int, list[str]] = {}
    for number, line in enumerate(source.splitlines(), 1):
        for side, words in LEFT.findall(line.partition("#")[2]):
            if side == keep:
                expected.setdefault(number, []).append(words.strip())
    return expected


@pytest.mark.parametrize("keep", ["on", "off"])
@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, keep: str, tmp_path: Path) -> None:
    before = (CODEMOD / case / "before.py").read_text(encoding="utf-8")
    key = _key(before)
    (tmp_path / "before.py").write_text(before, encoding="utf-8")
    plan = plan_removal(_project(tmp_path), key, keep == "on")

    after = {r.path: r.after.decode("utf-8") for r in plan.rewrites}.get("before.py", before)
    expected = (CODEMOD / case / f"after_{keep}.py").read_text(encoding="utf-8")
    assert after == expected

    reported = {(left.line, left.reason) for left in plan.leftovers}
    wanted = _expected_leftovers(before, keep)
    assert sorted({line for line, _ in reported}) == sorted(wanted)
    for line, words in wanted.items():
        reason = next(reason for number, reason in reported if number == line)
        for word in words:
            assert word in reason, f"line {line}: {word!r} not in {reason!r}"

    # The rewrite parses, and the only reads of the key left are the ones reported.
    ast.parse(after)
    left_text = {before.splitlines()[left.line - 1].strip() for left in plan.leftovers}
    (tmp_path / "before.py").write_text(after, encoding="utf-8")
    again = _project(tmp_path)
    for read in again.inventory.reads:
        if read.key == key:
            assert after.splitlines()[read.line - 1].strip() in left_text


def test_every_case_has_both_goldens() -> None:
    for case in CASES:
        for keep in ("on", "off"):
            assert (CODEMOD / case / f"after_{keep}.py").is_file(), f"{case}: after_{keep}.py"


def test_unchanged_bytes_outside_the_rewrite(tmp_path: Path) -> None:
    """Everything but the folded statement comes back byte for byte, CRLF included."""
    source = (CODEMOD / "comments_formatting" / "before.py").read_bytes().replace(b"\n", b"\r\n")
    (tmp_path / "mod.py").write_bytes(source)
    plan = plan_removal(_project(tmp_path), "new-ui", True)
    after = plan.rewrites[0].after
    assert b"\r\n" in after and b"\n" not in after.replace(b"\r\n", b"")
    untouched = source.split(b"CHOICES")[1].split(b"    # Comment above")[0]
    assert b"CHOICES" + untouched + b"    # Comment above" in after
    assert b"        return self.new()   # new path\r\n" in after
    assert after.endswith(b"    new_page()\r\n    # the last words of the new branch\r\n")


def _demo_like(tmp_path: Path) -> Path:
    shutil.copy(CODEMOD / "if_else" / "before.py", tmp_path / "pages.py")
    shutil.copy(CODEMOD / "non_ascii" / "before.py", tmp_path / "greet.py")
    (tmp_path / "quiet.py").write_text("def untouched():\n    return 1\n", encoding="utf-8")
    return tmp_path


def test_cli_diff_then_write_round_trip(run_cli, tmp_path: Path) -> None:
    root = _demo_like(tmp_path)
    originals = {p.name: p.read_bytes() for p in root.glob("*.py")}

    shown = run_cli("remove-flag", "new-ui", "--keep", "off", "--no-cache", cwd=root)
    assert shown.code == 1
    assert shown.out.startswith("--- a/greet.py\n+++ b/greet.py\n")
    assert "--- a/pages.py\n+++ b/pages.py\n" in shown.out
    assert "quiet.py" not in shown.out
    assert {p.name: p.read_bytes() for p in root.glob("*.py")} == originals, "diff only"
    assert run_cli("remove-flag", "new-ui", "--keep", "off", "--no-cache", cwd=root).out == (
        shown.out
    ), "deterministic"

    written = run_cli("remove-flag", "new-ui", "--keep", "off", "--write", "--no-cache", cwd=root)
    assert written.code == 0
    assert written.out == "rewrote greet.py\nrewrote pages.py\n"
    assert (root / "quiet.py").read_bytes() == originals["quiet.py"]
    assert (root / "pages.py").read_text(encoding="utf-8") == (
        CODEMOD / "if_else" / "after_off.py"
    ).read_text(encoding="utf-8")
    assert not [p for p in root.iterdir() if p.name.startswith(".pages.py.")], "no temp files"

    # Nothing reads the flag any more: asking again is a usage error, one line, exit 2.
    again = run_cli("remove-flag", "new-ui", "--keep", "off", "--no-cache", cwd=root)
    assert again.code == 2
    assert again.err.count("\n") == 1 and "no flag 'new-ui'" in again.err


def test_cli_reports_leftovers_and_unreachable(run_cli, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "from waffle import flag_is_active, switch_is_active\n"
        "\n\n"
        "def power_peg():\n"
        "    return 1\n"
        "\n\n"
        "def route(request):\n"
        "    if flag_is_active(request, 'peg'):\n"
        "        power_peg()\n"
        "    while switch_is_active('peg'):\n"
        "        wait()\n"
        "\n\n"
        "route(None)\n",
        encoding="utf-8",
    )
    result = run_cli("remove-flag", "peg", "--keep", "on", "--no-cache", cwd=tmp_path)
    assert result.code == 3, "part of it was left for a human"
    assert "-    if flag_is_active(request, 'peg'):\n-        power_peg()\n+    power_peg()" in (
        result.out
    )
    assert "left for a human: app.py:11: `while` on a flag that stays on" in result.err
    off = run_cli("remove-flag", "peg", "--keep", "off", "--no-cache", cwd=tmp_path)
    assert off.code == 1
    assert "-def power_peg():\n-    return 1\n" in off.out
    assert "deleted: app.py:4: power_peg (only the removed code used it)" in off.err


def test_cli_usage_errors(run_cli, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n", encoding="utf-8")
    unknown = run_cli("remove-flag", "nope", "--keep", "on", "--no-cache", cwd=tmp_path)
    assert unknown.code == 2 and unknown.err.count("\n") == 1
    missing = run_cli("remove-flag", "nope", "--no-cache", cwd=tmp_path)
    assert missing.code == 2 and "--keep" in missing.err
    bad = run_cli("remove-flag", "nope", "--keep", "maybe", cwd=tmp_path)
    assert bad.code == 2


def test_diff_is_relative_and_sorted(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    for name in ("b.py", "a.py"):
        shutil.copy(CODEMOD / "ternary" / "before.py", package / name)
    diff = render_diff(plan_removal(_project(tmp_path), "new-ui", True))
    headers = [line for line in diff.splitlines() if line.startswith(("--- ", "+++ "))]
    assert headers == ["--- a/pkg/a.py", "+++ b/pkg/a.py", "--- a/pkg/b.py", "+++ b/pkg/b.py"]


def test_readme_example_is_the_demo_output(run_cli, tmp_path: Path) -> None:
    from flaglint.demo import materialise

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Removing a flag", 1)[1]
    shown = re.search(r"```diff\n(.*?)```", section, re.S)
    assert shown is not None
    repo = materialise(tmp_path / "smars")
    result = run_cli("remove-flag", "smars-peg-mode", "--keep", "off", "--no-cache", cwd=repo)
    assert result.code == 1
    assert result.out == shown.group(1)
    notes = re.search(r"```text\n(.*?)```", section, re.S)
    assert notes is not None
    assert result.err == notes.group(1)


def test_a_binding_imported_outside_the_paths_stays(tmp_path: Path) -> None:
    """Only PATHS are rewritten, but a module-level binding another file imports is kept."""
    shutil.copy(CODEMOD / "module_binding" / "before.py", tmp_path / "settings.py")
    (tmp_path / "other.py").write_text("from settings import SEARCH_V2\n", encoding="utf-8")
    project = analyse(Config(root=tmp_path), [tmp_path / "settings.py"], use_cache=False)
    after = plan_removal(project, "FEATURE_SEARCH", True).rewrites[0].after.decode()
    assert "SEARCH_V2 = True\n" in after
    assert "import os" not in after


@pytest.mark.parametrize("case", CASES)
def test_every_key_in_every_fixture_rewrites_to_valid_code(case: str, tmp_path: Path) -> None:
    """Property: for any key and either value, the result parses and only reported reads stay."""
    before = (CODEMOD / case / "before.py").read_text(encoding="utf-8")
    (tmp_path / "mod.py").write_text(before, encoding="utf-8")
    project = _project(tmp_path)
    for key in project.inventory.keys():
        for keep_on in (True, False):
            plan = plan_removal(project, key, keep_on)
            after = plan.rewrites[0].after.decode() if plan.rewrites else before
            ast.parse(after)
            left_text = {before.splitlines()[left.line - 1].strip() for left in plan.leftovers}
            scratch = tmp_path / "after"
            scratch.mkdir(exist_ok=True)
            (scratch / "mod.py").write_text(after, encoding="utf-8")
            for read in _project(scratch).inventory.reads:
                if read.key == key:
                    line = after.splitlines()[read.line - 1].strip()
                    assert line in left_text, f"{key} kept {keep_on}: {line!r} not reported"


def test_write_goes_through_links_inside_the_root(run_cli, tmp_path: Path) -> None:
    real = tmp_path / "pages.py"
    shutil.copy(CODEMOD / "ternary" / "before.py", real)
    (tmp_path / "alias.py").symlink_to(real)
    result = run_cli("remove-flag", "new-ui", "--keep", "on", "--write", "--no-cache", cwd=tmp_path)
    assert result.code == 0
    assert (tmp_path / "alias.py").is_symlink()
    expected = (CODEMOD / "ternary" / "after_on.py").read_text(encoding="utf-8")
    assert real.read_text(encoding="utf-8") == expected


def test_key_definitions_are_listed(run_cli, tmp_path: Path) -> None:
    (tmp_path / "keys.py").write_text('NEW_UI = "new-ui"\nOTHER = "other"\n', encoding="utf-8")
    (tmp_path / "toggles.py").write_text(
        'from edx_toggles.toggles import WaffleFlag\n\nSWITCH = WaffleFlag("new-ui", __name__)\n',
        encoding="utf-8",
    )
    (tmp_path / "views.py").write_text(
        "from waffle import flag_is_active\n\nfrom keys import NEW_UI\n\n\n"
        "def view(request):\n    if flag_is_active(request, NEW_UI):\n        new()\n",
        encoding="utf-8",
    )
    result = run_cli("remove-flag", "new-ui", "--keep", "on", "--no-cache", cwd=tmp_path)
    assert result.code == 1
    assert "+from keys import NEW_UI" not in result.out and "-from keys import NEW_UI" in result.out
    assert result.err == (
        "deleted: keys.py:1: NEW_UI (only the removed code used it)\n"
        "the key is still defined: toggles.py:3: SWITCH (delete it when unused)\n"
    )
    assert '-NEW_UI = "new-ui"' in result.out, "the constant goes once nothing names it"


def test_a_local_left_dead_whose_value_may_do_something_is_kept_and_named(
    tmp_path: Path,
) -> None:
    """``dead_locals``: ``label = lookup(user)`` before its reassignment (kept on) and
    ``total += cost(items)`` (kept off) are left as they are, each named at its function."""
    before = (CODEMOD / "dead_locals" / "before.py").read_text(encoding="utf-8")
    (tmp_path / "before.py").write_text(before, encoding="utf-8")
    on = plan_removal(_project(tmp_path), "summary", True)
    off = plan_removal(_project(tmp_path), "summary", False)
    kept = "is no longer used, but its value may do something (a call)"
    assert [(n.line, n.reason.split(":")[0]) for n in on.notes if kept in n.reason] == [
        (18, "describe")
    ]
    assert [(n.line, n.reason.split(":")[0]) for n in off.notes if kept in n.reason] == [
        (35, "billed")
    ]
    assert "describe: label " in next(n.reason for n in on.notes if kept in n.reason)
    assert "billed: total " in next(n.reason for n in off.notes if kept in n.reason)


def test_an_orphaned_local_whose_value_called_something_is_deleted_and_named(
    tmp_path: Path,
) -> None:
    """``unused_after_rewrite``, kept off: ``digest``, ``trail`` and ``label`` only fed
    the removed ``record(...)``; they go with it, as a reviewer would, but each of their
    calls (``hashlib.sha1(...)``, ``AuditTrail(cart)``, ``.upper()``) no longer runs, so
    each is named at its function. Kept on, they are still read: nothing is said."""
    before = (CODEMOD / "unused_after_rewrite" / "before.py").read_text(encoding="utf-8")
    (tmp_path / "before.py").write_text(before, encoding="utf-8")
    off = plan_removal(_project(tmp_path), "audit-log", False)
    on = plan_removal(_project(tmp_path), "audit-log", True)
    dropped = "was deleted with the code that read it, and its value called something"
    assert sorted(n.reason.split(" was ")[0] for n in off.notes if dropped in n.reason) == [
        "checkout: digest",
        "checkout: label",
        "checkout: trail",
    ]
    assert {n.line for n in off.notes if dropped in n.reason} == {13}
    assert not [n for n in on.notes if dropped in n.reason]


CART = (
    "import ldclient\n\n\n"
    "def {name}(user):\n"
    '    if ldclient.get().variation("new-cart", user, False):\n'
    "        return 1\n"
    "    return 0\n"
)


@pytest.mark.parametrize("breakage", ["syntax error", "internal error"])
def test_a_file_not_analysed_that_quotes_the_key_is_left_for_a_human(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, breakage: str
) -> None:
    """A file flaglint could not analyse (FL901) may read the flag: the removal must not
    look complete while its reads stay. Files that do not quote the key are no concern."""
    from flaglint.facts.collector import FactCollector

    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "cart.py").write_text(CART.format(name="checkout"))
    pay = CART.format(name="pay")
    if breakage == "syntax error":
        pay += "x = (\n"
    else:
        real = FactCollector.visit_FunctionDef

        def broken(self, node):  # type: ignore[no-untyped-def]
            assert node.name != "pay"
            return real(self, node)

        monkeypatch.setattr(FactCollector, "visit_FunctionDef", broken)
        monkeypatch.setattr(FactCollector, "_handlers", {})  # handlers are cached per class
    (tmp_path / "pay.py").write_text(pay)
    (tmp_path / "other.py").write_text("x = (\n")  # unreadable too, but no mention of the key
    result = run_cli("remove-flag", "new-cart", "--keep", "on", "--no-cache", cwd=tmp_path)
    assert result.code == 3, result.err
    assert "cart.py" in result.out and "pay.py" not in result.out
    lines = [line for line in result.err.splitlines() if "not analysed" in line]
    assert len(lines) == 1 and lines[0].startswith("left for a human: pay.py:5: "), result.err
    assert breakage in lines[0]
