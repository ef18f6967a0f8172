"""Multi-commit fixtures: folders of commits replayed into a temporary git repository.

A case is ``tests/fixtures/histories/<case>/`` holding one folder per commit,
named ``<NN>-<YYYY-MM-DD>-<slug>``, applied in order. A commit folder holds the
files to write (whole contents, relative paths) and optionally ``.deleted``,
one path per line to remove. ``case.toml`` beside them may set ``base`` (a
revision, default ``HEAD~1``), ``select`` (rule codes) and ``config`` (text
for ``pyproject.toml``'s ``[tool.flaglint]`` table). Expectations are markers
in the files of the last commit.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HISTORIES = Path(__file__).parent / "fixtures" / "histories"


@dataclass
class HistoryCase:
    name: str
    base: str = "HEAD~1"
    select: list[str] = field(default_factory=list)
    config: str = ""


def load_case(name: str, cases: Path = HISTORIES) -> HistoryCase:
    options_file = cases / name / "case.toml"
    options = tomllib.loads(options_file.read_text()) if options_file.exists() else {}
    return HistoryCase(
        name, options.get("base", "HEAD~1"), options.get("select", []), options.get("config", "")
    )


def commit_folders(name: str, cases: Path = HISTORIES) -> list[Path]:
    return sorted(p for p in (cases / name).iterdir() if p.is_dir())


def replay(name: str, target: Path, cases: Path = HISTORIES) -> Path:
    """Build the case's repository at ``target``; returns ``target``.

    ``cases`` is the folder holding the case (rule fixtures by default).
    """
    case = load_case(name, cases)
    target.mkdir(parents=True, exist_ok=True)
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="flaglint tests",
        GIT_AUTHOR_EMAIL="tests@example.com",
        GIT_COMMITTER_NAME="flaglint tests",
        GIT_COMMITTER_EMAIL="tests@example.com",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )

    def git(*args: str, date: str | None = None) -> None:
        extra = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else {}
        subprocess.run(
            ["git", *args], cwd=target, env={**env, **extra}, check=True, capture_output=True
        )

    git("init", "-q", "-b", "main")
    (target / "pyproject.toml").write_text(f"[tool.flaglint]\n{case.config}\n")
    for folder in commit_folders(name, cases):
        _, date, slug = folder.name.split("-", 2)[0], folder.name[3:13], folder.name[14:]
        for source in sorted(folder.rglob("*")):
            rel = source.relative_to(folder)
            if source.is_dir() or rel.name == ".deleted":
                continue
            destination = target / rel
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
        deleted = folder / ".deleted"
        if deleted.exists():
            for line in deleted.read_text().split():
                (target / line).unlink()
        git("add", "-A")
        git(
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            slug.replace("-", " "),
            date=f"{date}T12:00:00+0000",
        )
    return target
