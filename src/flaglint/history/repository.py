"""The repository itself: running git, its top folder, revisions, HEAD, the work tree's state.

Errors are :class:`HistoryError` with a sentence saying what to do.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


class HistoryError(Exception):
    """Git cannot answer: not a repository, unknown revision, shallow history."""


# Every git command starts so: a repository's own configuration must not make
# flaglint run a program (an fsmonitor hook runs on commands that refresh the index).
GIT = ("git", "-c", "core.fsmonitor=false")


# Seconds spent waiting on git processes in this run, summed over threads
# (blames run several at once): ``--stats`` prints it as ``git=``.
GIT_SECONDS = [0.0]


def note_git_time(started: float) -> None:
    GIT_SECONDS[0] += time.perf_counter() - started


def git(repo: Path, *args: str, input_bytes: bytes | None = None) -> bytes:
    started = time.perf_counter()
    try:
        result = subprocess.run(
            [*GIT, *args], cwd=repo, input=input_bytes, capture_output=True, check=False
        )
    except OSError as exc:  # git missing
        raise HistoryError(f"cannot run git: {exc}") from None
    finally:
        note_git_time(started)
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise HistoryError(message[-1] if message else f"git {args[0]} failed")
    return result.stdout


def toplevel(path: Path) -> Path:
    """The work tree root containing ``path``."""
    try:
        out = git(path if path.is_dir() else path.parent, "rev-parse", "--show-toplevel")
    except HistoryError:
        raise HistoryError(
            f"{path} is not inside a git repository; --base needs git history"
        ) from None
    return Path(out.decode().strip())


def verify_revision(repo: Path, revision: str) -> str:
    """The full commit id of ``revision``, or a clear error."""
    try:
        commit = git(repo, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except HistoryError:
        shallow = git(repo, "rev-parse", "--is-shallow-repository").decode().strip() == "true"
        hint = (
            "; this clone is shallow: fetch full history (git fetch --unshallow, "
            "or fetch-depth: 0 in actions/checkout)"
            if shallow
            else "; check the name, or fetch it first"
        )
        raise HistoryError(f"unknown revision '{revision}'{hint}") from None
    return commit.decode().strip()


def repo_path(repo: Path, root: Path, path: str) -> str:
    """``path`` (relative to the analysed root) relative to the repository's top."""
    prefix = root.resolve().relative_to(repo.resolve()).as_posix()
    return path if prefix == "." else f"{prefix}/{path}"


def head_state(path: Path) -> str:
    """What ``HEAD`` names at ``path`` and whether the clone is shallow, as one string.

    "" outside a repository or before the first commit. Analyses of the work
    tree that read history (blame ages, ``git log`` searches) change when
    this does.
    """
    try:
        out = git(path, "rev-parse", "--is-shallow-repository", "HEAD")
    except HistoryError:
        return ""
    return " ".join(out.decode().split())


def has_commits(repo: Path) -> bool:
    """False in a repository whose current branch has no commit yet."""
    try:
        git(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except HistoryError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class CommitInfo:
    """A commit as reports show it; ``timestamp`` is the author time (UTC seconds)."""

    commit: str
    timestamp: int
    subject: str

    @property
    def date(self) -> str:
        import datetime as dt

        return dt.datetime.fromtimestamp(self.timestamp, dt.timezone.utc).date().isoformat()


UNCOMMITTED = "0" * 40


def is_work_tree(path: Path) -> bool:
    """Whether ``path`` lies inside a git work tree (with git installed)."""
    try:
        return git(path, "rev-parse", "--is-inside-work-tree").strip() == b"true"
    except HistoryError:
        return False


def commit_info(repo: Path, revision: str = "HEAD") -> CommitInfo | None:
    """One commit (default: the one checked out); None when there is no such commit."""
    try:
        out = git(repo, "log", "-1", "--format=%H%x1f%at%x1f%s", revision, "--")
    except HistoryError:
        return None
    return parse_commit_line(out.decode("utf-8", "replace").strip())


def shallow(repo: Path) -> bool:
    return git(repo, "rev-parse", "--is-shallow-repository").strip() == b"true"


def dirty_paths(repo: Path, pathspec: str = ".") -> list[str]:
    """Tracked files with uncommitted changes (untracked files are not counted)."""
    out = git(repo, "status", "--porcelain", "-z", "--untracked-files=no", "--", pathspec)
    paths: list[str] = []
    entries = iter(out.split(b"\0"))
    for entry in entries:
        if len(entry) < 4:
            continue
        paths.append(entry[3:].decode("utf-8", "surrogateescape"))
        if entry[:1] in (b"R", b"C"):
            next(entries, None)  # a rename or copy is followed by its source path
    return sorted(paths)


def parse_commit_line(line: str) -> CommitInfo:
    commit, stamp, subject = (line.strip("\n").split("\x1f") + ["", "", ""])[:3]
    return CommitInfo(commit, int(stamp or 0), subject.strip())
