"""Rule findings of a whole tree, remembered between runs.

Facts are cached per file, but the whole-program stage (name resolution,
the call graph, reach per flag, breaker analysis) reads every file at once
and was rebuilt on every run: most of a warm check in which nothing had
changed (benchmarks/RESULTS.md, design measurements). This cache stores what :func:`run_rules`
returned, under a key that covers everything those findings depend on:

* each file's path, module name and git blob id (its content), and which
  files could not be read;
* the whole configuration, the rules that ran, flaglint's version;
* the commit the tree was read from, or for the work tree the commit
  ``HEAD`` names (blame ages, ``git log`` searches and the base revision all
  start from it);
* today's date (expiry dates are compared with it);
* the same again for the ``--base`` revision, and the label it was given
  (messages quote it).

Change any of those and the key changes, so an entry is never stale; a
missing, truncated or foreign file is a miss. One file,
``results.pickle`` in the cache folder, holds the last few entries and is
replaced atomically.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from flaglint.cache.store import KeyedStore
from flaglint.encoding import utf8
from flaglint.facts.model import FileFacts
from flaglint.findings import Finding
from flaglint.gate.suppressions import Suppression
from flaglint.stamp import code_stamp

if TYPE_CHECKING:
    from flaglint.project import Project
    from flaglint.rules.base import Rule

FORMAT = 2
RESULTS = "results.pickle"
# Entries kept: a work tree, its staged index and a base or two.
KEEP = 8


def tree_key(project: Project, rules: Sequence[type[Rule]], head: str) -> str | None:
    """The key of ``project``'s findings under ``rules``; None when it cannot be known.

    ``head`` is :func:`flaglint.history.head_state`: whether the clone is
    shallow and the commit ``HEAD`` names ("" outside git or before the first
    commit).
    """
    digest = hashlib.sha256()
    parts = [
        f"{FORMAT}:{code_stamp()}",
        dt.date.today().isoformat(),
        ",".join(r.code for r in rules),
    ]
    for part in parts:
        digest.update(utf8(part) + b"\0")
    if not _tree(digest, project, head):
        return None
    if project.base is not None:
        digest.update(utf8(f"base:{project.base_revision}:{project.base.label}\0"))
        if not _tree(digest, project.base, head):
            return None
    return digest.hexdigest()


def _tree(digest: hashlib._Hash, project: Project, head: str) -> bool:
    digest.update(utf8(repr(project.config)) + b"\0")
    # The history the analysis reads: the revision's, or for the work tree
    # HEAD's. A work tree whose files are HEAD's shares HEAD's key (the file
    # list below tells them apart otherwise), so a clean check answers the
    # pre-commit hook's ``--base HEAD --new-only`` run of the base tree.
    shallow, _, commit = head.partition(" ")
    digest.update(utf8(f"at:{project.revision or commit}:{shallow}\0"))
    for path, module, error in project.listing():
        blob = project.blob_ids.get(path)
        if blob is None:
            if not error:
                return False  # facts of unknown content: nothing to key them by
            blob = f"error:{error}"
        digest.update(utf8(f"{path}\0{module}\0{blob}\0"))
    return True


class Stored(NamedTuple):
    """A tree's findings, and what the gate and the report read of its facts: every
    file's suppression comments and the files that could not be read or parsed."""

    findings: Sequence[Finding]
    suppressions: list[Suppression]
    errors: list[FileFacts]


class ResultCache:
    """Findings by :func:`tree_key`; a ``None`` directory disables it."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self._store: KeyedStore[Stored] = KeyedStore(directory, RESULTS, f"results:{FORMAT}", KEEP)

    def get(self, key: str) -> Stored | None:
        found = self._store.get(key)
        return found if isinstance(found, Stored) else None

    def put(self, key: str, stored: Stored) -> None:
        self._store.put(key, stored)
