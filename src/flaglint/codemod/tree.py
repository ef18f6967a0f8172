"""The files under the root that remove-flag searches and edits, read as they are now.

Every search of the tree (names still spelled somewhere, tests that patch a wrapper,
templates that read a context entry) walks the same folders in the same order and
reads a file as the rewrite left it when the rewrite touched it.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path

SKIPPED_DIRS = frozenset({".git", "node_modules", "__pycache__", ".tox", ".venv", "venv"})
# A larger file is generated or data: never searched, never edited.
LARGEST = 2_000_000


def tree_files(root: Path, suffixes: Collection[str]) -> Iterator[Path]:
    """Files under ``root`` with one of ``suffixes``, sorted, outside tool and hidden folders.

    Symbolic links are not followed: to folders (``os.walk``'s default) or to files.
    """
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if os.path.splitext(name)[1] in suffixes and not os.path.islink(
                os.path.join(folder, name)
            ):
                yield Path(folder) / name


def current_texts(
    root: Path, suffixes: Collection[str], current: Mapping[str, bytes] | None = None
) -> Iterator[tuple[Path, str, bytes]]:
    """(file, path relative to ``root``, text) for each file, as ``current`` has it if it
    does (the rewrite's output), else as it is on disk; unreadable or huge files are skipped."""
    edited = current or {}
    for file in tree_files(root, suffixes):
        relative = file.relative_to(root).as_posix()
        text = edited.get(relative)
        if text is None:
            try:
                if file.stat().st_size > LARGEST:
                    continue
                text = file.read_bytes()
            except OSError:
                continue
        yield file, relative, text
