"""Everything that talks to git.

Files at a revision come from one ``git ls-tree`` and one streaming
``git cat-file --batch`` (never a process per file), so facts for a revision
are built without a checkout and share cache entries with the work tree by
blob id. Errors are :class:`HistoryError` with a sentence saying what to do.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path


class HistoryError(Exception):
    """Git cannot answer: not a repository, unknown revision, shallow history."""


@dataclass(frozen=True, slots=True)
class Blob:
    path: str
    blob_id: str


def git(repo: Path, *args: str, input_bytes: bytes | None = None) -> bytes:
    try:
        result = subprocess.run(
            ["git", *args], cwd=repo, input=input_bytes, capture_output=True, check=False
        )
    except OSError as exc:  # git missing
        raise HistoryError(f"cannot run git: {exc}") from None
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


def list_python_blobs(repo: Path, revision: str, prefix: str = "") -> list[Blob]:
    """Python files at ``revision`` (optionally under ``prefix``), with their blob ids."""
    args = ["ls-tree", "-r", "-z", "--full-tree", revision]
    out = git(repo, *args)
    blobs = []
    for entry in out.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, kind, blob = meta.split(b" ")
        path = name.decode("utf-8", "surrogateescape")
        # Mode 120000 is a symlink: its blob is a link target, never followed.
        if kind != b"blob" or mode == b"120000" or not path.endswith(".py"):
            continue
        if prefix and not path.startswith(prefix):
            continue
        blobs.append(Blob(path, blob.decode()))
    return sorted(blobs, key=lambda b: b.path)


def read_blobs(repo: Path, blob_ids: Sequence[str]) -> Iterator[tuple[str, bytes]]:
    """Contents of many blobs through one ``git cat-file --batch`` process."""
    if not blob_ids:
        return
    process = subprocess.Popen(
        ["git", "cat-file", "--batch"],
        cwd=repo,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        # A writer thread feeds the ids while this loop reads the answers, so
        # neither pipe can fill up and stall the other side.
        def feed() -> None:
            assert process.stdin is not None
            try:
                for blob in blob_ids:
                    process.stdin.write(blob.encode() + b"\n")
                process.stdin.close()
            except BrokenPipeError:
                pass

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        for _ in blob_ids:
            header = process.stdout.readline()
            parts = header.split()
            if len(parts) < 3 or parts[1] != b"blob":
                continue
            size = int(parts[2])
            content = process.stdout.read(size)
            process.stdout.read(1)  # the newline after each object
            yield parts[0].decode(), content
        writer.join()
    finally:
        process.stdout.close()
        process.wait()


# ------------------------------------------------------------------- blame
@dataclass(frozen=True, slots=True)
class BlameLine:
    """When a line was last changed: the commit and its author time (epoch seconds)."""

    commit: str
    author_time: int


def repo_path(repo: Path, root: Path, path: str) -> str:
    """``path`` (relative to the analysed root) relative to the repository's top."""
    prefix = root.resolve().relative_to(repo.resolve()).as_posix()
    return path if prefix == "." else f"{prefix}/{path}"


def is_shallow(repo: Path) -> bool:
    return git(repo, "rev-parse", "--is-shallow-repository").decode().strip() == "true"


def blame(repo: Path, path: str, revision: str = "") -> dict[int, BlameLine]:
    """Line number -> last change, from one ``git blame --porcelain`` of the whole file.

    Without ``revision`` the work tree is blamed, so uncommitted edits count as
    changed now. Lines git can only attribute to a shallow clone's boundary
    commit are left out: their real age is unknown, and guessing it would
    make everything look as old as the clone.
    """
    args = ["blame", "--porcelain", "--root"]
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
        try:
            self.repo: Path | None = toplevel(root)
        except HistoryError:
            self.repo = None

    @property
    def available(self) -> bool:
        return self.repo is not None

    def prefetch(self, paths: Sequence[str], workers: int = 4) -> None:
        """Blame ``paths`` concurrently (git does the work; threads only wait)."""
        from concurrent.futures import ThreadPoolExecutor

        wanted = sorted({p for p in paths if p not in self._files})
        if self.repo is None or not wanted:
            return
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(wanted)))) as pool:
            for path, lines in zip(wanted, pool.map(self._blame, wanted), strict=True):
                self._files[path] = lines

    def _blame(self, path: str) -> dict[int, BlameLine]:
        assert self.repo is not None
        try:
            return blame(self.repo, repo_path(self.repo, self.root, path), self.revision)
        except (HistoryError, ValueError):
            return {}

    def lines(self, path: str) -> dict[int, BlameLine]:
        if path not in self._files:
            self._files[path] = self._blame(path) if self.repo is not None else {}
        return self._files[path]

    def newest(self, path: str, first: int, last: int) -> BlameLine | None:
        """The most recent change among lines ``first..last`` (None when unknown)."""
        lines = self.lines(path)
        found = [lines[n] for n in range(first, last + 1) if n in lines]
        return max(found, key=lambda b: b.author_time) if found else None


def read_files(repo: Path, root: Path, revision: str, paths: Sequence[str]) -> dict[str, bytes]:
    """Contents of ``paths`` (relative to ``root``) at ``revision``, without a checkout."""
    wanted = {repo_path(repo, root, p): p for p in paths}
    prefix = root.resolve().relative_to(repo.resolve()).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    by_blob: dict[str, list[str]] = {}
    for found in list_python_blobs(repo, revision, prefix):
        if found.path in wanted:
            by_blob.setdefault(found.blob_id, []).append(wanted[found.path])
    out: dict[str, bytes] = {}
    for blob_id, content in read_blobs(repo, sorted(by_blob)):
        for path in by_blob.get(blob_id, []):
            out[path] = content
    return out


def list_index_blobs(repo: Path, prefix: str = "") -> list[Blob]:
    """Python files staged in the index (what ``git commit`` would record), with blob ids."""
    out = git(repo, "ls-files", "--stage", "-z")
    blobs = []
    for entry in out.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        mode, blob, stage = meta.split(b" ")
        path = name.decode("utf-8", "surrogateescape")
        # Stage 0 only: a file in the middle of a merge conflict has no single content.
        if stage != b"0" or mode == b"120000" or not path.endswith(".py"):
            continue
        if prefix and not path.startswith(prefix):
            continue
        blobs.append(Blob(path, blob.decode()))
    return sorted(blobs, key=lambda b: b.path)


def has_commits(repo: Path) -> bool:
    """False in a repository whose current branch has no commit yet."""
    try:
        git(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except HistoryError:
        return False
    return True
