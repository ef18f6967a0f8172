"""Per-file facts on disk, keyed by content.

The key is the file's git blob id (so facts read from a revision with
``git cat-file`` share entries with the work tree), its module name, the
flaglint version and the part of the configuration that changes facts.
Entries are written atomically (temporary file, then rename); an entry that
cannot be read back is a miss, never an error. The folder holds a
``.gitignore`` of ``*`` so it never shows up in ``git status``.

Entries are pickled with every fact record (a ``NamedTuple``) reduced to
``tuple.__new__(cls, values)``: the default reduction calls each record
class's Python-level ``__new__``, and loading Django's facts took twice as
long that way (0.52 s against 0.28 s). Workers pickle the facts they build
once; the same bytes go to disk and to the parent process.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from io import BytesIO
from pathlib import Path

from flaglint import __version__
from flaglint.facts.model import FileFacts

# Bumped whenever the fact records change shape: old entries would unpickle
# with the new fields at their defaults, silently wrong. (2: noqa with other
# codes; 3: duplicate dict keys; 4: loops, checks, call contexts, outcomes;
# 5: records pickled as tuple.__new__(cls, values).)
FORMAT = 5


def blob_id(content: bytes) -> str:
    """The git blob id of ``content``: the same hash ``git hash-object`` prints."""
    digest = hashlib.sha1(b"blob %d\0" % len(content))
    digest.update(content)
    return digest.hexdigest()


_tuple_new = tuple.__new__


class _FactPickler(pickle.Pickler):
    """Pickles named tuples as ``tuple.__new__(cls, values)``: one C call each to load."""

    def reducer_override(self, obj: object) -> object:
        cls = obj.__class__
        if isinstance(obj, tuple) and hasattr(cls, "_fields"):
            return _tuple_new, (cls, tuple(obj))
        return NotImplemented


def dump_facts(facts: FileFacts) -> bytes:
    """The bytes of a cache entry for ``facts``."""
    buffer = BytesIO()
    _FactPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(facts)
    return buffer.getvalue()


def load_facts(data: bytes) -> FileFacts | None:
    """Facts back from :func:`dump_facts`; None for anything else."""
    try:
        facts = pickle.loads(data)
    except Exception:  # a truncated or foreign entry is a miss
        return None
    return facts if isinstance(facts, FileFacts) else None


class FactCache:
    """A content-addressed store of :class:`FileFacts`; ``None`` directory disables it.

    Facts read or written once stay in memory for the rest of the process, so
    ``check --base`` shares the objects of every unchanged file between the
    work tree and the revision instead of loading (and holding) them twice.
    """

    def __init__(self, directory: Path | None, config_fingerprint: str) -> None:
        self.directory = directory
        self.fingerprint = config_fingerprint
        self.salt = f"{FORMAT}:{__version__}:{config_fingerprint}"
        self.hits = 0
        self.misses = 0
        self._ready = False
        self._facts_dir = os.path.join(directory, "facts") if directory is not None else ""
        self._loaded: dict[str, FileFacts] = {}

    def key(self, blob: str, module: str, path: str) -> str:
        return hashlib.sha1(f"{self.salt}:{blob}:{module}:{path}".encode()).hexdigest()

    def _entry(self, key: str) -> str:
        return os.path.join(self._facts_dir, key[:2], key[2:] + ".pickle")

    def get(self, key: str) -> FileFacts | None:
        facts = self._loaded.get(key)
        if facts is not None:
            self.hits += 1
            return facts
        if self.directory is None:
            self.misses += 1
            return None
        try:
            with open(self._entry(key), "rb") as handle:
                data = handle.read()
        except OSError:
            self.misses += 1
            return None
        facts = load_facts(data)
        if facts is None:
            self.misses += 1
            return None
        self.hits += 1
        self._loaded[key] = facts
        return facts

    def put(self, key: str, facts: FileFacts) -> None:
        self.put_pickled(key, facts, dump_facts(facts) if self.directory is not None else b"")

    def put_pickled(self, key: str, facts: FileFacts, data: bytes) -> None:
        """Store ``facts`` whose :func:`dump_facts` bytes are ``data``."""
        self._loaded[key] = facts
        if self.directory is None:
            return
        try:
            self._prepare()
            entry = self._entry(key)
            folder = os.path.dirname(entry)
            os.makedirs(folder, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
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
