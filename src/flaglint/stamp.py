"""The build's stamp for cache keys: the version, and what the installed code is.

Caches keyed by the version alone outlive a change to the code under the same
version string: an editable install being worked on, or a build reinstalled
from another commit, read back facts and findings that the current code would
not produce. The stamp adds a digest of every module's path, size and
modification time, so any change to the installed code is a cache miss; it
costs one ``stat`` per module, once per process. The interpreter's cache tag
(``cpython-311``) is part of it: another Python version reads files with another
``ast`` and pickles with another protocol default.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from pathlib import Path

from flaglint import __version__


@functools.cache
def code_stamp() -> str:
    """``version:digest``, the same in every process of one installation."""
    package = Path(__file__).resolve().parent
    digest = hashlib.blake2b(digest_size=8)
    for folder, folders, files in os.walk(package):
        folders.sort()
        for name in sorted(files):
            if not name.endswith((".py", ".css", ".js")):
                continue
            path = os.path.join(folder, name)
            try:
                info = os.stat(path)
            except OSError:
                continue
            relative = os.path.relpath(path, package)
            digest.update(f"{relative}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    # The interpreter too: facts are read with its ``ast`` and every cache is pickled by
    # it, so a cache folder shared with another Python version is not read back.
    digest.update(f"python\0{sys.implementation.cache_tag}\n".encode())
    return f"{__version__}:{digest.hexdigest()}"
