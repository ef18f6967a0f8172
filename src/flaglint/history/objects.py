"""Files at a revision or in the index, read from git objects without a checkout.

One ``git ls-tree`` and one streaming ``git cat-file --batch`` per revision
(never a process per file), so facts for a revision share cache entries with
the work tree by blob id.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass
from flaglint.history.repository import GIT, git, repo_path


@dataclass(frozen=True, slots=True)
class Blob:
    path: str
    blob_id: str


def list_python_blobs(repo: Path, revision: str, prefix: str = "") -> list[Blob]:
    """Python files at ``revision`` (optionally under ``prefix``), with their blob ids."""
    out = git(repo, "ls-tree", "-r", "-z", "--full-tree", revision)
    # Mode 120000 is a symlink: its blob is a link target, never followed.
    blobs = [
        Blob(path, blob.decode())
        for (mode, kind, blob), path in _python_entries(out, prefix)
        if kind == b"blob" and mode != b"120000"
    ]
    return sorted(blobs, key=lambda b: b.path)


def _python_entries(out: bytes, prefix: str) -> Iterator[tuple[list[bytes], str]]:
    """The metadata fields and path of each ``.py`` entry under ``prefix`` of a -z listing."""
    for entry in out.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        path = name.decode("utf-8", "surrogateescape")
        if path.endswith(".py") and (not prefix or path.startswith(prefix)):
            yield meta.split(b" "), path


def read_blobs(repo: Path, blob_ids: Sequence[str]) -> Iterator[tuple[str, bytes]]:
    """Contents of many blobs through one ``git cat-file --batch`` process."""
    if not blob_ids:
        return
    process = subprocess.Popen(
        [*GIT, "cat-file", "--batch"],
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
    # Stage 0 only: a file in the middle of a merge conflict has no single content.
    blobs = [
        Blob(path, blob.decode())
        for (mode, blob, stage), path in _python_entries(out, prefix)
        if stage == b"0" and mode != b"120000"
    ]
    return sorted(blobs, key=lambda b: b.path)
