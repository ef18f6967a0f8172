"""FL902: suppression comments that no longer suppress anything (opt-in)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from flaglint.findings import Finding, Severity
from flaglint.rules.base import Rule

if TYPE_CHECKING:
    from flaglint.gate.suppressions import Suppression
    from flaglint.project import Project


class UnusedSuppression(Rule):
    """A `# flaglint: ignore` or `# noqa: FL...` comment that suppressed nothing.

    ## What it does
    With `--report-unused-suppressions`, reports every suppression comment
    naming a rule that ran and found nothing to hide on the lines it covers,
    and every bare `# flaglint: ignore` that hid no finding at all. It runs
    after the other rules, on what they found, so it is not a check of its own.

    ## Why is this bad?
    A suppression outlives the code it was written for. Left in place, it will
    silently hide the next finding on that line or in that function, which may
    be a real hazard: a reused flag key, or an order loop that lost its bound.

    ## Example
    ```python
    def route(order):  # flaglint: ignore[FL103]   (the expired flag was removed)
        send_order(order)
    ```

    ## Use instead
    Delete the comment, or narrow it to the codes that still fire:
    ```python
    def route(order):
        send_order(order)
    ```
    """

    code = "FL902"
    name = "unused-suppression"
    severity = Severity.WARNING
    summary = "A suppression comment suppressed nothing (opt-in)."
    uses_graph = False

    def check(self, project: Project) -> Iterator[Finding]:
        # The suppression stage produces these from the other rules' findings.
        return iter(())

    def report(self, unused: Iterable[tuple[Suppression, tuple[str, ...]]]) -> Iterator[Finding]:
        for suppression, idle in unused:
            if idle == ("*",):
                message = "unused suppression: it hides no finding; remove it"
            else:
                message = (
                    f"unused suppression: no {', '.join(idle)} finding to hide here; "
                    "remove the comment or the code"
                )
            yield self.finding(suppression.path, suppression.line, 1, message)
