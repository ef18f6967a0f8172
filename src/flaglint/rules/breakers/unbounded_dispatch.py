"""FL301 unbounded-dispatch: a sink call repeated with no cumulative bound."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

from flaglint.findings import Finding, Location, Severity
from flaglint.rules.base import Rule
from flaglint.rules.breakers.analysis import analysis
from flaglint.rules.breakers.quiet import QuietContexts

if TYPE_CHECKING:
    from flaglint.project import Project
from flaglint.rules.breakers.messages import context_words, missing_words, sink_words


class UnboundedDispatch(Rule):
    """A call that dispatches (orders, messages, tasks) in a loop or handler nothing bounds.

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
    A `for` loop whose item the body uses dispatches once per item, and a
    loop refreshed by a receiving call (`receivers`: `poll`, `get`,
    `receive`, ...), an `async for`, cleanup in `finally`, a dispatch under
    a once-only flag (`once-gates`) or under a latch its branch closes and
    nothing reopens in the same pass or call (`if not self.placed: ...;
    self.placed = True`), and a `while` that pops from its collection on
    every pass and never refills it are bounded by their input. A call named
    like a sink that resolves to exactly one project function, one that
    returns a new object and sends nothing, builds and does not send (a call
    on a receiver of unknown type is never taken for a builder).

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
    aside = True
    single_file: ClassVar[bool] = True

    def check(self, project: Project) -> Iterator[Finding]:
        quiet = QuietContexts(project)
        seen: set[tuple[str, int]] = set()
        for assessment in analysis(project).assessments:
            key = (assessment.facts.path, assessment.index)
            # The innermost repeated context that is unbounded, and bounded by nothing
            # the code shows (what it receives, its items, a once-only flag).
            if key in seen:
                continue
            throttles = [] if assessment.unbounded else quiet.throttles(assessment)
            if not (assessment.unbounded or throttles) or quiet.why_quiet(assessment):
                continue
            seen.add(key)
            rate = "; ".join(f"`{t}` limits the rate, not the total" for t in throttles)
            yield self.finding(
                assessment.facts.path,
                assessment.call.line,
                assessment.call.col + 1,
                f"{sink_words(assessment)} runs {context_words(assessment)} with no bound guard; "
                + missing_words(assessment)
                + (f"; {rate}" if rate else ""),
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
