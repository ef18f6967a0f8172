"""The Finding record, its fingerprint, severities and exit codes."""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass

from flaglint.encoding import utf8


class ExitCode(enum.IntEnum):
    """Process exit codes, the one place they are defined."""

    CLEAN = 0
    FINDINGS = 1
    USAGE = 2
    # remove-flag: the rewrite is shown or written, but part of it was left for a human.
    PARTIAL = 3


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True, slots=True, order=True)
class Location:
    """A place a finding relates to; ``revision`` is set for places at another revision."""

    path: str
    line: int
    column: int = 1
    message: str = ""
    revision: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """One reported hazard, immutable and ordered by place."""

    rule: str
    name: str
    severity: Severity
    path: str
    line: int
    column: int
    message: str
    symbol: str = ""
    flag: str = ""
    end_line: int = 0
    related: tuple[Location, ...] = ()

    @property
    def fingerprint(self) -> str:
        """Stable across line moves: rule, path, symbol and flag, not the line."""
        basis = "\0".join((self.rule, self.path, self.symbol, self.flag))
        return hashlib.sha256(utf8(basis)).hexdigest()[:32]

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        return (self.path, self.line, self.column, self.rule, self.symbol, self.flag)
