"""FL301 and FL302: order dispatch with no cumulative bound, and bounds a change took away.

The analysis (sinks, repeated contexts, bound guards) lives in
:mod:`flaglint.rules.breakers.analysis`; these rules turn it into findings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from flaglint.findings import Finding, Location, Severity
from flaglint.rules.base import Rule
from flaglint.rules.breakers.analysis import Assessment, Guard, analysis, group_by_key

if TYPE_CHECKING:
    from flaglint.project import Project


def _what(assessment: Assessment) -> str:
    via = f" (through `{assessment.via.rpartition('.')[2]}`)" if assessment.via else ""
    return f"`{assessment.sink}`{via}"


def _missing(assessment: Assessment, constants: bool = True) -> str:
    subject = f"`{assessment.subject}`" if assessment.subject else "the order"
    if assessment.kind == "loop":
        text = f"no cumulative bound: nothing stops this loop once {subject} is filled"
    elif assessment.kind == "handler":
        text = (
            "no cumulative bound: every event sends again, and nothing limits how much "
            "the handler sends in total"
        )
    else:
        text = f"no cumulative bound: nothing stops the recursion once {subject} is filled"
    if constants and assessment.constant_predicates:
        names = ", ".join(f"`{p.rpartition('.')[2]}()`" for p in assessment.constant_predicates)
        text += f"; the breaker {names} returns a constant and can never trip"
    return text


def _context(assessment: Assessment) -> str:
    if assessment.kind == "loop":
        return f"on every pass of the {assessment.description}"
    if assessment.kind == "handler":
        return f"on every call of the {assessment.description}"
    return f"on every round of the {assessment.description}"


class UnboundedDispatch(Rule):
    """A call that dispatches orders in a loop or handler that nothing bounds.

    ## What it does
    Finds sink calls (order dispatch such as `send_order`, `submit_order`,
    `create_order`, your own `sinks` patterns, and project functions that
    always reach one) inside a repeated context: a `while` loop, a `for`
    loop over an endless iterator or one that sends the same thing on every
    pass, a per-event handler (`on_tick`, `on_quote`, ... and your `handlers`
    patterns) or a recursion. It reports the call when no bound guard stops
    the repetition: no loop condition, `break`, `return`, `raise` or check
    before the call that compares a count or quantity with a limit, directly,
    through a predicate function, or through a callee that raises at a limit.
    A `for` loop that passes its item to the sink dispatches each item once
    and is bounded by its input.

    ## Why is this bad?
    Knight Capital's Power Peg sent a child order on every pass and never
    checked whether the parent order was filled: the cumulative-quantity check
    had been moved out in a 2005 refactor. On 1 August 2012 it sent over four
    million orders for 212 parent orders in 45 minutes.

    ## Example
    ```python
    def power_peg(parent, market):
        while True:
            send_child_order(parent.symbol, 100, market.bid)
    ```

    ## Use instead
    ```python
    def power_peg(parent, market):
        filled = 0
        while filled < parent.quantity:
            filled += send_child_order(parent.symbol, 100, market.bid)
    ```
    """

    code = "FL301"
    name = "unbounded-dispatch"
    severity = Severity.ERROR
    summary = "A sink call repeats in a loop or handler with no cumulative bound."
    single_file: ClassVar[bool] = True

    def check(self, project: Project) -> Iterator[Finding]:
        for assessment in analysis(project).unbounded():
            yield self.finding(
                assessment.facts.path,
                assessment.call.line,
                assessment.call.col + 1,
                f"{_what(assessment)} runs {_context(assessment)} with no bound guard; "
                + _missing(assessment),
                symbol=assessment.symbol,
                end_line=assessment.call.end_line,
                related=(
                    Location(
                        assessment.facts.path,
                        assessment.line,
                        1,
                        f"the repeated context: {assessment.description}",
                    ),
                ),
            )


class CircuitBreakerRemoved(Rule):
    """A bound guard on a dispatch loop that the change under review took away.

    ## What it does
    Compares the working tree with `check --base REV`. For every sink call
    (matched across revisions by its enclosing function and the sink's name)
    that ran in a repeated context with a bound guard at REV and runs with
    none now, it reports the call, names how the guard went (deleted, moved
    into a helper that nothing calls, replaced by a predicate that returns a
    constant, an up-front limit check removed) and points at the guard's old
    place at REV.

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

    def check(self, project: Project) -> Iterator[Finding]:
        base = project.base
        if base is None:
            return
        head = analysis(project)
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
        base_predicates = set(before.uncalled_predicates())
        base_functions = set(before.graph.nodes)
        moved_to = [
            p
            for p in head.uncalled_predicates()
            if p not in base_predicates or p not in base_functions
        ]
        revision = base.label or base.revision[:12]
        for assessment in head.unbounded():
            guard = guarded.get(assessment.key)
            if guard is None:
                continue
            how = self._how(assessment, guard, moved_to)
            yield self.finding(
                assessment.facts.path,
                assessment.call.line,
                assessment.call.col + 1,
                f"{_what(assessment)} lost its circuit breaker: at {revision} {guard.description} "
                f"({guard.path}:{guard.line}) bounded it; {how}. It now runs "
                f"{_context(assessment)}; {_missing(assessment, constants=False)}",
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
