"""Inline suppressions: ``# flaglint: ignore[FL101]`` and flake8's ``# noqa: FL101``.

A suppression covers findings on its own line; one on the line of a ``def``
or ``class`` statement covers every finding inside that definition. Without
codes (``# flaglint: ignore``) it covers every rule. A bare ``# noqa`` is
flake8's business and is not read here: naming the code keeps a blanket
``noqa`` written for another linter from hiding a flag hazard.

Comments reach this stage through :attr:`FileFacts.comments`, which keeps only
comments matching the marker pre-filter (``flaglint`` and ``noqa: FL`` are in it).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from flaglint.facts.model import FileFacts
from flaglint.findings import Finding

_IGNORE = re.compile(r"flaglint\s*:\s*ignore\b(?:\s*\[([^\]]*)\])?", re.IGNORECASE)
_NOQA = re.compile(r"noqa\s*:\s*([A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*)", re.IGNORECASE)
_CODE = re.compile(r"^FL[0-9]{3}$")


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
        return not self.codes or finding.rule in self.codes


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


def file_suppressions(facts: FileFacts) -> list[Suppression]:
    """Every suppression in one file, each with the lines it covers."""
    spans: dict[int, int] = {}
    for definition in facts.definitions:
        if definition.kind in ("function", "method", "class"):
            spans[definition.line] = max(spans.get(definition.line, 0), definition.end_line)
    found = []
    for comment in facts.comments:
        codes = parse_comment(comment.text)
        if codes is None:
            continue
        last = max(spans.get(comment.line, comment.line), comment.line)
        found.append(Suppression(facts.path, comment.line, codes, comment.line, last))
    return found


def collect(files: Iterable[FileFacts]) -> list[Suppression]:
    return sorted(s for facts in files for s in file_suppressions(facts))


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
        if suppression.codes:
            idle = tuple(c for c in suppression.codes if c in active and c not in used[suppression])
        else:
            idle = () if used[suppression] else ("*",)
        if idle:
            result.unused.append((suppression, idle))
    return result
