"""remove-flag keeps behaviour: generated programs, run before and after the rewrite."""

from __future__ import annotations

from pathlib import Path

import pytest
from remove_flag_fuzz import KEY, behaviour, program

SEEDS = range(60)


@pytest.mark.parametrize("seed", SEEDS)
def test_rewritten_programs_behave_like_the_kept_side(run_cli, tmp_path: Path, seed: int) -> None:
    source = program(seed)
    for keep in ("on", "off"):
        folder = tmp_path / keep
        folder.mkdir()
        (folder / "pyproject.toml").write_text("[tool.flaglint]\n")
        (folder / "program.py").write_text(source)
        expected = behaviour(folder, keep == "on")
        result = run_cli("remove-flag", KEY, "--keep", keep, "--write", "--no-cache", cwd=folder)
        assert result.code in (0, 3), result.err
        rewritten = (folder / "program.py").read_text()
        assert KEY not in rewritten or "left for a human" in result.err, (keep, rewritten)
        assert (result.code == 3) == ("left for a human" in result.err), "exit 3 means a leftover"
        assert behaviour(folder, keep == "on") == expected, (keep, source, rewritten)


def test_a_generator_stays_a_generator(run_cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "m.py").write_text(
        "import waffle\n\n\ndef rows():\n    setup()\n"
        '    if not waffle.switch_is_active("new"):\n        return\n    yield from fetch()\n'
    )
    result = run_cli("remove-flag", "new", "--keep", "off", "--write", "--no-cache", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "def rows():\n    setup()\n    yield from ()" in (tmp_path / "m.py").read_text()


def test_an_async_generator_that_would_lose_its_yield_is_left_for_a_human(
    run_cli, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    original = (
        "import waffle\n\n\nasync def rows():\n"
        '    if not waffle.switch_is_active("new"):\n        return\n    yield 1\n'
    )
    (tmp_path / "m.py").write_text(original)
    result = run_cli("remove-flag", "new", "--keep", "off", "--write", "--no-cache", cwd=tmp_path)
    assert "async generator rows would lose its yield" in result.err
    assert (tmp_path / "m.py").read_text() == original


def test_a_write_that_cannot_finish_changes_nothing_and_says_so(
    run_cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import tempfile

    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    body = 'import waffle\n\n\ndef v():\n    if waffle.switch_is_active("k"):\n        return 1\n'
    for folder in ("a", "b", "c"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "m.py").write_text(body)
    real_mkstemp = tempfile.mkstemp

    def disk_full_in_b(*args, **kwargs):
        if Path(kwargs.get("dir", "")).name == "b":
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_mkstemp(*args, **kwargs)

    monkeypatch.setattr(tempfile, "mkstemp", disk_full_in_b)
    result = run_cli("remove-flag", "k", "--keep", "on", "--write", "--no-cache", cwd=tmp_path)
    assert result.code == 2
    assert "could not write b/m.py: No space left on device" in result.err
    assert "could not write a/m.py: not written" in result.err
    assert "rewrote" not in result.out
    for folder in ("a", "b", "c"):
        assert (tmp_path / folder / "m.py").read_text() == body  # all or nothing
    assert not [p for p in tmp_path.rglob(".m.py.*")]  # no temporary left behind


def test_only_the_generator_that_lost_its_yield_is_kept_one(run_cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "m.py").write_text(
        "import waffle\n\n\nclass Store:\n    def rows(self):\n"
        '        if not waffle.switch_is_active("k"):\n            return\n        yield 1\n\n'
        "    def rows(self):  # noqa: F811\n        return [3]\n"
    )
    result = run_cli("remove-flag", "k", "--keep", "off", "--write", "--no-cache", cwd=tmp_path)
    assert result.code == 0, result.err
    text = (tmp_path / "m.py").read_text()
    assert "def rows(self):\n        yield from ()" in text
    assert "def rows(self):  # noqa: F811\n        return [3]\n" in text  # untouched
