"""Per-file facts on disk, keyed by content.

The key is the file's git blob id (so facts read from a revision with
``git cat-file`` share entries with the work tree), its module name, the
flaglint version and the part of the configuration that changes facts.
Entries are written atomically (temporary file, then rename); an entry that
cannot be read back is a miss, never an error. The folder holds a
``.gitignore`` of ``*`` so it never shows up in ``git status``.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path

from flaglint import __version__
from flaglint.facts.model import FileFacts

# Bumped whenever the fact records change shape: old entries would unpickle
# with the new fields at their defaults, silently wrong. (2: noqa with other
# codes; 3: duplicate dict keys; 4: loops, checks, call contexts, outcomes.)
FORMAT = 4


def blob_id(content: bytes) -> str:
    """The git blob id of ``content``: the same hash ``git hash-object`` prints."""
    digest = hashlib.sha1(b"blob %d\0" % len(content))
    digest.update(content)
    return digest.hexdigest()


class FactCache:
    """A content-addressed store of :class:`FileFacts`; ``None`` directory disables it."""

    def __init__(self, directory: Path | None, config_fingerprint: str) -> None:
        self.directory = directory
        self.salt = f"{FORMAT}:{__version__}:{config_fingerprint}"
        self.hits = 0
        self.misses = 0
        self._ready = False

    def key(self, blob: str, module: str, path: str) -> str:
        return hashlib.sha1(f"{self.salt}:{blob}:{module}:{path}".encode()).hexdigest()

    def _entry(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / "facts" / key[:2] / f"{key[2:]}.pickle"

    def get(self, key: str) -> FileFacts | None:
        if self.directory is None:
            self.misses += 1
            return None
        try:
            with open(self._entry(key), "rb") as handle:
                facts = pickle.load(handle)
        except Exception:  # a missing, truncated or foreign entry is a miss
            self.misses += 1
            return None
        if not isinstance(facts, FileFacts):
            self.misses += 1
            return None
        self.hits += 1
        return facts

    def put(self, key: str, facts: FileFacts) -> None:
        if self.directory is None:
            return
        try:
            self._prepare()
            entry = self._entry(key)
            entry.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump(facts, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, entry)
        except OSError:
            # A read-only tree or a full disk only costs speed; the run goes on.
            return

    def _prepare(self) -> None:
        if self._ready or self.directory is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        ignore = self.directory / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# created by flaglint\n*\n", encoding="utf-8")
        self._ready = True
