"""What reporters know about a run besides its findings: plain, picklable data."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flaglint.rules.base import Rule


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """A rule's metadata as reporters need it (SARIF's ``tool.driver.rules``)."""

    code: str
    name: str
    severity: str
    summary: str
    documentation: str
    what_it_does: str

    @classmethod
    def of(cls, rule: type[Rule]) -> RuleInfo:
        return cls(
            rule.code,
            rule.name,
            rule.severity.value,
            rule.summary,
            rule.documentation(),
            rule.sections().get("What it does", rule.summary),
        )


@dataclass(frozen=True, slots=True)
class RunInfo:
    """Counters and context of one ``flaglint check``; none of it varies between runs.

    ``uri_prefix`` is the root's folder inside its repository ("" at the top,
    else ending in "/"): SARIF and GitHub annotations name files from the
    repository's top, which is where GitHub looks for them.
    """

    files: int = 0
    lines: int = 0
    rules: tuple[RuleInfo, ...] = ()
    errors: tuple[Mapping[str, Any], ...] = ()
    uri_prefix: str = ""
    # ``rule-docs-url``: SARIF's helpUri per rule ("" for none).
    rule_docs_url: str = ""
    suppressed: int = 0
    baselined: int = 0
    preexisting: int = 0
    base_revision: str = ""
    colour: bool = False
    # -q: the findings and nothing else (no summary line)
    quiet: bool = False

    @staticmethod
    def rule_infos(rules: Iterable[type[Rule]]) -> tuple[RuleInfo, ...]:
        return tuple(sorted((RuleInfo.of(r) for r in rules), key=lambda r: r.code))

    def hidden(self) -> list[str]:
        """Why findings were left out, for summary lines ("2 suppressed", ...)."""
        parts = []
        if self.suppressed:
            parts.append(f"{self.suppressed} suppressed")
        if self.baselined:
            parts.append(f"{self.baselined} in the baseline")
        if self.preexisting:
            parts.append(f"{self.preexisting} already at {self.base_revision or 'the base'}")
        return parts
