"""remove-flag: tests that still name the flag after the rewrite are left for a human."""

from __future__ import annotations

from pathlib import Path

from flaglint.codemod.test_mentions import unedited_mentions

TESTS = ("tests/*", "*_test.py")

SOURCE = '''from app.features import NEW_EDITOR, is_enabled  # an import line names it: quiet
import app.features as f


def test_set(settings):
    """Runs while "new-editor" is on."""
    settings.FEATURES[NEW_EDITOR] = False
    # NEW_EDITOR in a comment: quiet
    assert is_enabled("new-editor") is False


def test_other(settings):
    settings.FEATURES["new-editor-v2"] = True
    settings.FEATURES[f.NEW_EDITOR] = True
'''


def _write(root: Path, path: str, text: str) -> None:
    (root / path).parent.mkdir(parents=True, exist_ok=True)
    (root / path).write_text(text, encoding="utf-8")


def test_names_and_key_literals_are_reported_not_prose_or_imports(tmp_path: Path) -> None:
    _write(tmp_path, "tests/test_views.py", SOURCE)
    _write(tmp_path, "app/views.py", 'FLAG = "new-editor"\n')
    found = unedited_mentions(
        tmp_path,
        ["tests/test_views.py", "app/views.py"],
        {},
        "new-editor",
        {"NEW_EDITOR"},
        TESTS,
        reported=set(),
    )
    assert [(x.path, x.line) for x in found] == [
        ("tests/test_views.py", 7),
        ("tests/test_views.py", 9),
        ("tests/test_views.py", 14),
    ]
    assert "(NEW_EDITOR)" in found[0].reason
    assert "('new-editor')" in found[1].reason


def test_lines_the_rewrite_removed_or_already_reported_stay_quiet(tmp_path: Path) -> None:
    _write(tmp_path, "tests/test_views.py", SOURCE)
    lines = SOURCE.splitlines(keepends=True)
    del lines[6]  # the rewrite dropped line 7 (the setter)
    final = {"tests/test_views.py": "".join(lines).encode("utf-8")}
    found = unedited_mentions(
        tmp_path,
        ["tests/test_views.py"],
        final,
        "new-editor",
        {"NEW_EDITOR"},
        TESTS,
        reported={("tests/test_views.py", 14)},
    )
    assert [(x.path, x.line) for x in found] == [("tests/test_views.py", 9)]


def test_template_files_that_are_links_are_not_read(tmp_path: Path) -> None:
    """A link may lead out of the root: it is never read, whatever it names."""
    from flaglint.codemod.tree import tree_files

    outside = tmp_path / "outside.txt"
    outside.write_text("{% if 'beta' %}\n")
    root = tmp_path / "root"
    root.mkdir()
    (root / "page.html").write_text("{% if flag('beta') %}\n")
    (root / "notes.txt").symlink_to(outside)
    assert [p.name for p in tree_files(root, {".html", ".txt"})] == ["page.html"]


def test_a_line_of_an_edited_text_is_told_in_the_file_on_disk(tmp_path: Path) -> None:
    """``OriginalLines``: a kept line maps to its line on disk, a rewritten one to its
    block's first line; reports at one (path, line) are one site."""
    from flaglint.codemod.lines import OriginalLines, one_per_site
    from flaglint.codemod.rewrite import Leftover

    (tmp_path / "t.py").write_bytes(b"a\nb\nc\nd\ne\n")
    edited = b"a\nX\nd\ne\n"  # b and c became X
    lines = OriginalLines(tmp_path, {})
    assert [lines.original_line("t.py", edited, n) for n in (1, 2, 3, 4)] == [1, 2, 4, 5]
    found = lines.mapped([Leftover("t.py", 3, "r"), Leftover("u.py", 3, "s")], {"t.py": edited})
    assert found == [Leftover("t.py", 4, "r"), Leftover("u.py", 3, "s")]
    assert one_per_site([Leftover("t.py", 4, "r"), Leftover("t.py", 4, "q")]) == [
        Leftover("t.py", 4, "r")
    ]
