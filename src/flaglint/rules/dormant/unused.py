"""vulture's opinion on chosen files: what it reports unused, by path and line.

vulture is run through its API (``Vulture.scan`` on source text), never as a
subprocess and never importing the analysed code. Sources are passed in as
text so that a revision read from git objects is scanned exactly like the
work tree. vulture only ever sees the files a rule asks about: its verdicts
are name-based, so the caller decides which files can hold a use of a name.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from flaglint.cache.facts import blob_id
from flaglint.encoding import utf8
from flaglint.facts.parse import lower_new_syntax

# The cache file of vulture's verdicts (flaglint.cache.store), by sources_key.
VULTURE_STORE = "vulture.pickle"
# What vulture calls the definitions flaglint's graph knows as functions and classes.
DEFINITION_TYPES = frozenset({"function", "method", "class", "property"})


@dataclass(frozen=True, slots=True)
class UnusedItem:
    """One vulture report: a definition nobody uses, or code that cannot run."""

    path: str
    name: str
    kind: str  # vulture's type: function, method, class, property, unreachable_code, ...
    first_line: int
    last_line: int
    confidence: int
    message: str


class UnusedReport:
    """vulture's reports over a set of files, looked up by path and line span."""

    def __init__(self, items: list[UnusedItem]) -> None:
        self.items = sorted(items, key=lambda i: (i.path, i.first_line, i.name))
        self._by_path: dict[str, list[UnusedItem]] = defaultdict(list)
        for item in self.items:
            self._by_path[item.path].append(item)

    def definition(self, path: str, line: int, name: str) -> UnusedItem | None:
        """vulture's report on the function or class ``name`` defined at ``line``."""
        for item in self._by_path.get(path, ()):
            if item.kind in DEFINITION_TYPES and item.first_line == line and item.name == name:
                return item
        return None

    def within(self, path: str, first: int, last: int, kinds: frozenset[str]) -> list[UnusedItem]:
        return [
            item
            for item in self._by_path.get(path, ())
            if item.kind in kinds and first <= item.first_line <= last
        ]


def sources_key(sources: Mapping[str, bytes]) -> str:
    """A key for vulture's verdict on exactly these files (paths, contents, vulture's version)."""
    from vulture import __version__ as vulture_version

    digest = hashlib.sha256(utf8(vulture_version))
    for path in sorted(sources):
        digest.update(utf8(f"\0{path}\0{blob_id(sources[path])}"))
    return digest.hexdigest()


def _parses(text: str) -> bool:
    import ast

    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def scan_sources(sources: Mapping[str, bytes]) -> UnusedReport:
    """Run vulture over ``sources`` (path -> content) and collect what it reports.

    A file in newer grammar than this Python's is read lowered (as the facts
    are); a name mentioned in a file that still cannot be parsed is never
    reported unused: vulture would miss the uses that file holds.
    """
    from vulture import Vulture
    from vulture.utils import ExitCode

    vulture = Vulture(verbose=False)
    # vulture reports unparsable input on stderr itself; flaglint has FL901 for that.
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        unparsed: list[bytes] = []
        for path in sorted(sources):
            text = sources[path].decode("utf-8", "replace")
            # vulture parses the file itself and says so when it cannot: only then is
            # it asked again (parsing each file first, to see, was a fifth of FL101).
            vulture.exit_code = ExitCode.NoDeadCode
            vulture.scan(text, filename=path)
            if vulture.exit_code != ExitCode.InvalidInput or _parses(text):
                continue  # read (a bad type comment stops vulture, not the parse)
            # Newer grammar than this Python's: vulture reads it lowered, as the facts are.
            lowered = lower_new_syntax(sources[path])
            if lowered is None or not _parses(lowered):
                unparsed.append(sources[path])  # the uses it holds are unseen
                continue
            vulture.scan(lowered, filename=path)
        found = [
            item
            for item in vulture.get_unused_code(min_confidence=0)
            if not any(utf8(item.name) in content for content in unparsed)
        ]
    items = [
        UnusedItem(
            path=str(item.filename.as_posix()),
            name=item.name,
            kind=item.typ,
            first_line=item.first_lineno,
            last_line=item.last_lineno,
            confidence=item.confidence,
            message=item.message,
        )
        for item in found
    ]
    return UnusedReport(items)
