"""Known findings, hidden by fingerprint: a baseline file, or the findings at ``--base``.

Both compare fingerprints (rule, path, symbol, flag: never the line), so a
finding that only moved stays known. They compare counts too: a function that
read an expired flag once and now reads it twice has one new finding. Which of
the equal-fingerprint findings is called new is the last ones in file order.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flaglint.findings import Finding

FORMAT = 1
_ENTRY_KEYS = ("fingerprint", "rule", "path", "line", "symbol", "flag", "message")


class BaselineError(Exception):
    """A baseline file that cannot be read; the CLI prints it and exits 2."""


@dataclass(frozen=True, slots=True)
class BaselineEntry:
    """One recorded finding; everything but the fingerprint is there for readers."""

    fingerprint: str
    rule: str
    path: str
    line: int
    symbol: str = ""
    flag: str = ""
    message: str = ""


@dataclass
class KnownSplit:
    """Findings split against known ones, and the known ones nothing matched."""

    new: list[Finding]
    known: list[Finding] = field(default_factory=list)
    stale: list[BaselineEntry] = field(default_factory=list)


def entry_for(finding: Finding) -> BaselineEntry:
    return BaselineEntry(
        finding.fingerprint,
        finding.rule,
        finding.path,
        finding.line,
        finding.symbol,
        finding.flag,
        finding.message,
    )


def render_baseline(findings: Sequence[Finding]) -> str:
    """The baseline file for ``findings``: sorted, indented JSON, the same bytes every time."""
    ordered = sorted(findings, key=Finding.sort_key)
    document = {
        "flaglint-baseline": FORMAT,
        "findings": [{k: getattr(entry_for(f), k) for k in _ENTRY_KEYS} for f in ordered],
    }
    return json.dumps(document, indent=2) + "\n"


def load_baseline(path: Path) -> list[BaselineEntry]:
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BaselineError(
            f"baseline file not found: {path}; create it with --write-baseline {path}"
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc}") from None
    if not isinstance(data, dict) or data.get("flaglint-baseline") != FORMAT:
        raise BaselineError(
            f"{path} is not a flaglint baseline (format {FORMAT}); rewrite it with --write-baseline"
        )
    entries = []
    for raw in data.get("findings", []):
        if not isinstance(raw, dict) or not isinstance(raw.get("fingerprint"), str):
            raise BaselineError(f"{path}: every entry needs a 'fingerprint' string")
        entries.append(
            BaselineEntry(
                raw["fingerprint"],
                str(raw.get("rule", "")),
                str(raw.get("path", "")),
                int(raw.get("line", 0) or 0),
                str(raw.get("symbol", "")),
                str(raw.get("flag", "")),
                str(raw.get("message", "")),
            )
        )
    return entries


def split_known(findings: Sequence[Finding], known: Sequence[str]) -> KnownSplit:
    """Findings beyond the count of their fingerprint in ``known`` are new."""
    budget = Counter(known)
    split = KnownSplit(new=[])
    for finding in sorted(findings, key=Finding.sort_key):
        if budget[finding.fingerprint] > 0:
            budget[finding.fingerprint] -= 1
            split.known.append(finding)
        else:
            split.new.append(finding)
    return split


def apply_baseline(findings: Sequence[Finding], entries: Sequence[BaselineEntry]) -> KnownSplit:
    """Hide baselined findings; list entries that matched nothing, so the file can shrink."""
    split = split_known(findings, [e.fingerprint for e in entries])
    left = Counter(f.fingerprint for f in split.known)
    for entry in sorted(entries, key=lambda e: (e.path, e.line, e.rule, e.fingerprint)):
        if left[entry.fingerprint] > 0:
            left[entry.fingerprint] -= 1
        else:
            split.stale.append(entry)
    return split
