"""Per-file facts on disk, keyed by content.

The key is the file's git blob id (so facts read from a revision with
``git cat-file`` share entries with the work tree), its module name, the
flaglint version and the part of the configuration that changes facts.
Entries are written atomically (temporary file, then rename); an entry that
cannot be read back is a miss, never an error. Every entry and the pack's
index carry a tag made with the user's key (:mod:`flaglint.cache.location`), checked
before a byte is unpickled: a pack the analysed repository supplies is a miss
for every key. The folder holds a ``.gitignore`` of ``*`` so it never shows
up in ``git status``.

Entries are pickled with every fact record (a ``NamedTuple``) reduced to
``tuple.__new__(cls, values)``: the default reduction calls each record
class's Python-level ``__new__``, and loading facts took twice as long that
way (benchmarks/RESULTS.md, design measurements). Workers pickle the facts they build
once; the same bytes go to disk and to the parent process.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from flaglint.cache import location as cachedir
from flaglint.cache.location import TAG_SIZE, tag, verified
from flaglint.config import Config
from flaglint.encoding import utf8
from flaglint.facts.model import FileFacts
from flaglint.stamp import code_stamp

# Bumped whenever the fact records or the pack's layout change: old entries would
# unpickle with new fields at their defaults, silently wrong. CHANGELOG.md says what
# each format changed.
FORMAT = 15
PACK = "facts.pickle"
MAGIC = b"flaglint-facts%d\n" % FORMAT
ENTRY = b"flaglint-entry%d" % FORMAT
INDEX = b"flaglint-index%d" % FORMAT
# An entry no writing run has used for this many writing runs may be dropped
# once a newer entry for the same path exists.
STALE_RUNS = 16


def blob_id(content: bytes) -> str:
    """The git blob id of ``content``: the same hash ``git hash-object`` prints."""
    digest = hashlib.sha1(b"blob %d\0" % len(content))
    digest.update(content)
    return digest.hexdigest()


def entry_key(salt: str, blob: str, module: str, path: str) -> str:
    """The cache key of a file's facts (:meth:`FactCache.key` with the cache's salt)."""
    return hashlib.sha1(utf8(f"{salt}:{blob}:{module}:{path}")).hexdigest()


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
    return dump_named_tuples(facts)


def dump_named_tuples(value: object) -> bytes:
    """``value`` pickled with its named tuples as ``tuple.__new__(cls, values)``."""
    buffer = BytesIO()
    _FactPickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
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

    On disk it is one pack file: a header, then each entry as its tag and
    its bytes, back to back, then a pickled index ``{key: (offset, length,
    stamp, path)}``, the index's tag, and the index's offset in 8 bytes. A
    run reads the index once and each entry it needs with one ``pread``; it
    writes a pack only when it added entries: the old pack's data is copied
    in one piece, new entries are appended as they arrive and the index is
    rewritten, into a temporary file renamed over the old one. (One file
    per entry cost a file creation per parsed file and an open per file on
    every warm run.)

    Each writing run stamps the entries it used with its number. An entry is
    stale when a newer entry for the same path exists and no writing run has
    used it for :data:`STALE_RUNS` runs; stale entries are dropped once they
    outnumber the rest. Old versions of edited files go; the only version of
    a file stays, however long only reading runs (which stamp nothing) or
    runs over other folders have used the pack.

    Facts read or written once are kept by the cache object, so a key asked
    for twice is loaded once and both askers share the same records.
    """

    def __init__(self, directory: Path | None, config_fingerprint: str) -> None:
        self.directory = directory
        self.fingerprint = config_fingerprint
        self.salt = f"{FORMAT}:{code_stamp()}:{config_fingerprint}"
        self.hits = 0
        self.misses = 0
        self._pack = str(directory / PACK) if directory is not None else ""
        self._loaded: dict[str, FileFacts] = {}
        self._used: set[str] = set()
        self._index: dict[str, tuple[int, int, int, str]] | None = None
        self._run = 0  # the number of the last writing run, from the pack
        self._reader: int | None = None
        self._data_end = 0
        self._writer: BinaryIO | None = None
        self._writer_path = ""
        self._written: dict[str, tuple[int, int, str]] = {}

    def key(self, blob: str, module: str, path: str) -> str:
        return entry_key(self.salt, blob, module, path)

    # ---------------------------------------------------------------- reading
    def has(self, key: str) -> bool:
        """Whether an entry for ``key`` is stored (its index is read; no entry is)."""
        self._used.add(key)
        return key in self._loaded or key in self._written or key in self._open()

    def get(self, key: str) -> FileFacts | None:
        self._used.add(key)
        facts = self._loaded.get(key)
        if facts is None and self.directory is not None:
            facts = self._read(key)
        if facts is None:
            self.misses += 1
            return None
        self.hits += 1
        self._loaded[key] = facts
        return facts

    def _read(self, key: str) -> FileFacts | None:
        index = self._open()
        where = index.get(key)
        if where is None or self._reader is None:
            return None
        offset, length = where[0], where[1]
        try:
            data = os.pread(self._reader, length + TAG_SIZE, offset - TAG_SIZE)
        except OSError:
            return None
        payload = data[TAG_SIZE:]
        if len(payload) != length or not verified(payload, data[:TAG_SIZE], ENTRY):
            return None
        return load_facts(payload)

    def _open(self) -> dict[str, tuple[int, int, int, str]]:
        """The pack's index, read once; an unreadable pack is an empty one."""
        if self._index is not None:
            return self._index
        self._index = {}
        try:
            reader = os.open(self._pack, os.O_RDONLY)
        except OSError:
            return self._index
        try:
            size = os.fstat(reader).st_size
            if os.pread(reader, len(MAGIC), 0) != MAGIC:
                raise ValueError("not a pack of this format")
            index_at = int.from_bytes(os.pread(reader, 8, size - 8), "little")
            end = size - 8 - TAG_SIZE
            if not len(MAGIC) <= index_at <= end:
                raise ValueError("no index")
            data = os.pread(reader, end - index_at, index_at)
            if not verified(data, os.pread(reader, TAG_SIZE, end), INDEX):
                raise ValueError("not written by this user's flaglint")
            run, index = pickle.loads(data)
            if not isinstance(index, dict) or not isinstance(run, int):
                raise ValueError("not an index")
            # An index of another shape (an older format under a stale version
            # stamp) is a miss for every key, not a crash when it is rewritten.
            if not all(isinstance(v, tuple) and len(v) == 4 for v in index.values()):
                raise ValueError("an index of another format")
        except Exception:  # a truncated, foreign or forged pack is a miss for every key
            os.close(reader)
            return self._index
        self._reader, self._index, self._data_end, self._run = reader, index, index_at, run
        return index

    # ---------------------------------------------------------------- writing
    def put(self, key: str, facts: FileFacts) -> None:
        self.put_pickled(key, facts, dump_facts(facts) if self.directory is not None else b"")

    def put_pickled(self, key: str, facts: FileFacts, data: bytes) -> None:
        """Store ``facts`` whose :func:`dump_facts` bytes are ``data``."""
        self._used.add(key)
        self._loaded[key] = facts
        if self.directory is None or key in self._written:
            return
        entry_tag = tag(data, ENTRY)
        if entry_tag is None:  # no key: nothing could be trusted when read back
            self._abandon()
            return
        try:
            writer = self._writer or self._start_writing()
            writer.write(entry_tag)
            self._written[key] = (writer.tell(), len(data), facts.path)
            writer.write(data)
        except OSError:
            # A read-only tree or a full disk only costs speed; the run goes on.
            self._abandon()

    def _start_writing(self) -> BinaryIO:
        """A temporary pack holding the current pack's data, ready for new entries."""
        assert self.directory is not None
        self._open()
        self._prepare()
        fd, self._writer_path = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
        writer = self._writer = os.fdopen(fd, "wb")
        if self._reader is None or not self._data_end:
            writer.write(MAGIC)
        else:
            copied = 0
            while copied < self._data_end:
                block = os.pread(self._reader, min(1 << 22, self._data_end - copied), copied)
                if not block:
                    raise OSError("pack shrank while copying")
                writer.write(block)
                copied += len(block)
        return writer

    def flush(self) -> None:
        """Write the pack if this run added entries (atomically; failures only cost speed)."""
        writer = self._writer
        if writer is None:
            return
        try:
            run = self._run + 1
            used = self._used
            index = {
                key: (offset, length, run if key in used else stamp, path)
                for key, (offset, length, stamp, path) in self._open().items()
            }
            index.update((key, (o, n, run, path)) for key, (o, n, path) in self._written.items())
            newest: dict[str, int] = {}
            for _, _, stamp, path in index.values():
                newest[path] = max(stamp, newest.get(path, stamp))
            stale = {
                key
                for key, (_, _, stamp, path) in index.items()
                if stamp <= run - STALE_RUNS and stamp < newest[path]
            }
            if len(stale) > len(index) - len(stale):
                writer = self._compact(writer, index, stale)
                index = {
                    key: (offset, length, index[key][2], path)
                    for key, (offset, length, path) in self._written.items()
                }
            index_at = writer.tell()
            data = pickle.dumps((run, index), protocol=pickle.HIGHEST_PROTOCOL)
            index_tag = tag(data, INDEX)
            if index_tag is None:
                raise OSError("no cache key")
            writer.write(data)
            writer.write(index_tag)
            writer.write(index_at.to_bytes(8, "little"))
            writer.close()
            os.replace(self._writer_path, self._pack)
        except OSError:
            self._abandon()
            return
        self._writer = None
        if self._reader is not None:
            os.close(self._reader)
        self._reader, self._index, self._written, self._run = None, None, {}, run

    def _compact(
        self, writer: BinaryIO, index: dict[str, tuple[int, int, int, str]], stale: set[str]
    ) -> BinaryIO:
        """Rewrite the pending pack without the ``stale`` entries."""
        writer.flush()
        old_path = self._writer_path
        source = os.open(old_path, os.O_RDONLY)
        try:
            fd, self._writer_path = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
            compact = os.fdopen(fd, "wb")
            compact.write(MAGIC)
            self._written = {}
            for key in sorted(index):
                if key in stale:
                    continue
                offset, length, _, path = index[key]
                self._written[key] = (compact.tell() + TAG_SIZE, length, path)
                compact.write(os.pread(source, length + TAG_SIZE, offset - TAG_SIZE))
        finally:
            os.close(source)
            writer.close()
            os.unlink(old_path)
        self._writer = compact
        return compact

    def _abandon(self) -> None:
        if self._writer is not None:
            try:
                self._writer.close()
                os.unlink(self._writer_path)
            except OSError:
                pass
        self._writer, self._written = None, {}

    def _prepare(self) -> None:
        assert self.directory is not None
        prepare_directory(self.directory)


# A temporary file this old belongs to a run that died before renaming it.
STALE_TEMPORARY_SECONDS = 3600


def prepare_directory(directory: Path) -> None:
    """Create the cache folder with a ``.gitignore`` of ``*`` (raises OSError).

    Temporary files that a killed run left behind are removed on the way.
    """
    directory.mkdir(parents=True, exist_ok=True)
    ignore = directory / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# created by flaglint\n*\n", encoding="utf-8")
    cutoff = time.time() - STALE_TEMPORARY_SECONDS
    for leftover in directory.glob(".tmp-*"):
        try:
            if leftover.stat().st_mtime < cutoff:
                leftover.unlink()
        except OSError:
            pass  # another run's, or already gone


_last_cache: FactCache | None = None


_last_place: tuple[Path | None, str] | None = None


def open_cache(config: Config, enabled: bool = True, fresh: bool = False) -> FactCache:
    """The facts cache of ``config``'s root.

    Within one process the last cache opened for the same folder and
    configuration is handed out again unless ``fresh`` (a new run, as
    :func:`analyse` starts one): ``check --base`` then reads and writes the
    work tree's and the revision's facts through one object, so the pack it
    writes keeps the entries both used instead of only the revision's.
    """
    global _last_cache, _last_place
    directory = cachedir.locate(config).directory
    fingerprint = config.facts_fingerprint()
    place = (directory, fingerprint)
    cache = _last_cache
    if fresh or cache is None or _last_place != place:
        # A disabled cache is remembered too: the base tree of a --no-cache
        # check must not write the pack its work tree left alone.
        cache = _last_cache = FactCache(directory if enabled else None, fingerprint)
        _last_place = place
    return cache
