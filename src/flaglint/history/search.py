"""The history of flag keys: one streaming ``git log -G`` per batch of keys.

Never a process per key or per commit.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from flaglint.encoding import utf8
from flaglint.history.repository import (
    GIT,
    CommitInfo,
    HistoryError,
    note_git_time,
    parse_commit_line,
    shallow,
)


@dataclass(frozen=True, slots=True)
class KeyMentions:
    """The first and the last commit whose diff added or removed a line naming a key."""

    first: CommitInfo
    last: CommitInfo


_COMMIT_MARK = b"\x00commit\x1f"


@dataclass(frozen=True, slots=True)
class KeyChange:
    """How one commit changed the number of quoted occurrences of a key."""

    commit: CommitInfo
    delta: int


# git's argument limit is far above this; the bound keeps each -G regex cheap to compile.
MAX_PATTERN_CHARS = 16_000


_HUNK = re.compile(rb"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")


_ERE_SPECIAL = re.compile(r"([\\.^$|?*+()\[\]{}])")


def searchable(key: str) -> bool:
    """Whether a key can be looked for in git's history at all.

    A key holding a NUL, a line break or a lone surrogate (spelled with
    escapes in its source) can be neither passed to git nor found on one line
    of a diff as it is: such keys have no history to search.
    """
    if not key or "\x00" in key or "\n" in key or "\r" in key:
        return False
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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

    keys = [k for k in keys if searchable(k)]
    if not keys:
        return {}
    ordered = sorted(set(keys), key=lambda k: (-len(k), k))
    pattern = "|".join(re.escape(k) for k in ordered)
    # git's -G is a POSIX extended regex; Python's escaping is a superset that
    # POSIX may not accept (``\-``), so spell the alternation in POSIX terms.
    posix = "|".join(_posix_escape(k) for k in ordered)
    matcher = re.compile(pattern)
    found: dict[str, list[CommitInfo]] = {}
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            *GIT,
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
                current = parse_commit_line(raw[len(_COMMIT_MARK) :].decode("utf-8", "replace"))
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
        note_git_time(started)
    if status != 0:
        raise HistoryError(f"git log could not search the history (exit {status})")
    # Alternation takes the longest key at a place; a key that only ever
    # appears inside a longer one is not a mention of its own.
    result = {}
    for key, commits in found.items():
        ordered_commits = sorted(set(commits), key=lambda c: (c.timestamp, c.commit))
        result[key] = KeyMentions(ordered_commits[0], ordered_commits[-1])
    return result


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
    keys = [k for k in keys if searchable(k)]
    if not keys:
        return {}
    if shallow(repo):
        raise HistoryError(
            "this clone is shallow, so the history of flag keys is incomplete: fetch full "
            "history (git fetch --unshallow, or fetch-depth: 0 in actions/checkout), "
            "or leave the rule out (check --ignore FL203; audit without --since)"
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
    needle = rb"([\"'])(" + b"|".join(re.escape(utf8(k)) for k in keys) + rb")\1"
    if by_tail:
        tail_alternation = "|".join(_ERE_SPECIAL.sub(r"\\\1", t) for t in by_tail)
        pattern += f"|[}}][.]({tail_alternation})[\"']"
        needle += rb"|\}\.(" + b"|".join(re.escape(utf8(t)) for t in by_tail) + rb")[\"']"
    quoted = re.compile(needle)
    args = [
        *GIT,
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
        started = time.perf_counter()
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
        note_git_time(started)
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
