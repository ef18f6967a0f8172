"""History rules do work in proportion to what changed between ``--base`` and head,
and find what a full comparison finds (issue #20)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_git
from histories import replay

from flaglint.config import load_config
from flaglint.engine import analyse, attach_base
from flaglint.project import Project
from flaglint.rules.identity import flag_repurposed
from flaglint.rules.identity.flag_repurposed import FlagRepurposed


def _commit(repo: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", message, date="2025-01-01T00:00:00+0000")


def _with_base(repo: Path, base: str = "HEAD~1") -> Project:
    config = load_config(repo)
    project = analyse(config, [repo], use_cache=False)
    attach_base(project, config, base)
    return project


def test_fl201_reads_no_file_when_no_key_gates_other_code(
    git_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit that leaves every key's gated functions alone asks no key's default."""
    repo = replay("FL201", tmp_path / "repo")
    _commit(repo, {"app/notes.py": "def note(order):\n    return order\n"}, "unrelated")
    parsed: list[bytes | None] = []
    real = flag_repurposed._parsed

    def counting(source: bytes | None):  # type: ignore[no-untyped-def]
        parsed.append(source)
        return real(source)

    monkeypatch.setattr(flag_repurposed, "_parsed", counting)
    project = _with_base(repo)
    assert list(FlagRepurposed().check(project)) == []
    assert parsed == []
    # Against the base before the reuse, the two repurposed keys are still found,
    # their reads' file parsed once for both.
    project = _with_base(repo, "HEAD~2")
    found = sorted((f.flag, f.line) for f in FlagRepurposed().check(project))
    assert [flag for flag, _ in found] == ["settlement-v2", "smars-peg-mode"]
    assert len(parsed) == 1
