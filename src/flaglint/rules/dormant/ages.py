"""Blames kept between runs, so that only a changed file is blamed again.

A file's blame depends on the commit it is read at and on nothing else once
its content is committed: the work-tree file, when its content is the blob
``HEAD`` holds, blames exactly as ``HEAD:path`` does (git passes every line
to the parent unchanged). Nor does a commit that leaves the file alone change
its blame: blame passes every line through it, and looks for moves and copies
only in commits that change the file. So a blame is stored under the last
commit that changed the file (``git rev-list -1 HEAD -- path``), the path, the
blob, and what decides which commits blame looks past (the ignore-revs file
and ``blame.ignoreRevsFile``): a new commit elsewhere in the tree keeps every
other file's blame. A file with uncommitted changes is blamed every time.
Which commits only reformatted a file never changes either. A shallow clone
stores nothing (deepened, the same commit blames older), nor does a
repository whose configured ignore-revs file is a link or lies outside it.
The store is one stamped file of the cache folder (:mod:`flaglint.cache.store`),
the newest ``KEEP`` entries.
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
STAMP = "blames:2"
KEEP = 1024


class BlameStore:
    """The stored blames of one project's repository, and the names new ones go under."""

    def __init__(self, project: Project) -> None:
        self.root = project.config.root
        self.revision = project.revision
        self.directory = project.cache_directory
        self.source = project.source  # a buffer's text, else the file's on disk
        found = read_stamped(self.directory, BLAME_STORE, STAMP)
        self.entries: dict[str, object] = found if isinstance(found, dict) else {}
        self._loaded = len(self.entries)
        self._blobs: dict[str, str] | None = None
        self._context = ""
        self._commit = ""
        self._changed_in: dict[str, str | None] = {}
        self._repo: Path | None = None
        self._lock = threading.Lock()  # keys are asked from the blaming threads

    def key(self, path: str) -> str | None:
        """The name of ``path``'s blame, or None when it cannot be stored."""
        if not self.usable():
            return None
        assert self._blobs is not None and self._repo is not None
        try:
            relative = history.repo_path(self._repo, self.root, path)
        except ValueError:
            return None
        blob = self._blobs.get(relative)
        if blob is None:
            return None
        if not self.revision:
            content = self.source(path)
            if content is None or blob_id(content) != blob:
                return None  # uncommitted changes: blamed afresh
        changed_in = self._last_change(relative)
        if changed_in is None:
            return None
        return f"{self._context}:{relative}:{blob}:{changed_in}"

    def _last_change(self, relative: str) -> str | None:
        """The newest commit at or before the analysed one that changed ``relative``."""
        with self._lock:
            if relative in self._changed_in:
                return self._changed_in[relative]
        assert self._repo is not None
        try:
            out = history.git(self._repo, "rev-list", "-1", self._commit, "--", relative)
            found: str | None = out.decode("ascii").strip() or None
        except (history.HistoryError, OSError, UnicodeDecodeError):
            found = None
        with self._lock:
            self._changed_in[relative] = found
        return found

    def usable(self) -> bool:
        """Whether blames may be stored at all (a cache folder, a repository with full history)."""
        if self.directory is None:
            return False
        with self._lock:
            if self._blobs is None:
                self._prepare()
        return self._repo is not None

    def _prepare(self) -> None:
        self._blobs = {}
        try:
            repo = history.toplevel(self.root)
            # A shallow clone blames lines on its boundary; deepened later, the
            # same commit blames older: nothing of a shallow clone is kept.
            if history.shallow(repo):
                return
            commit = history.verify_revision(repo, self.revision or "HEAD")
            listed = history.list_python_blobs(repo, commit)
            ignore = _ignore_revs(repo, self.revision)
        except (history.HistoryError, OSError, ValueError, RuntimeError):
            return
        if ignore is None:
            return
        digest = hashlib.sha1(b"ignore-revs\0")
        digest.update(ignore)
        self._context = digest.hexdigest()[:20]
        self._commit = commit
        self._blobs = {b.path: b.blob_id for b in listed}
        self._repo = repo

    def save(self) -> None:
        """Write the store when this run added to it (the newest ``KEEP`` entries)."""
        if len(self.entries) == self._loaded:
            return
        kept = list(self.entries.items())[-KEEP:]
        write_stamped(self.directory, BLAME_STORE, STAMP, dict(kept))
        self._loaded = len(self.entries)


def _ignore_revs(repo: Path, revision: str) -> bytes | None:
    """The commits blame looks past, as the bytes it reads them from; None when unknown.

    ``blame.ignoreRevsFile``, when set, is read by git from the work tree whatever
    the revision; otherwise flaglint passes ``.git-blame-ignore-revs`` of the
    revision blamed (see ``history.blames``). A configured file that is a link,
    lies outside the repository or cannot be read makes the blame unstorable.
    """
    try:
        configured = history.git(repo, "config", "--get", "blame.ignoreRevsFile").strip()
    except history.HistoryError:
        configured = b""
    if configured:
        name = configured.decode("utf-8", "surrogateescape")
        path = repo / name
        if path.is_symlink() or not path.resolve().is_relative_to(repo.resolve()):
            return None
        try:
            return b"config\0" + configured + b"\0" + path.read_bytes()
        except OSError:
            return None
    try:
        if revision:
            return b"file\0" + history.git(repo, "show", f"{revision}:{IGNORE_REVS_FILE}")
        path = repo / IGNORE_REVS_FILE
        if path.is_symlink():
            return None
        return b"file\0" + path.read_bytes()
    except (history.HistoryError, FileNotFoundError):
        return b"none\0"
