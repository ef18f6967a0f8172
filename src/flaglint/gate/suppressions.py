"""Suppressions: ``# flaglint: ignore[FL101]``, flake8's ``# noqa: FL101``, file-level, per-file.

A suppression covers findings on its own line; one on the line of a ``def``
or ``class`` statement covers every finding inside that definition. Without
codes (``# flaglint: ignore``) it covers every rule. A code may be a prefix
(``# noqa: FL3`` covers FL301 and FL302). A bare ``# noqa`` is flake8's
business and is not read here: naming the code keeps a blanket ``noqa``
written for another linter from hiding a flag hazard.

A comment that is only ``# flaglint: noqa-file`` (every rule, or
``noqa-file[FL101]``) or ruff's ``# ruff: noqa: FL101`` covers the whole file;
a bare ``# ruff: noqa`` is ruff's. ``per-file-ignores`` in the configuration
maps path globs to codes and works like a file-level comment in each file.

Comments reach this stage through :attr:`FileFacts.comments`, which keeps only
comments matching the marker pre-filter (``flaglint`` and ``noqa: FL`` are in it).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from flaglint.discovery import excluded
from flaglint.facts.model import FileFacts
from flaglint.findings import Finding

_IGNORE = re.compile(r"flaglint\s*:\s*ignore\b(?:\s*\[([^\]]*)\])?", re.IGNORECASE)
_NOQA = re.compile(r"noqa\s*:\s*([A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*)", re.IGNORECASE)
# A code or a code prefix of ours: FL, then one to three digits.
_CODE = re.compile(r"^FL[0-9]{1,3}$")
_FILE_OURS = re.compile(r"^#\s*flaglint\s*:\s*noqa-file\b(?:\s*\[([^\]]*)\])?", re.IGNORECASE)
_FILE_RUFF = re.compile(r"^#\s*ruff\s*:\s*noqa\s*:\s*(.*)$", re.IGNORECASE)
WHOLE_FILE = sys.maxsize


@dataclass(frozen=True, slots=True, order=True)
class Suppression:
    """One suppression comment; empty ``codes`` means every rule."""

    path: str
    line: int
    codes: tuple[str, ...]
    # The lines it covers: its own, or a whole definition when it sits on a def line.
    first: int = 0
    last: int = 0

    def covers(self, finding: Finding) -> bool:
        if finding.path != self.path or not self.first <= finding.line <= self.last:
            return False
        return not self.codes or any(finding.rule.startswith(c) for c in self.codes)


@dataclass
class SuppressionResult:
    """What suppressions left visible, what they hid, and which hid nothing."""

    kept: list[Finding]
    suppressed: list[Finding] = field(default_factory=list)
    unused: list[tuple[Suppression, tuple[str, ...]]] = field(default_factory=list)


def parse_comment(text: str) -> tuple[str, ...] | None:
    """The codes a comment suppresses: ``()`` for all, ``None`` if it suppresses nothing."""
    codes: set[str] = set()
    found = False
    for match in _IGNORE.finditer(text):
        found = True
        if match.group(1) is None:
            return ()
        codes.update(c.strip().upper() for c in match.group(1).split(",") if c.strip())
    for match in _NOQA.finditer(text):
        named = {c.upper() for c in re.split(r"[\s,]+", match.group(1)) if c}
        # Other linters' codes in the same noqa are theirs to honour.
        ours = {c for c in named if _CODE.match(c)}
        found = found or bool(ours)
        codes.update(ours)
    return tuple(sorted(codes)) if found else None


def parse_file_comment(text: str) -> tuple[str, ...] | None:
    """The codes a whole-file comment suppresses: ``()`` for all, ``None`` if it is not one."""
    text = text.strip()
    ours = _FILE_OURS.match(text)
    if ours is not None:
        if ours.group(1) is None:
            return ()
        return tuple(sorted({c.strip().upper() for c in ours.group(1).split(",") if c.strip()}))
    ruff = _FILE_RUFF.match(text)
    if ruff is not None:
        named = {c.upper() for c in re.split(r"[\s,]+", ruff.group(1)) if c}
        codes = tuple(sorted(c for c in named if _CODE.match(c)))
        return codes or None  # a ruff: noqa naming only other linters' codes is ruff's
    return None


def file_suppressions(facts: FileFacts) -> list[Suppression]:
    """Every suppression in one file, each with the lines it covers."""
    spans: dict[int, int] = {}
    for definition in facts.definitions:
        if definition.kind in ("function", "method", "class"):
            spans[definition.line] = max(spans.get(definition.line, 0), definition.end_line)
    found = []
    for comment in facts.comments:
        whole = parse_file_comment(comment.text)
        if whole is not None:
            found.append(Suppression(facts.path, comment.line, whole, 1, WHOLE_FILE))
            continue
        codes = parse_comment(comment.text)
        if codes is None:
            continue
        last = max(spans.get(comment.line, comment.line), comment.line)
        found.append(Suppression(facts.path, comment.line, codes, comment.line, last))
    return found


def collect(
    files: Iterable[FileFacts], per_file_ignores: Mapping[str, Sequence[str]] | None = None
) -> list[Suppression]:
    """The comments' suppressions, and ``per-file-ignores`` as whole-file ones (line 0)."""
    found = []
    for facts in files:
        found.extend(file_suppressions(facts))
        for glob, codes in (per_file_ignores or {}).items():
            if excluded(facts.path, [glob]):
                found.append(Suppression(facts.path, 0, tuple(codes), 1, WHOLE_FILE))
    return sorted(found)


def apply_suppressions(
    findings: Sequence[Finding],
    suppressions: Sequence[Suppression],
    active_codes: Collection[str] = (),
) -> SuppressionResult:
    """Split ``findings`` into kept and suppressed, and find suppressions that hid nothing.

    ``active_codes`` are the rules that ran: a suppression naming a rule that
    did not run (not selected, or needing ``--base``) is not called unused.
    """
    by_path: dict[str, list[Suppression]] = {}
    for suppression in suppressions:
        by_path.setdefault(suppression.path, []).append(suppression)
    used: dict[Suppression, set[str]] = {s: set() for s in suppressions}
    result = SuppressionResult(kept=[])
    for finding in findings:
        covering = [s for s in by_path.get(finding.path, ()) if s.covers(finding)]
        for suppression in covering:
            used[suppression].add(finding.rule)
        if covering:
            result.suppressed.append(finding)
        else:
            result.kept.append(finding)
    active = set(active_codes)
    for suppression in suppressions:
        if suppression.line == 0:
            continue  # per-file-ignores live in the configuration, not in a comment
        if suppression.codes:
            idle = tuple(
                c
                for c in suppression.codes
                if any(a.startswith(c) for a in active)
                and not any(u.startswith(c) for u in used[suppression])
            )
        else:
            idle = () if used[suppression] else ("*",)
        if idle:
            result.unused.append((suppression, idle))
    return result
