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
