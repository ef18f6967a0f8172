"""Diagnostics about the input itself rather than about flags."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from flaglint.findings import Finding, Severity
from flaglint.rules.base import Rule

if TYPE_CHECKING:
    from flaglint.project import Project


class ParseFailure(Rule):
    """A file that could not be parsed, so nothing in it was analysed.

    ## What it does
    Reports every Python file flaglint could not read or parse, with the reason
    and the position the parser gave. The rest of the run goes on without it.

    ## Why is this bad?
    A file that is not analysed is a blind spot: a flag read or an unbounded
    order loop inside it is invisible to every other rule, and so to the gate.

    ## Example
    ```python
    def route(order)   # missing colon
        send_order(order)
    ```

    ## Use instead
    Fix the syntax, or exclude the file (`exclude` in `[tool.flaglint]`) if it
    is not Python source meant to run (templates, fixtures for other tools).
    """

    code = "FL901"
    name = "parse-error"
    severity = Severity.ERROR
    summary = "A file could not be parsed; it was not analysed."
    uses_graph = False
    single_file = True

    def check(self, project: Project) -> Iterator[Finding]:
        for facts in project.errors:
            assert facts.error is not None
            yield self.finding(
                facts.path,
                facts.error.line,
                facts.error.col + 1,
                f"cannot analyse {facts.path}: {facts.error.message}",
                symbol=facts.module,
            )
