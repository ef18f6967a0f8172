"""Evidence that a function is dormant: deprecation markers, age against its gate, vulture.

Rules ask :class:`DormancyEvidence` about functions of the call graph; it
reads facts for markers (no I/O), git blame for ages (only the files it is
asked about, each blamed once) and vulture for unused or unreachable code
(only the files it is given). Sources at a revision come from git objects,
so a tag is analysed exactly like the work tree.
"""

from __future__ import annotations

import datetime as dt
import pickle
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flaglint import history
from flaglint.cache import background
from flaglint.cache.store import KeyedStore
from flaglint.callgraph import NodeInfo
from flaglint.facts.model import Call, FileFacts
from flaglint.findings import Location
from flaglint.rules.dormant.ages import BlameStore
from flaglint.rules.dormant.labels import calls_itself_old, side_label
from flaglint.rules.dormant.unused import VULTURE_STORE, UnusedReport, scan_sources, sources_key

if TYPE_CHECKING:
    from flaglint.project import Project

DEPRECATED_DECORATORS = frozenset(
    {
        "warnings.deprecated",
        "typing_extensions.deprecated",
        "deprecated.deprecated",
        "deprecated.classic.deprecated",
        "deprecated.sphinx.deprecated",
        "deprecation.deprecated",
    }
)
DEPRECATION_CATEGORIES = frozenset({"DeprecationWarning", "PendingDeprecationWarning"})
WARN_FUNCTIONS = frozenset({"warnings.warn", "warnings.warn_explicit"})
# vulture reports that say a function's own code can no longer run.
ROT_KINDS = frozenset({"unreachable_code"})
DAY = 86400


@dataclass(frozen=True, slots=True)
class Evidence:
    """One reason to call a function dormant, and where it was seen."""

    kind: str  # marker | age | vulture
    text: str
    location: Location


def words_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """Whole-word, case-insensitive match of any configured deprecation word."""
    escaped = [re.escape(w.strip()) for w in words if w.strip()]
    if not escaped:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(escaped) + r")(?!\w)", re.IGNORECASE)


# What a description says of its own subject: "this function is deprecated",
# "it is no longer used", "was legacy"; not "fills rows in the legacy format".
_SUBJECT = (
    r"(?:^|\b(?:this|it|which)\s+)(?:\w+\s+)?(?:is|was|has\s+been)\s+"
    r"(?:now\s+)?(?:considered\s+)?(?:a\s+)?"
)


def self_described(text: str, words: re.Pattern[str], docstring: bool = True) -> str:
    """A deprecation word that a docstring or comment says of the function itself, or "".

    Counted: a phrase of several words anywhere in the summary ("no longer
    used"), a word that opens the summary ("Deprecated: use X", "Legacy
    matcher."), a word predicated of the subject ("This view is obsolete"),
    and in a docstring a later line opening with it (``.. deprecated:: 2.0``,
    "Deprecated since 3.1"). A word describing data or a mode in passing
    ("clears rows processed via the legacy path") is not.
    """
    summary = " ".join(text.strip().split("\n\n", 1)[0].split())
    for match in words.finditer(summary):
        word = match.group(0)
        opening = not summary[: match.start()].strip(" .:!*-#'\"`()[]")
        predicated = re.search(_SUBJECT + r"$", summary[: match.start()], re.IGNORECASE)
        if " " in word.strip() or opening or predicated:
            return word
    if docstring:
        for line in text.splitlines()[1:]:
            match = words.match(line.strip().lstrip(".:!*- ").strip())
            if match:
                return match.group(0)
    return ""


def iso_date(epoch: int) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).date().isoformat()


# Below this much source, vulture's verdict (about 1 MB a second) is not worth a child.
BACKGROUND_SCAN_BYTES = 200_000


class DormancyEvidence:
    """Answers "why is this function dormant?" for one project."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.words = words_pattern(project.config.deprecation_words)
        self.store = BlameStore(project)
        # Reformat verdicts are stored as they are found: only where blames are too.
        stored = self.store.entries if self.store.usable() else {}
        self.blame = history.BlameCache(
            project.config.root, project.revision, stored, self.store.key, project.contents
        )
        self.unused = UnusedReport([])
        self.sources: dict[str, bytes] = {}
        self._lines: dict[str, list[str]] = {}
        # What ``start_scan`` read (the paths, their sources) for ``scan`` of the same
        # paths, and the verdict it began aside: the key of those sources, the child.
        self._read: tuple[tuple[str, ...], dict[str, bytes]] | None = None
        self._pending: tuple[str, background.Pending] | None = None

    # -------------------------------------------------------------- markers
    def markers(self, info: NodeInfo) -> list[Evidence]:
        """Deprecation decorators, ``warnings.warn(..., DeprecationWarning)``, words."""
        definition = info.definition
        if definition is None:
            return []
        facts = info.facts
        found: list[Evidence] = []
        here = Location(facts.path, definition.line, definition.col + 1)
        scope = definition.qualname.rpartition(".")[0]
        scope_name = definition.qualname
        for decorator in definition.decorators:
            resolved = self.project.resolver.resolve(facts.module, decorator, scope)
            if resolved in DEPRECATED_DECORATORS or decorator.rpartition(".")[2] == "deprecated":
                found.append(Evidence("marker", f"decorated @{decorator}", here))
                break
        for call in facts.calls:
            category = self._deprecation_warning(facts, call) if call.scope == scope_name else ""
            if category:
                found.append(
                    Evidence(
                        "marker",
                        f"warns {category}",
                        Location(facts.path, call.line, call.col + 1, f"warns {category}"),
                    )
                )
                break
        if self.words is not None:
            for text, where in (
                (definition.docstring, "docstring"),
                (definition.leading_comment, "comment"),
            ):
                word = self_described(text, self.words, docstring=where == "docstring")
                if word:
                    found.append(Evidence("marker", f"{where} says '{word}'", here))
                    break
        if not found:
            # Facts keep a leading comment only when it holds a deprecation word: "# This is
            # the old path" is read from the scanned source.
            for text, where in (
                (definition.docstring, "docstring"),
                (definition.leading_comment or self.comment_above(info), "comment"),
            ):
                phrase = calls_itself_old(text)
                if phrase:
                    found.append(Evidence("marker", f"{where} says '{phrase[:60]}'", here))
                    break
        if not found and info.kind == "method":
            owner = self.project.graph.nodes.get(f"{facts.module}.{scope}")
            if owner is not None and owner.kind == "class":
                for evidence in self.markers(owner):
                    found.append(Evidence("marker", f"its class: {evidence.text}", here))
                    break
        return found

    def _deprecation_warning(self, facts: FileFacts, call: Call) -> str:
        """The category of a ``warnings.warn`` call that announces a deprecation, else ""."""
        if self.project.resolver.call_target(facts, call) not in WARN_FUNCTIONS:
            return ""
        for arg in call.args:
            category = arg.text.rpartition(".")[2]
            if arg.kind != "name" or category not in DEPRECATION_CATEGORIES:
                continue
            if arg.keyword == "category" or arg.position == 1:
                return category
        return ""

    # ------------------------------------------------------------------ age
    def prefetch(self, spans: Mapping[str, Sequence[tuple[int, int]]]) -> None:
        """Start blaming the lines that will be asked about (path -> spans), once per file.

        The blames run in the background; the first question about a file waits for its answer.
        """
        self.blame.prefetch(spans, wait=False)

    def save(self) -> None:
        """Keep this run's new blames for the next run."""
        self.store.save()

    def last_change(self, path: str, first: int, last: int) -> history.BlameLine | None:
        return self.blame.newest(path, first, last)

    def age_gap(self, info: NodeInfo, gate_path: str, gate_lines: Sequence[int]) -> Evidence | None:
        """The function last changed ``dormant-after-days`` or more before its gate."""
        definition = info.definition
        if definition is None or not self.blame.available:
            return None
        code = self.last_change(info.facts.path, definition.line, definition.end_line)
        gates = [self.last_change(gate_path, n, n) for n in gate_lines]
        known = [g for g in gates if g is not None]
        if code is None or not known:
            return None
        gate = max(known, key=lambda b: b.author_time)
        days = (gate.author_time - code.author_time) // DAY
        if days < self.project.config.dormant_after_days:
            return None
        return Evidence(
            "age",
            f"last changed {iso_date(code.author_time)}, {days} days before its gate "
            f"(changed {iso_date(gate.author_time)})",
            Location(
                info.facts.path,
                definition.line,
                definition.col + 1,
                f"last changed {iso_date(code.author_time)} in {code.commit[:10]}",
            ),
        )

    # -------------------------------------------------------------- vulture
    def scan(self, paths: Iterable[str], also: Iterable[str] = ()) -> None:
        """Run vulture over ``paths`` (and only those), or recall its verdict on the same text.

        The files in ``also`` are read for their comments, not given to vulture.
        A verdict :meth:`start_scan` began on the same text is waited for, and the
        files it read are not read again.
        """
        paths = tuple(paths)
        read, self._read = self._read, None
        sources = read[1] if read is not None and read[0] == paths else None
        if sources is None:
            sources = read_sources(self.project, paths)
        store = self._vulture_store()
        self.sources = {**read_sources(self.project, also), **sources}
        self._lines = {}
        key = sources_key(sources)
        report = store.get(key)
        pending, self._pending = self._pending, None
        sent = None
        if report is None and pending is not None and pending[0] == key:
            sent = pending[1].result()
        elif pending is not None:  # not this text's, or stored meanwhile by another run
            pending[1].discard()
        if report is None:
            report = pickle.loads(sent) if sent is not None else scan_sources(sources)
            store.put(key, report)
        self.unused = report

    def start_scan(self, paths: Iterable[str]) -> None:
        """Begin vulture's verdict on ``paths`` in a forked child, for :meth:`scan`.

        vulture is the longest step of FL101's check after the graph (1.4 s of
        koku's cold check, with one core idle): run aside, it overlaps the other
        rules. Nothing starts where the verdict is stored or no child may be forked.
        """
        paths = tuple(paths)
        sources = read_sources(self.project, paths)
        self._read = (paths, sources)
        if sum(map(len, sources.values())) < BACKGROUND_SCAN_BYTES:
            return  # scanned sooner than a child is forked
        key = sources_key(sources)
        if self._vulture_store().get(key) is not None:
            return

        def work() -> bytes:
            return pickle.dumps(scan_sources(sources), pickle.HIGHEST_PROTOCOL)

        started = background.compute(work)
        self._pending = (key, started) if started is not None else None

    def _vulture_store(self) -> KeyedStore[UnusedReport]:
        return KeyedStore(self.project.cache_directory, VULTURE_STORE, "vulture:2", keep=4)

    def lines(self, path: str) -> list[str] | None:
        """The lines of a scanned file, decoded and split once per file."""
        if path not in self._lines:
            source = self.sources.get(path)
            if source is None:
                return None
            self._lines[path] = source.decode("utf-8", "replace").splitlines()
        return self._lines[path]

    def comment_above(self, info: NodeInfo) -> str:
        """The comment lines right above a definition (and its decorators), read from the
        scanned source: facts keep leading comments only when they hold a marker word."""
        definition = info.definition
        lines = self.lines(info.facts.path) if definition is not None else None
        if definition is None or lines is None:
            return ""
        texts: list[str] = []
        for index in range(min(definition.line - 1, len(lines)) - 1, -1, -1):
            stripped = lines[index].strip()
            if stripped.startswith("#"):
                texts.append(stripped.lstrip("#").strip())
            elif not stripped.startswith("@"):
                break
        return " ".join(reversed(texts))

    def side_label(self, path: str, call_line: int, gate_lines: list[int]) -> Evidence | None:
        """A comment that labels the gated side holding ``call_line`` as the old one."""
        lines = self.lines(path)
        if lines is None:
            return None
        label = side_label(lines, call_line, gate_lines)
        if not label:
            return None
        text = f"its side of the gate is labelled '{label[:60]}'"
        return Evidence("marker", text, Location(path, call_line, 1, text))

    def vulture(self, info: NodeInfo) -> Evidence | None:
        definition = info.definition
        if definition is None:
            return None
        path = info.facts.path
        item = self.unused.definition(path, definition.line, definition.name)
        if item is None:
            rot = self.unused.within(path, definition.line, definition.end_line, ROT_KINDS)
            item = rot[0] if rot else None
        if item is None:
            return None
        return Evidence(
            "vulture",
            f"vulture: {item.message} ({item.confidence}% confidence)",
            Location(path, item.first_line, 1, f"vulture: {item.message}"),
        )


def read_sources(project: Project, paths: Iterable[str]) -> dict[str, bytes]:
    """Contents of project files: from git objects for a revision, else from disk."""
    wanted = sorted({p for p in paths if p in project.by_path})
    root = project.config.root
    if project.revision:
        repo = history.toplevel(root)
        return history.read_files(repo, root, project.revision, wanted)
    found = {path: project.source(path) for path in wanted}
    return {path: content for path, content in found.items() if content is not None}
