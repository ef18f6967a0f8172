"""Small pickled files in the cache folder: derived results kept between runs.

The facts pack (:mod:`flaglint.cache.facts`) holds per-file facts. The files here
hold what later stages derive from many files at once: whole-tree findings
(:mod:`flaglint.cache.findings`), the call graph's per-file edges
(:mod:`flaglint.callgraph.incremental`), vulture's verdicts on a set of files. Each is
one pickle written to a temporary file and renamed into place, stamped with
a version and tagged with the user's key (:mod:`flaglint.cache.location`); a
missing, truncated, foreign, forged or older file reads as nothing and is
never unpickled, and a folder that cannot be written to only costs the next
run its speed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import BinaryIO, Generic, TypeVar

from flaglint.cache.facts import prepare_directory
from flaglint.cache.location import TAG_SIZE, tagging, verified
from flaglint.stamp import code_stamp

V = TypeVar("V")

MAGIC = b"flaglint-store1\n"
CONTEXT = b"flaglint-store1"


def read_stamped(directory: Path | None, name: str, stamp: str) -> object | None:
    """What :func:`write_stamped` stored under ``stamp``, else None."""
    if directory is None:
        return None
    try:
        with open(directory / name, "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    head = len(MAGIC) + TAG_SIZE
    # A view, not a copy: the call graph's snapshot is tens of megabytes.
    payload = memoryview(data)[head:]
    if not data.startswith(MAGIC) or not verified(payload, data[len(MAGIC) : head], CONTEXT):
        return None  # missing, truncated, foreign or forged: never unpickled
    try:
        stored_stamp, value = pickle.loads(payload)
    except Exception:  # written by us, but by a version whose classes are gone
        return None
    return value if stored_stamp == _stamp(stamp) else None


class _Tagged:
    """A file that feeds what is written to it to a keyed hash as well."""

    def __init__(self, handle: BinaryIO, tagger: hashlib.blake2b) -> None:
        self.handle, self.tagger = handle, tagger

    def write(self, data: bytes) -> int:
        self.tagger.update(data)
        return self.handle.write(data)


def write_stamped(directory: Path | None, name: str, stamp: str, value: object) -> None:
    """Store ``value`` under ``stamp``, pickled straight into the file.

    The pickle is written as it is made, its tag computed on the way and put in
    front of it last: the bytes of the call graph's snapshot are never all in
    memory (on Django they were 26 MB on top of a cold check's peak).
    """
    if directory is None:
        return
    tagger = tagging(CONTEXT)
    if tagger is None:
        return  # no key: nothing written could be trusted when read back
    try:
        prepare_directory(directory)
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(MAGIC)
            handle.write(bytes(TAG_SIZE))  # the tag's place, filled in below
            pickler = pickle.Pickler(_Tagged(handle, tagger), protocol=pickle.HIGHEST_PROTOCOL)
            pickler.dump((_stamp(stamp), value))
            handle.seek(len(MAGIC))
            handle.write(tagger.digest())
        os.replace(temporary, directory / name)
    except BaseException as error:  # a value that cannot be pickled leaves no file either
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if not isinstance(error, OSError):
            raise


def _stamp(stamp: str) -> str:
    return f"{code_stamp()}:{stamp}"


class KeyedStore(Generic[V]):
    """The last ``keep`` values put, by key, in one file; a ``None`` directory disables it."""

    def __init__(self, directory: Path | None, name: str, stamp: str, keep: int) -> None:
        self.directory = directory
        self.name = name
        self.stamp = stamp
        self.keep = keep
        self._entries: dict[str, V] | None = None

    def get(self, key: str) -> V | None:
        return self._load().get(key)

    def put(self, key: str, value: V) -> None:
        if self.directory is None:
            return
        entries = self._load()
        entries.pop(key, None)
        entries[key] = value
        while len(entries) > self.keep:
            entries.pop(next(iter(entries)))
        write_stamped(self.directory, self.name, self.stamp, entries)

    def _load(self) -> dict[str, V]:
        if self._entries is None:
            found = read_stamped(self.directory, self.name, self.stamp)
            self._entries = found if isinstance(found, dict) else {}
        return self._entries
