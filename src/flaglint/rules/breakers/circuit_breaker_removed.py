"""FL302 circuit-breaker-removed: a dispatch's bound guard at ``--base REV`` that is gone now."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING

from flaglint.findings import Finding, Location, Severity
from flaglint.rules.base import Rule
from flaglint.rules.breakers.analysis import Assessment, BreakerAnalysis, Guard, analysis
from flaglint.rules.breakers.guard_loss import LostGuard, lost_guards
from flaglint.rules.breakers.quiet import QuietContexts

if TYPE_CHECKING:
    from flaglint.project import Project
from flaglint.rules.breakers.messages import (
    context_words,
    dispatch_words,
    kind_plural,
    missing_words,
    sink_words,
)


class CircuitBreakerRemoved(Rule):
    """A bound guard on a dispatch loop that the change under review took away.

    ## What it does
    Compares the working tree with `check --base REV`. For each function
    that dispatches at both revisions (a sink call, or a call to a project
    function that may reach one), it finds the limit checks in force at each
    dispatch: a test comparing a counter, a sum, a `len(...)` or a limit-like
    name with a bound, inline, through a local, or inside a helper that
    raises or returns under it. A check that guarded the dispatch at REV and
    does not now is reported with its expression, where it was and where it
    went: removed, moved out of the loop, weakened (no longer cumulative),
    moved into a caller that another caller bypasses, or left guarding
    another branch. A check that still runs first (in a helper, in every
    caller, as a bound computed from the same limit, or a once-only flag) is
    no finding. It also reports a repeated dispatch bounded at REV and
    unbounded now (a breaker replaced by a constant predicate, or moved into
    a predicate that nothing calls).

    ## Why is this bad?
    Power Peg's cumulative-quantity check was not deleted on purpose: a 2005
    refactor moved it into another module and no longer called it. The loop
    still looked the same in review. Seven years later the unbounded loop
    sent four million orders for 212 parent orders.

    ## Example
    ```python
    # at REV
    while filled < parent.quantity:
        filled += send_child_order(parent.symbol, 100, market.bid)
    # now (the check moved to accounting.quantity_reached, never called)
    while True:
        send_child_order(parent.symbol, 100, market.bid)
    ```

    ## Use instead
    Keep the bound where the loop is, or call the helper that now holds it:
    ```python
    while not quantity_reached(parent, filled):
        filled += send_child_order(parent.symbol, 100, market.bid)
    ```
    """

    code = "FL302"
    name = "circuit-breaker-removed"
    severity = Severity.ERROR
    needs_history = True
    summary = "A dispatch loop's bound guard at the base revision is gone."
    aside = True

    def check(self, project: Project) -> Iterator[Finding]:
        base = project.base
        if base is None:
            return
        reported: set[tuple[str, int]] = set()
        for finding in self._bound_lost(project, base):
            reported.add((finding.path, finding.line))
            yield finding
        revision = base.label or base.revision[:12]
        for lost in lost_guards(project, base):
            key = (lost.dispatch.facts.path, lost.dispatch.line)
            if key not in reported:
                reported.add(key)
                yield self._guard_finding(lost, revision)

    def _guard_finding(self, lost: LostGuard, revision: str) -> Finding:
        dispatch, limit = lost.dispatch, lost.limit
        call = dispatch.facts.calls[dispatch.index]
        words = dispatch_words(dispatch.sink, dispatch.via)
        return self.finding(
            dispatch.facts.path,
            call.line,
            call.col + 1,
            f"{words} lost its limit check: at {revision} `{limit.text}` ({limit.where()}) "
            f"guarded this call; since then it was {lost.how}. Nothing here limits how many "
            f"{kind_plural(dispatch.sink)} it sends.",
            symbol=lost.symbol,
            end_line=call.end_line,
            related=(
                Location(
                    limit.path,
                    limit.line,
                    1,
                    f"the limit check at {revision}: `{limit.text}`",
                    revision,
                ),
            ),
        )

    def _bound_lost(self, project: Project, base: Project) -> Iterator[Finding]:
        """A repeated dispatch bounded at the base revision and unbounded now."""
        head = analysis(project)
        unbounded = list(head.unbounded())
        if not unbounded:
            return  # no dispatch is unbounded now: the base's assessments are not needed
        before = analysis(base)
        guarded: dict[tuple[str, str], Guard] = {}
        for key, assessments in group_by_key(before.assessments).items():
            if any(a.unbounded for a in assessments):
                continue
            guards = [g for a in assessments for g in a.guards]
            if guards:
                guarded[key] = min(guards, key=lambda g: (g.kind == "per-item", g.line))
        if not guarded:
            return
        base_predicates = set(uncalled_predicates(before))
        base_functions = set(before.graph.nodes)
        moved_to = [
            p
            for p in uncalled_predicates(head)
            if p not in base_predicates or p not in base_functions
        ]
        revision = base.label or base.revision[:12]
        quiet = QuietContexts(project)
        for assessment in unbounded:
            guard = guarded.get(assessment.key)
            if guard is None or quiet.why_quiet(assessment):
                continue
            how = self._how(assessment, guard, moved_to)
            yield self.finding(
                assessment.facts.path,
                assessment.call.line,
                assessment.call.col + 1,
                f"{sink_words(assessment)} lost its circuit breaker: at {revision} "
                f"{guard.description} "
                f"({guard.path}:{guard.line}) bounded it; {how}. It now runs "
                f"{context_words(assessment)}; {missing_words(assessment, constants=False)}",
                symbol=assessment.symbol,
                end_line=assessment.call.end_line,
                related=(
                    Location(
                        guard.path,
                        guard.line,
                        1,
                        f"the bound guard at {revision}: {guard.description}",
                        revision,
                    ),
                ),
            )

    @staticmethod
    def _how(assessment: Assessment, guard: Guard, moved_to: list[str]) -> str:
        if assessment.constant_predicates:
            name = assessment.constant_predicates[0].rpartition(".")[2]
            return f"it was replaced by `{name}()`, which returns a constant"
        if guard.kind == "pre-loop":
            return "the limit check before the loop was removed"
        if moved_to:
            return f"it moved into `{moved_to[0]}`, which nothing calls"
        return "the guard was deleted"


def group_by_key(assessments: list[Assessment]) -> dict[tuple[str, str], list[Assessment]]:
    grouped: dict[tuple[str, str], list[Assessment]] = defaultdict(list)
    for assessment in assessments:
        grouped[assessment.key].append(assessment)
    return grouped


def uncalled_predicates(found: BreakerAnalysis) -> list[str]:
    """Bound predicates nothing in the project calls."""
    out = []
    graph = found.graph
    for qualified in found.functions_with_outcomes():
        if not graph.has_node(qualified) or found.predicate(qualified) != "bound":
            continue
        callers = [p for p in graph.predecessors(qualified) if not p.startswith("<")]
        if not callers:
            out.append(qualified)
    return out
