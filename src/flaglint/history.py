"""Everything that talks to git.

Files at a revision come from one ``git ls-tree`` and one streaming
``git cat-file --batch`` (never a process per file), so facts for a revision
are built without a checkout and share cache entries with the work tree by
blob id. The history of flag keys comes from one streaming ``git log -G``
per batch of keys, never a process per key or per commit. Errors are
:class:`HistoryError` with a sentence saying what to do.
"""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import Future


class HistoryError(Exception):
    """Git cannot answer: not a repository, unknown revision, shallow history."""


@dataclass(frozen=True, slots=True)
class Blob:
    path: str
    blob_id: str


def git(repo: Path, *args: str, input_bytes: bytes | None = None) -> bytes:
    try:
        result = subprocess.run(
            ["git", *args], cwd=repo, input=input_bytes, capture_output=True, check=False
        )
    except OSError as exc:  # git missing
        raise HistoryError(f"cannot run git: {exc}") from None
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise HistoryError(message[-1] if message else f"git {args[0]} failed")
    return result.stdout


def toplevel(path: Path) -> Path:
    """The work tree root containing ``path``."""
    try:
        out = git(path if path.is_dir() else path.parent, "rev-parse", "--show-toplevel")
    except HistoryError:
        raise HistoryError(
            f"{path} is not inside a git repository; --base needs git history"
        ) from None
    return Path(out.decode().strip())


def verify_revision(repo: Path, revision: str) -> str:
    """The full commit id of ``revision``, or a clear error."""
    try:
        commit = git(repo, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    except HistoryError:
        shallow = git(repo, "rev-parse", "--is-shallow-repository").decode().strip() == "true"
        hint = (
            "; this clone is shallow: fetch full history (git fetch --unshallow, "
            "or fetch-depth: 0 in actions/checkout)"
            if shallow
            else "; check the name, or fetch it first"
        )
        raise HistoryError(f"unknown revision '{revision}'{hint}") from None
    return commit.decode().strip()


def list_python_blobs(repo: Path, revision: str, prefix: str = "") -> list[Blob]:
    """Python files at ``revision`` (optionally under ``prefix``), with their blob ids."""
    out = git(repo, "ls-tree", "-r", "-z", "--full-tree", revision)
    # Mode 120000 is a symlink: its blob is a link target, never followed.
    blobs = [
        Blob(path, blob.decode())
        for (mode, kind, blob), path in _python_entries(out, prefix)
        if kind == b"blob" and mode != b"120000"
    ]
    return sorted(blobs, key=lambda b: b.path)


def _python_entries(out: bytes, prefix: str) -> Iterator[tuple[list[bytes], str]]:
    """The metadata fields and path of each ``.py`` entry under ``prefix`` of a -z listing."""
    for entry in out.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.partition(b"\t")
        path = name.decode("utf-8", "surrogateescape")
        if path.endswith(".py") and (not prefix or path.startswith(prefix)):
            yield meta.split(b" "), path


def read_blobs(repo: Path, blob_ids: Sequence[str]) -> Iterator[tuple[str, bytes]]:
    """Contents of many blobs through one ``git cat-file --batch`` process."""
    if not blob_ids:
        return
    process = subprocess.Popen(
        ["git", "cat-file", "--batch"],
        cwd=repo,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        # A writer thread feeds the ids while this loop reads the answers, so
        # neither pipe can fill up and stall the other side.
        def feed() -> None:
            assert process.stdin is not None
            try:
                for blob in blob_ids:
                    process.stdin.write(blob.encode() + b"\n")
                process.stdin.close()
            except BrokenPipeError:
                pass

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        for _ in blob_ids:
            header = process.stdout.readline()
            parts = header.split()
            if len(parts) < 3 or parts[1] != b"blob":
                continue
            size = int(parts[2])
            content = process.stdout.read(size)
            process.stdout.read(1)  # the newline after each object
            yield parts[0].decode(), content
        writer.join()
    finally:
        process.stdout.close()
        process.wait()


# ------------------------------------------------------------------- blame
@dataclass(frozen=True, slots=True)
class BlameLine:
    """When a line was last changed: the commit and its author time (epoch seconds)."""

    commit: str
    author_time: int


def repo_path(repo: Path, root: Path, path: str) -> str:
    """``path`` (relative to the analysed root) relative to the repository's top."""
    prefix = root.resolve().relative_to(repo.resolve()).as_posix()
    return path if prefix == "." else f"{prefix}/{path}"


def is_shallow(repo: Path) -> bool:
    return git(repo, "rev-parse", "--is-shallow-repository").decode().strip() == "true"


def blame(repo: Path, path: str, revision: str = "") -> dict[int, BlameLine]:
    """Line number -> last change, from one ``git blame --porcelain`` of the whole file.

    Without ``revision`` the work tree is blamed, so uncommitted edits count as
    changed now. Lines git can only attribute to a shallow clone's boundary
    commit are left out: their real age is unknown, and guessing it would
    make everything look as old as the clone.
    """
    args = ["blame", "--porcelain", "--root"]
    if revision:
        args.append(revision)
    out = git(repo, *args, "--", path)
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


class BlameCache:
    """Blames files on demand, each at most once per run; failures become ``{}``.

    A file git cannot blame (untracked, outside the repository) simply has no
    ages, so the evidence that needs them is not offered.
    """

    def __init__(self, root: Path, revision: str = "") -> None:
        self.root = root
        self.revision = revision
        self._files: dict[str, dict[int, BlameLine]] = {}
        self._pending: dict[str, Future[dict[int, BlameLine]]] = {}
        try:
            self.repo: Path | None = toplevel(root)
        except HistoryError:
            self.repo = None

    @property
    def available(self) -> bool:
        return self.repo is not None

    def prefetch(self, paths: Sequence[str], workers: int = 4, wait: bool = True) -> None:
        """Blame ``paths`` concurrently (git does the work; threads mostly wait).

        With ``wait=False`` the blames go on in the background and
        :meth:`lines` waits for the one it is asked for, so the caller can
        work meanwhile (FL101 runs vulture while git blames: on Home
        Assistant's cold check that hid 0.7 s of 1.5 s of blaming).
        """
        from concurrent.futures import ThreadPoolExecutor

        wanted = sorted({p for p in paths if p not in self._files and p not in self._pending})
        if self.repo is None or not wanted:
            return
        pool = ThreadPoolExecutor(max_workers=max(1, min(workers, len(wanted))))
        for path in wanted:
            self._pending[path] = pool.submit(self._blame, path)
        pool.shutdown(wait=wait)
        if wait:
            for path in wanted:
                self.lines(path)

    def _blame(self, path: str) -> dict[int, BlameLine]:
        assert self.repo is not None
        try:
            return blame(self.repo, repo_path(self.repo, self.root, path), self.revision)
        except (HistoryError, ValueError):
            return {}

    def lines(self, path: str) -> dict[int, BlameLine]:
        pending = self._pending.pop(path, None)
        if pending is not None:
            self._files[path] = pending.result()
        if path not in self._files:
            self._files[path] = self._blame(path) if self.repo is not None else {}
        return self._files[path]

    def newest(self, path: str, first: int, last: int) -> BlameLine | None:
        """The most recent change among lines ``first..last`` (None when unknown)."""
        lines = self.lines(path)
        found = [lines[n] for n in range(first, last + 1) if n in lines]
        return max(found, key=lambda b: b.author_time) if found else None


def read_files(repo: Path, root: Path, revision: str, paths: Sequence[str]) -> dict[str, bytes]:
    """Contents of ``paths`` (relative to ``root``) at ``revision``, without a checkout."""
    wanted = {repo_path(repo, root, p): p for p in paths}
    prefix = root.resolve().relative_to(repo.resolve()).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    by_blob: dict[str, list[str]] = {}
    for found in list_python_blobs(repo, revision, prefix):
        if found.path in wanted:
            by_blob.setdefault(found.blob_id, []).append(wanted[found.path])
    out: dict[str, bytes] = {}
    for blob_id, content in read_blobs(repo, sorted(by_blob)):
        for path in by_blob.get(blob_id, []):
            out[path] = content
    return out


def list_index_blobs(repo: Path, prefix: str = "") -> list[Blob]:
    """Python files staged in the index (what ``git commit`` would record), with blob ids."""
    out = git(repo, "ls-files", "--stage", "-z")
    # Stage 0 only: a file in the middle of a merge conflict has no single content.
    blobs = [
        Blob(path, blob.decode())
        for (mode, blob, stage), path in _python_entries(out, prefix)
        if stage == b"0" and mode != b"120000"
    ]
    return sorted(blobs, key=lambda b: b.path)


def head_state(path: Path) -> str:
    """What ``HEAD`` names at ``path`` and whether the clone is shallow, as one string.

    "" outside a repository or before the first commit. Analyses of the work
    tree that read history (blame ages, ``git log`` searches) change when
    this does.
    """
    try:
        out = git(path, "rev-parse", "--is-shallow-repository", "HEAD")
    except HistoryError:
        return ""
    return " ".join(out.decode().split())


def has_commits(repo: Path) -> bool:
    """False in a repository whose current branch has no commit yet."""
    try:
        git(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except HistoryError:
        return False
    return True


# ------------------------------------------------------------------ audit
# What ``flaglint audit`` asks of the history: when each flag key was first
# and last written or removed (one ``git log -G`` pass for all keys), and which
# commit last changed each gate line (one ``git blame`` per file, every line of
# interest in one run).


@dataclass(frozen=True, slots=True)
class CommitInfo:
    """A commit as reports show it; ``timestamp`` is the author time (UTC seconds)."""

    commit: str
    timestamp: int
    subject: str

    @property
    def date(self) -> str:
        import datetime as dt

        return dt.datetime.fromtimestamp(self.timestamp, dt.timezone.utc).date().isoformat()


@dataclass(frozen=True, slots=True)
class KeyMentions:
    """The first and the last commit whose diff added or removed a line naming a key."""

    first: CommitInfo
    last: CommitInfo


UNCOMMITTED = "0" * 40
_COMMIT_MARK = b"\x00commit\x1f"


def is_work_tree(path: Path) -> bool:
    """Whether ``path`` lies inside a git work tree (with git installed)."""
    try:
        return git(path, "rev-parse", "--is-inside-work-tree").strip() == b"true"
    except HistoryError:
        return False


def commit_info(repo: Path, revision: str = "HEAD") -> CommitInfo | None:
    """One commit (default: the one checked out); None when there is no such commit."""
    try:
        out = git(repo, "log", "-1", "--format=%H%x1f%at%x1f%s", revision, "--")
    except HistoryError:
        return None
    return _commit_info(out.decode("utf-8", "replace").strip())


@dataclass(frozen=True, slots=True)
class KeyChange:
    """How one commit changed the number of quoted occurrences of a key."""

    commit: CommitInfo
    delta: int


# git's argument limit is far above this; the bound keeps each -G regex cheap to compile.
MAX_PATTERN_CHARS = 16_000
_HUNK = re.compile(rb"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_ERE_SPECIAL = re.compile(r"([\\.^$|?*+()\[\]{}])")


def shallow(repo: Path) -> bool:
    return git(repo, "rev-parse", "--is-shallow-repository").strip() == b"true"


def dirty_paths(repo: Path, pathspec: str = ".") -> list[str]:
    """Tracked files with uncommitted changes (untracked files are not counted)."""
    out = git(repo, "status", "--porcelain", "-z", "--untracked-files=no", "--", pathspec)
    paths: list[str] = []
    entries = iter(out.split(b"\0"))
    for entry in entries:
        if len(entry) < 4:
            continue
        paths.append(entry[3:].decode("utf-8", "surrogateescape"))
        if entry[:1] in (b"R", b"C"):
            next(entries, None)  # a rename or copy is followed by its source path
    return sorted(paths)


def key_mentions(
    repo: Path,
    keys: Sequence[str],
    pathspec: str = "*.py",
    keep_path: Callable[[str], bool] | None = None,
) -> dict[str, KeyMentions]:
    """For each key, the first and last commit whose diff adds or removes a line naming it.

    One ``git log -G`` over the whole history finds every commit touching any of
    the keys; its patches are streamed and matched here. ``keep_path`` filters
    the files (repository-relative paths) whose lines count.
    """
    import re

    if not keys:
        return {}
    ordered = sorted(set(keys), key=lambda k: (-len(k), k))
    pattern = "|".join(re.escape(k) for k in ordered)
    # git's -G is a POSIX extended regex; Python's escaping is a superset that
    # POSIX may not accept (``\-``), so spell the alternation in POSIX terms.
    posix = "|".join(_posix_escape(k) for k in ordered)
    matcher = re.compile(pattern)
    found: dict[str, list[CommitInfo]] = {}
    process = subprocess.Popen(
        [
            "git",
            "log",
            "--no-renames",
            "--no-color",
            "--no-ext-diff",
            "-U0",
            "-p",
            f"-G{posix}",
            "--format=%x00commit%x1f%H%x1f%at%x1f%s",
            "--",
            pathspec,
        ],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    current: CommitInfo | None = None
    keep = True
    seen_in_commit: set[str] = set()
    try:
        for raw in process.stdout:
            if raw.startswith(_COMMIT_MARK):
                current = _commit_info(raw[len(_COMMIT_MARK) :].decode("utf-8", "replace"))
                seen_in_commit = set()
                continue
            if raw.startswith(b"diff --git "):
                name = raw.rstrip(b"\n").rpartition(b" b/")[2].decode("utf-8", "surrogateescape")
                keep = keep_path(name) if keep_path is not None else True
                continue
            if current is None or not keep or raw[:1] not in (b"+", b"-"):
                continue
            if raw.startswith((b"+++ ", b"--- ")):
                continue
            text = raw[1:].decode("utf-8", "replace")
            for match in matcher.finditer(text):
                key = match.group(0)
                if _inside_word(text, match.start(), match.end()):
                    continue
                if key not in seen_in_commit:
                    seen_in_commit.add(key)
                    found.setdefault(key, []).append(current)
    finally:
        process.stdout.close()
        status = process.wait()
    if status != 0:
        raise HistoryError(f"git log could not search the history (exit {status})")
    # Alternation takes the longest key at a place; a key that only ever
    # appears inside a longer one is not a mention of its own.
    result = {}
    for key, commits in found.items():
        ordered_commits = sorted(set(commits), key=lambda c: (c.timestamp, c.commit))
        result[key] = KeyMentions(ordered_commits[0], ordered_commits[-1])
    return result


def blame_line_commits(repo: Path, path: str, lines: Sequence[int]) -> dict[int, CommitInfo | None]:
    """The commit that last changed each of ``lines`` of the work-tree file ``path``.

    One ``git blame`` answers for every line of the file; a line not committed
    yet maps to None. ``path`` is relative to ``repo``.
    """
    wanted = sorted(set(lines))
    if not wanted:
        return {}
    ranges = [arg for line in wanted for arg in ("-L", f"{line},{line}")]
    out = git(repo, "blame", "--porcelain", *ranges, "--", path)
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


def _commit_info(line: str) -> CommitInfo:
    commit, stamp, subject = (line.strip("\n").split("\x1f") + ["", "", ""])[:3]
    return CommitInfo(commit, int(stamp or 0), subject.strip())


def _inside_word(text: str, start: int, end: int) -> bool:
    """Whether a match is part of a longer name (``FEATURE_X`` inside ``FEATURE_XY``)."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return before.isalnum() or before in "_-" or after.isalnum() or after in "_-"


def _posix_escape(text: str) -> str:
    return "".join("\\" + c if c in ".[]{}()\\*+?|^$" else c for c in text)


def key_history(
    repo: Path,
    keys: Sequence[str],
    pathspecs: Sequence[str] = ("*.py",),
    tip: str = "HEAD",
    skip_path: Callable[[str], bool] | None = None,
    tails: bool = False,
) -> dict[str, list[KeyChange]]:
    """Every first-parent commit up to ``tip`` that changed how often a key is quoted.

    One ``git log -G`` pass per batch of keys (an alternation of all of them)
    streams the patches of matching commits; this parses each patch once and
    counts the quoted occurrences (``"key"`` or ``'key'``) that each commit
    adds and removes, per key. Merges count against their first parent, so
    the running sum of deltas is the number of occurrences in the tree after
    each commit. Paths for which ``skip_path`` is true are not counted.

    With ``tails``, a dotted key ``ns.name`` also counts where an f-string
    builds it from a namespace constant (``f"{NS}.name"``), the way Open edX
    toggles are written, unless another key of the batch ends the same way.
    """
    if not keys:
        return {}
    if shallow(repo):
        raise HistoryError(
            "this clone is shallow, so the history of flag keys is incomplete: fetch full "
            "history (git fetch --unshallow, or fetch-depth: 0 in actions/checkout), "
            "or skip the rule with --ignore FL203"
        )
    found: dict[str, list[KeyChange]] = {}
    for batch in _batches(sorted(set(keys))):
        for key, changes in _search(repo, batch, pathspecs, tip, skip_path, tails).items():
            found.setdefault(key, []).extend(changes)
    return found


def _batches(keys: list[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    size = 0
    for key in keys:
        if batch and size + len(key) * 2 > MAX_PATTERN_CHARS:
            yield batch
            batch, size = [], 0
        batch.append(key)
        size += len(key) * 2 + 1
    if batch:
        yield batch


def _search(
    repo: Path,
    keys: list[str],
    pathspecs: Sequence[str],
    tip: str,
    skip_path: Callable[[str], bool] | None,
    tails: bool = False,
) -> dict[str, list[KeyChange]]:
    ends: dict[str, list[str]] = {}
    if tails:
        for key in keys:
            if "." in key.strip("."):
                ends.setdefault(key.rpartition(".")[2], []).append(key)
    by_tail = {tail: found[0] for tail, found in sorted(ends.items()) if len(found) == 1}
    alternation = "|".join(_ERE_SPECIAL.sub(r"\\\1", k) for k in keys)
    pattern = f"[\"']({alternation})[\"']"
    needle = rb"([\"'])(" + b"|".join(re.escape(k.encode()) for k in keys) + rb")\1"
    if by_tail:
        tail_alternation = "|".join(_ERE_SPECIAL.sub(r"\\\1", t) for t in by_tail)
        pattern += f"|[}}][.]({tail_alternation})[\"']"
        needle += rb"|\}\.(" + b"|".join(re.escape(t.encode()) for t in by_tail) + rb")[\"']"
    quoted = re.compile(needle)
    args = [
        "git",
        "log",
        "--first-parent",
        "-m",  # a merge's patch against its first parent
        "--reverse",
        "-z",
        "-p",
        "-U0",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--no-renames",
        "--format=%x01%H %at %s",
        f"-G{pattern}",
        tip,
        "--",
        *pathspecs,
    ]
    try:
        process = subprocess.Popen(args, cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        raise HistoryError(f"cannot run git: {exc}") from None
    assert process.stdout is not None and process.stderr is not None
    changes: dict[str, list[KeyChange]] = {}
    commit: CommitInfo | None = None
    counts: dict[str, int] = {}
    counting = True
    removed = added = 0

    def flush() -> None:
        if commit is None:
            return
        for key, delta in sorted(counts.items()):
            if delta:
                changes.setdefault(key, []).append(KeyChange(commit, delta))

    try:
        for line in process.stdout:
            if line.startswith(b"\x01"):
                flush()
                header = line[1:].rstrip(b"\0\n").decode("utf-8", "replace")
                sha, stamp, subject = (header.split(" ", 2) + ["", ""])[:3]
                commit = CommitInfo(sha, int(stamp or 0), subject)
                counts = {}
                removed = added = 0
                continue
            if removed or added:
                sign = line[:1]
                if sign == b"-" and removed:
                    removed -= 1
                    step = -1
                elif sign == b"+" and added:
                    added -= 1
                    step = 1
                else:
                    continue  # "\ No newline at end of file"
                if counting:
                    for match in quoted.finditer(line, 1):
                        if match.group(2) is not None:
                            key = match.group(2).decode()
                        else:
                            key = by_tail[match.group(3).decode()]
                        counts[key] = counts.get(key, 0) + step
                continue
            if line.startswith(b"+++ ") or line.startswith(b"--- "):
                name = line[4:].rstrip(b"\n")
                if name != b"/dev/null":
                    path = _diff_path(name)
                    counting = skip_path is None or not skip_path(path)
                continue
            hunk = _HUNK.match(line)
            if hunk is not None:
                removed = int(hunk.group(1)) if hunk.group(1) is not None else 1
                added = int(hunk.group(2)) if hunk.group(2) is not None else 1
        flush()
    finally:
        process.stdout.close()
        error = process.stderr.read().decode("utf-8", "replace").strip()
        process.stderr.close()
        status = process.wait()
    if status != 0:
        lines = error.splitlines()
        raise HistoryError(lines[-1] if lines else "git log failed")
    return changes


def _diff_path(name: bytes) -> str:
    """``b/dir/file.py`` (possibly C-quoted by git) -> ``dir/file.py``."""
    text = name.decode("utf-8", "surrogateescape")
    if text.startswith('"') and text.endswith('"'):
        text = text[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return text[2:] if text[:2] in ("a/", "b/") else text
