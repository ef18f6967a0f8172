"""Who last changed each line: ``git blame`` of whole files, in the background."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import Future
from flaglint.history.repository import (
    UNCOMMITTED,
    CommitInfo,
    HistoryError,
    git,
    repo_path,
    toplevel,
)


# ------------------------------------------------------------------- blame
@dataclass(frozen=True, slots=True)
class BlameLine:
    """When a line was last changed: the commit and its author time (epoch seconds)."""

    commit: str
    author_time: int


def blame(repo: Path, path: str, revision: str = "") -> dict[int, BlameLine]:
    """Line number -> last change, from one ``git blame --porcelain`` of the whole file.

    Without ``revision`` the work tree is blamed, so uncommitted edits count as
    changed now. Lines git can only attribute to a shallow clone's boundary
    commit are left out: their real age is unknown, and guessing it would
    make everything look as old as the clone.
    """
    # Text conversion filters are programs the repository's configuration names.
    args = ["blame", "--porcelain", "--root", "--no-textconv"]
    if revision:
        args.append(revision)
    out = git(repo, *args, "--", path)
    times: dict[str, int] = {}
    boundary: set[str] = set()
    owner: dict[int, str] = {}
    commit = ""
    for raw in out.split(b"\n"):
        if not raw or raw.startswith(b"\t"):
            continue
        parts = raw.split(b" ")
        if len(parts[0]) in (40, 64) and len(parts) in (3, 4) and parts[1].isdigit():
            commit = parts[0].decode()
            owner[int(parts[2])] = commit
        elif parts[0] == b"author-time" and len(parts) == 2:
            times[commit] = int(parts[1])
        elif parts[0] == b"boundary":
            boundary.add(commit)
    return {
        line: BlameLine(sha, times[sha])
        for line, sha in owner.items()
        if sha in times and sha not in boundary
    }


class BlameCache:
    """Blames files on demand, each at most once per run; failures become ``{}``.

    A file git cannot blame (untracked, outside the repository) simply has no
    ages, so the evidence that needs them is not offered.
    """

    def __init__(self, root: Path, revision: str = "") -> None:
        self.root = root
        self.revision = revision
        self._files: dict[str, dict[int, BlameLine]] = {}
        self._pending: dict[str, Future[dict[int, BlameLine]]] = {}
        try:
            self.repo: Path | None = toplevel(root)
        except HistoryError:
            self.repo = None

    @property
    def available(self) -> bool:
        return self.repo is not None

    def prefetch(self, paths: Sequence[str], workers: int = 4, wait: bool = True) -> None:
        """Blame ``paths`` concurrently (git does the work; threads mostly wait).

        With ``wait=False`` the blames go on in the background and
        :meth:`lines` waits for the one it is asked for, so the caller can
        work meanwhile (FL101 runs vulture while git blames, which hides
        about half of the blaming (benchmarks/RESULTS.md, design measurements)).
        """
        from concurrent.futures import ThreadPoolExecutor

        wanted = sorted({p for p in paths if p not in self._files and p not in self._pending})
        if self.repo is None or not wanted:
            return
        pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(wanted))))
        for path in wanted:
            self._pending[path] = pool.submit(self._blame, path)
        pool.shutdown(wait=wait)
        if wait:
            for path in wanted:
                self.lines(path)

    def _blame(self, path: str) -> dict[int, BlameLine]:
        assert self.repo is not None
        try:
            return blame(self.repo, repo_path(self.repo, self.root, path), self.revision)
        except (HistoryError, ValueError):
            return {}

    def lines(self, path: str) -> dict[int, BlameLine]:
        pending = self._pending.pop(path, None)
        if pending is not None:
            self._files[path] = pending.result()
        if path not in self._files:
            self._files[path] = self._blame(path) if self.repo is not None else {}
        return self._files[path]

    def newest(self, path: str, first: int, last: int) -> BlameLine | None:
        """The most recent change among lines ``first..last`` (None when unknown)."""
        lines = self.lines(path)
        found = [lines[n] for n in range(first, last + 1) if n in lines]
        return max(found, key=lambda b: b.author_time) if found else None


def blame_line_commits(repo: Path, path: str, lines: Sequence[int]) -> dict[int, CommitInfo | None]:
    """The commit that last changed each of ``lines`` of the work-tree file ``path``.

    One ``git blame`` answers for every line of the file; a line not committed
    yet maps to None. ``path`` is relative to ``repo``.
    """
    wanted = sorted(set(lines))
    if not wanted:
        return {}
    ranges = [arg for line in wanted for arg in ("-L", f"{line},{line}")]
    out = git(repo, "blame", "--porcelain", "--no-textconv", *ranges, "--", path)
    line_commit: dict[int, str] = {}
    stamps: dict[str, int] = {}
    subjects: dict[str, str] = {}
    commit = ""
    for raw in out.split(b"\n"):
        head, _, rest = raw.partition(b" ")
        if len(head) == 40 and all(c in b"0123456789abcdef" for c in head):
            commit = head.decode()
            line_commit[int(rest.split(b" ")[1])] = commit
        elif head == b"author-time":
            stamps[commit] = int(rest)
        elif head == b"summary":
            subjects[commit] = rest.decode("utf-8", "replace")
    return {
        line: None
        if commit == UNCOMMITTED
        else CommitInfo(commit, stamps.get(commit, 0), subjects.get(commit, ""))
        for line, commit in sorted(line_commit.items())
    }
