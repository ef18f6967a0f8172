"""The last stage before reporting: inline suppressions, then the baseline, then ``--new-only``.

Rules report everything they see; this stage decides what a CI gate shows.
Its inputs are findings and facts, its output plain counts and lists, so the
command line only has to print them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from flaglint.findings import Finding
from flaglint.gate.baseline import BaselineEntry, apply_baseline, split_known
from flaglint.gate.suppressions import Suppression, apply_suppressions, collect
from flaglint.rules.diagnostics.unused_suppression import UnusedSuppression

if TYPE_CHECKING:
    from flaglint.project import Project
    from flaglint.rules.base import Rule


@dataclass(frozen=True)
class GateOptions:
    """How the gate filters: ``baseline`` None means no baseline file."""

    baseline: Sequence[BaselineEntry] | None = None
    report_unused_suppressions: bool = False


@dataclass
class GateResult:
    """What to report, what to record in a baseline, and what was left out and why."""

    findings: list[Finding]
    # After suppressions, before the baseline and --new-only: what --write-baseline records.
    recorded: list[Finding] = field(default_factory=list)
    suppressed: int = 0
    baselined: int = 0
    preexisting: int = 0
    stale: list[BaselineEntry] = field(default_factory=list)
    # Suppressions that hid nothing, and the idle codes of each (what ``--fix`` removes).
    unused: list[tuple[Suppression, tuple[str, ...]]] = field(default_factory=list)


def active_codes(project: Project, rules: Sequence[type[Rule]]) -> set[str]:
    """Codes of the rules that really ran: history rules need a base to say anything."""
    return {r.code for r in rules if not (r.needs_history and project.base is None)}


def screen(
    project: Project,
    findings: Sequence[Finding],
    rules: Sequence[type[Rule]],
    report_unused: bool,
    active: set[str] | None = None,
    unused: list[tuple[Suppression, tuple[str, ...]]] | None = None,
) -> tuple[list[Finding], list[Finding]]:
    """Findings split by inline suppressions: (kept, suppressed); kept gains FL902s if asked.

    ``unused``, when given, receives the suppressions behind those FL902s.
    """
    if active is None:
        active = active_codes(project, rules)
    suppressions = project.known_suppressions
    if suppressions is None:
        suppressions = collect(project.files, project.config.per_file_ignores)
    result = apply_suppressions(findings, suppressions, active)
    kept = list(result.kept)
    if report_unused and any(r.code == UnusedSuppression.code for r in rules):
        kept.extend(UnusedSuppression().report(result.unused))
        if unused is not None:
            unused.extend(result.unused)
    return sorted(kept, key=Finding.sort_key), result.suppressed


def apply_gate(
    project: Project,
    findings: Sequence[Finding],
    rules: Sequence[type[Rule]],
    options: GateOptions,
    base_findings: Sequence[Finding] | None = None,
) -> GateResult:
    """Suppressions, then the baseline, then (with ``base_findings``) only what is new.

    ``base_findings`` are the rules' findings at the base revision, before any
    suppression: a finding that existed there is old even if it was hidden.
    """
    unused: list[tuple[Suppression, tuple[str, ...]]] = []
    kept, suppressed = screen(
        project, findings, rules, options.report_unused_suppressions, unused=unused
    )
    result = GateResult(
        findings=kept, recorded=list(kept), suppressed=len(suppressed), unused=unused
    )
    if options.baseline is not None:
        split = apply_baseline(result.findings, options.baseline)
        result.findings, result.baselined, result.stale = split.new, len(split.known), split.stale
    if base_findings is not None and project.base is not None:
        known = list(base_findings)
        if options.report_unused_suppressions:
            # Judge the base's comments by the rules that ran at head, so that a
            # comment naming a history rule is not "new" merely because the base
            # itself had no base to run that rule against.
            active = active_codes(project, rules)
            base_kept, _ = screen(project.base, base_findings, rules, True, active)
            known += [f for f in base_kept if f.rule == UnusedSuppression.code]
        split_new = split_known(result.findings, [f.fingerprint for f in known])
        result.findings, result.preexisting = split_new.new, len(split_new.known)
    return result
