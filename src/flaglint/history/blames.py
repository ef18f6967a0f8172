"""Who last changed each line: ``git blame`` of the lines asked about, in the background."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import Future
from flaglint.history.repository import (
    UNCOMMITTED,
    CommitInfo,
    HistoryError,
    git,
    repo_path,
    toplevel,
)


# ------------------------------------------------------------------- blame
@dataclass(frozen=True, slots=True)
class BlameLine:
    """When a line was last changed: the commit and its author time (epoch seconds)."""

    commit: str
    author_time: int


IGNORE_REVS_FILE = ".git-blame-ignore-revs"
# Lines ``first..last`` (1-based, inclusive).
Span = tuple[int, int]
# How many reformatting commits in a row a function's age looks past.
REFORMATS_SKIPPED = 3


def blame(
    repo: Path,
    path: str,
    revision: str = "",
    ignore_revs: Sequence[str] = (),
    contents: bytes | None = None,
    spans: Sequence[Span] = (),
) -> dict[int, BlameLine]:
    """Line number -> last change, from one ``git blame --porcelain`` of the file.

    Only the lines of ``spans`` are blamed when given (``-L`` each), else the
    whole file. git follows only those lines back through history: on koku's
    five blamed files, 24 functions and gate lines cost 0.6 s where their
    whole files cost 4.1 s. (Which of two identical lines a move or copy
    came from can depend on what else is blamed: 2 of those 247 lines got
    another commit. The spans asked are a function of the analysed code, so
    the answers are too.)

    Without ``revision`` the work tree is blamed, so uncommitted edits count as
    changed now; ``contents`` stands for the file's text there (an editor's
    buffer). Lines git can only attribute to a shallow clone's boundary
    commit are left out: their real age is unknown, and guessing it would
    make everything look as old as the clone.

    Ages must survive formatting: whitespace changes (``-w``) and lines moved
    or copied within and between files (``-M -C``) keep their older commit;
    so do the commits listed in the repository's ``.git-blame-ignore-revs``
    (or ``blame.ignoreRevsFile``) and in ``ignore_revs``.
    """
    # Text conversion filters are programs the repository's configuration names.
    args = ["blame", "--porcelain", "--root", "--no-textconv", "-w", "-M", "-C"]
    for commit in ignore_revs:
        args += ["--ignore-rev", commit]
    for first, last in spans:
        args += ["-L", f"{first},{last}"]
    given = None if revision else contents  # a revision is blamed as committed
    if revision:
        args.append(revision)
    elif given is not None:
        args += ["--contents", "-"]
    out = _blame_honouring_ignore_file(repo, args, path, revision, given)
    times: dict[str, int] = {}
    boundary: set[str] = set()
    owner: dict[int, str] = {}
    commit = ""
    for raw in out.split(b"\n"):
        if not raw or raw.startswith(b"\t"):
            continue
        parts = raw.split(b" ")
        if len(parts[0]) in (40, 64) and len(parts) in (3, 4) and parts[1].isdigit():
            commit = parts[0].decode()
            owner[int(parts[2])] = commit
        elif parts[0] == b"author-time" and len(parts) == 2:
            times[commit] = int(parts[1])
        elif parts[0] == b"boundary":
            boundary.add(commit)
    return {
        line: BlameLine(sha, times[sha])
        for line, sha in owner.items()
        if sha in times and sha not in boundary
    }


def _blame_honouring_ignore_file(
    repo: Path, args: list[str], path: str, revision: str, contents: bytes | None = None
) -> bytes:
    """Run blame with the repository's ignore-revs file; without it when git cannot use it.

    git reads ``blame.ignoreRevsFile`` itself; ``.git-blame-ignore-revs`` (the
    name GitHub honours) is passed when that is not set, as the analysed
    revision has it. A file git rejects (a commit a shallow clone lacks, a
    missing file) must not cost the ages: the blame is run again without it.
    """
    try:
        configured = bool(git(repo, "config", "--get", "blame.ignoreRevsFile").strip())
    except HistoryError:
        configured = False
    listed = [] if configured else _ignore_revs_listed(repo, revision)  # git reads its own
    extra = [arg for commit in listed for arg in ("--ignore-rev", commit)]
    try:
        return git(repo, *args, *extra, "--", path, input_bytes=contents)
    except HistoryError:
        if not configured and not extra:
            raise  # no ignore-revs file was used: the same blame would fail again
        return git(repo, "-c", "blame.ignoreRevsFile=", *args, "--", path, input_bytes=contents)


def _ignore_revs_listed(repo: Path, revision: str) -> list[str]:
    """Commits listed in ``.git-blame-ignore-revs`` (at ``revision``), known to this clone."""
    try:
        if revision:
            text = git(repo, "show", f"{revision}:{IGNORE_REVS_FILE}")
        else:
            text = (repo / IGNORE_REVS_FILE).read_bytes()
    except (HistoryError, OSError):
        return []
    wanted = []
    for raw in text.decode("utf-8", "replace").splitlines():
        commit = raw.split("#", 1)[0].strip()
        if len(commit) in (40, 64) and all(c in "0123456789abcdef" for c in commit.lower()):
            wanted.append(commit)
    if not wanted:
        return []
    # --ignore-rev of a commit the clone lacks is an error: keep those it has.
    try:
        out = git(repo, "cat-file", "--batch-check", input_bytes="\n".join(wanted).encode())
    except HistoryError:
        return []
    found = [line.split() for line in out.decode().splitlines()]
    return [parts[0] for parts in found if len(parts) == 3 and parts[1] == "commit"]


def reformat_only(repo: Path, commit: str, path: str) -> bool:
    """Whether ``commit`` changed ``path`` without changing its syntax tree (a reformat).

    Compared with the first parent; a new file, a rename, a root commit or a
    side that does not parse is a real change. Both sides are parsed as the
    facts are, so a rewrite into newer syntax (``except (A, B):`` to
    ``except A, B:``, a formatter targeting 3.14) is a reformat here too.
    """
    import ast

    from flaglint.facts.parse import parse_source

    try:
        after = git(repo, "show", f"{commit}:{path}")
        before = git(repo, "show", f"{commit}^:{path}")
    except HistoryError:
        return False
    try:
        return ast.dump(parse_source(before)) == ast.dump(parse_source(after))
    except (SyntaxError, ValueError):
        return False


class BlameCache:
    """Blames files on demand, each span set at most once per run; failures become ``{}``.

    A file git cannot blame (untracked, outside the repository) simply has no
    ages, so the evidence that needs them is not offered.
    """

    def __init__(
        self,
        root: Path,
        revision: str = "",
        stored: dict[str, object] | None = None,
        key: Callable[[str], str | None] | None = None,
        contents: Mapping[str, bytes] | None = None,
    ) -> None:
        """``stored`` and ``key``: answers kept between runs (see :class:`BlameStore`).

        ``key(path)`` names a file's blame when it can be stored (its content is
        committed), else None; ``stored`` maps those names to blames and
        reformat verdicts, and takes the new ones.
        """
        self.root = root
        self.revision = revision
        self.stored = stored if stored is not None else {}
        self.key = key
        self.contents = contents or {}  # buffers blamed instead of the files on disk
        # Per file, the lines that will be asked about (prefetch); none: the whole file.
        self._spans: dict[str, tuple[Span, ...]] = {}
        # (path, spans, ignored commits) -> blame, done or under way.
        self._done: dict[tuple[str, tuple[Span, ...], tuple[str, ...]], dict[int, BlameLine]] = {}
        self._pending: dict[
            tuple[str, tuple[Span, ...], tuple[str, ...]], Future[dict[int, BlameLine]]
        ] = {}
        self._reformats: dict[tuple[str, str], bool] = {}
        try:
            self.repo: Path | None = toplevel(root)
        except HistoryError:
            self.repo = None

    @property
    def available(self) -> bool:
        return self.repo is not None

    def prefetch(
        self, wanted: Mapping[str, Sequence[Span]], workers: int = 4, wait: bool = True
    ) -> None:
        """Blame the lines of ``wanted`` (path -> spans; none: the whole file) concurrently.

        Later questions about a file are answered from one blame of all its
        spans; a question outside them gets a blame of its own. git does the
        work; threads mostly wait. With ``wait=False`` the blames go on in the
        background and :meth:`newest` waits for the one it needs, so the
        caller can work meanwhile (FL101 runs vulture while git blames).
        """
        from concurrent.futures import ThreadPoolExecutor

        keys = []
        for path in sorted(wanted):
            if path in self._spans:
                continue
            self._spans[path] = spans = merged_spans(wanted[path])
            keys.append((path, spans, ()))
        if self.repo is None or not keys:
            return
        pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(keys))))
        for path, spans, ignored in keys:
            self._pending[(path, spans, ignored)] = pool.submit(self._blame, path, spans, ignored)
        pool.shutdown(wait=wait)
        if wait:
            for found in keys:
                self._lines(*found)

    def _blame(
        self, path: str, spans: tuple[Span, ...] = (), ignored: tuple[str, ...] = ()
    ) -> dict[int, BlameLine]:
        assert self.repo is not None
        name = self.key(path) if self.key is not None else None
        if name is not None:
            name = ":".join((name, *ignored))
            if spans:
                name += "@" + ",".join(f"{first}-{last}" for first, last in spans)
            found = self.stored.get(name)
            if isinstance(found, dict):
                return {
                    line: BlameLine(commit, time)
                    for commit, (time, lines) in found.items()
                    for line in lines
                }
        try:
            relative = repo_path(self.repo, self.root, path)
            buffer = self.contents.get(path)
            try:
                lines = blame(self.repo, relative, self.revision, ignored, buffer, spans)
            except HistoryError:
                if not spans:
                    raise
                # git refuses a whole blame when one ``-L`` starts past the end of
                # the text it blames (``--staged`` asks the index's lines of the
                # work-tree file): the whole file answers the other lines.
                lines = blame(self.repo, relative, self.revision, ignored, buffer)
        except (HistoryError, ValueError):
            return {}  # not stored: git may answer next time
        if name is not None:  # commit -> (time, its lines): small, and plain data
            kept: dict[str, tuple[int, list[int]]] = {}
            for line, found_line in sorted(lines.items()):
                kept.setdefault(found_line.commit, (found_line.author_time, []))[1].append(line)
            self.stored[name] = kept
        return lines

    def _lines(
        self, path: str, spans: tuple[Span, ...], ignored: tuple[str, ...]
    ) -> dict[int, BlameLine]:
        key = (path, spans, ignored)
        pending = self._pending.pop(key, None)
        if pending is not None:
            self._done[key] = pending.result()
        if key not in self._done:
            self._done[key] = self._blame(*key) if self.repo is not None else {}
        return self._done[key]

    def newest(self, path: str, first: int, last: int) -> BlameLine | None:
        """The most recent real change among lines ``first..last`` (None when unknown).

        A commit that only reformatted the file (the same syntax tree before
        and after: black, ruff format, a quote-style sweep) is not a change:
        the lines are blamed again past it, at most ``REFORMATS_SKIPPED`` times.
        """
        spans = self._spans.get(path, ())
        if spans and not any(a <= first and last <= b for a, b in spans):
            spans = merged_spans([(first, last)])  # not foreseen: blamed on its own
        ignored: tuple[str, ...] = ()
        newest: BlameLine | None = None
        for _ in range(REFORMATS_SKIPPED + 1):
            lines = self._lines(path, spans, ignored)
            found = [lines[n] for n in range(first, last + 1) if n in lines]
            if not found:
                return newest
            newest = max(found, key=lambda b: b.author_time)
            if not self._reformat_only(newest.commit, path):
                return newest
            ignored = (*ignored, newest.commit)
        return newest

    def _reformat_only(self, commit: str, path: str) -> bool:
        if self.repo is None or set(commit) == {"0"}:
            return False
        key = (commit, path)
        if key not in self._reformats:
            try:
                relative = repo_path(self.repo, self.root, path)
            except ValueError:
                relative = ""
            name = f"reformat:{commit}:{relative}"  # a commit never changes
            found = self.stored.get(name)
            if not isinstance(found, bool):
                found = bool(relative) and reformat_only(self.repo, commit, relative)
                self.stored[name] = found
            self._reformats[key] = found
        return self._reformats[key]


def merged_spans(spans: Iterable[Span]) -> tuple[Span, ...]:
    """``spans`` sorted, with overlapping and adjacent ones joined (lines start at 1)."""
    merged: list[Span] = []
    for first, last in sorted((max(1, a), max(1, a, b)) for a, b in spans):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return tuple(merged)


def blame_line_commits(repo: Path, path: str, lines: Sequence[int]) -> dict[int, CommitInfo | None]:
    """The commit that last changed each of ``lines`` of the work-tree file ``path``.

    One ``git blame`` answers for every line of the file; a line not committed
    yet maps to None. ``path`` is relative to ``repo``.
    """
    wanted = sorted(set(lines))
    if not wanted:
        return {}
    ranges = [arg for line in wanted for arg in ("-L", f"{line},{line}")]
    out = git(repo, "blame", "--porcelain", "--no-textconv", *ranges, "--", path)
    line_commit: dict[int, str] = {}
    stamps: dict[str, int] = {}
    subjects: dict[str, str] = {}
    commit = ""
    for raw in out.split(b"\n"):
        head, _, rest = raw.partition(b" ")
        if len(head) == 40 and all(c in b"0123456789abcdef" for c in head):
            commit = head.decode()
            line_commit[int(rest.split(b" ")[1])] = commit
        elif head == b"author-time":
            stamps[commit] = int(rest)
        elif head == b"summary":
            subjects[commit] = rest.decode("utf-8", "replace")
    return {
        line: None
        if commit == UNCOMMITTED
        else CommitInfo(commit, stamps.get(commit, 0), subjects.get(commit, ""))
        for line, commit in sorted(line_commit.items())
    }
