"""Blames kept between runs, so that only a changed file is blamed again.

A file's blame depends on the commit it is read at and on nothing else once
its content is committed: the work-tree file, when its content is the blob
``HEAD`` holds, blames exactly as ``HEAD:path`` does (git passes every line
to the parent unchanged). So a blame is stored under the commit, the path,
the blob, and what decides which commits blame looks past (the ignore-revs
file and ``blame.ignoreRevsFile``); a file with uncommitted changes is
blamed every time. Which commits only reformatted a file never changes
either. The store is one stamped file of the cache folder
(:mod:`flaglint.cache.store`), the newest ``KEEP`` entries.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from flaglint import history
from flaglint.cache.facts import blob_id
from flaglint.cache.store import read_stamped, write_stamped
from flaglint.history.blames import IGNORE_REVS_FILE

if TYPE_CHECKING:
    from flaglint.project import Project

BLAME_STORE = "blames.pickle"
STAMP = "blames:1"
KEEP = 1024


class BlameStore:
    """The stored blames of one project's repository, and the names new ones go under."""

    def __init__(self, project: Project) -> None:
        self.root = project.config.root
        self.revision = project.revision
        self.directory = project.cache_directory
        found = read_stamped(self.directory, BLAME_STORE, STAMP)
        self.entries: dict[str, object] = found if isinstance(found, dict) else {}
        self._loaded = len(self.entries)
        self._blobs: dict[str, str] | None = None
        self._context = ""
        self._repo: Path | None = None
        self._lock = threading.Lock()  # keys are asked from the blaming threads

    def key(self, path: str) -> str | None:
        """The name of ``path``'s blame, or None when it cannot be stored."""
        if self.directory is None:
            return None
        with self._lock:
            if self._blobs is None:
                self._prepare()
        assert self._blobs is not None
        if self._repo is None:
            return None
        try:
            relative = history.repo_path(self._repo, self.root, path)
        except ValueError:
            return None
        blob = self._blobs.get(relative)
        if blob is None:
            return None
        if not self.revision:
            try:
                content = (self.root / path).read_bytes()
            except OSError:
                return None
            if blob_id(content) != blob:
                return None  # uncommitted changes: blamed afresh
        return f"{self._context}:{relative}:{blob}"

    def _prepare(self) -> None:
        self._blobs = {}
        try:
            repo = history.toplevel(self.root)
            commit = history.verify_revision(repo, self.revision or "HEAD")
            listed = history.list_python_blobs(repo, commit)
        except history.HistoryError:
            return
        digest = hashlib.sha1(commit.encode())
        try:
            configured = history.git(repo, "config", "--get", "blame.ignoreRevsFile")
        except history.HistoryError:
            configured = b""
        digest.update(b"\0" + configured.strip() + b"\0")
        digest.update(_ignore_revs(repo, self.revision, configured.strip().decode()))
        self._context = digest.hexdigest()[:20]
        self._blobs = {b.path: b.blob_id for b in listed}
        self._repo = repo

    def save(self) -> None:
        """Write the store when this run added to it (the newest ``KEEP`` entries)."""
        if len(self.entries) == self._loaded:
            return
        kept = list(self.entries.items())[-KEEP:]
        write_stamped(self.directory, BLAME_STORE, STAMP, dict(kept))
        self._loaded = len(self.entries)


def _ignore_revs(repo: Path, revision: str, configured: str) -> bytes:
    """The bytes of the files that list commits blame looks past, as blame will read them.

    A configured file outside the repository is named, not read.
    """
    found = b""
    for name in (IGNORE_REVS_FILE, configured):
        if not name:
            continue
        try:
            if revision and name == IGNORE_REVS_FILE:
                found += history.git(repo, "show", f"{revision}:{name}")
            else:
                path = repo / name
                if path.is_symlink() or not path.resolve().is_relative_to(repo.resolve()):
                    raise OSError(name)
                found += path.read_bytes()
        except (history.HistoryError, OSError):
            pass
        found += b"\0"
    return found
