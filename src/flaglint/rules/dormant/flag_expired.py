"""FL103: flags read past the expiry date their owners gave them."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from flaglint.config_values import parse_date
from flaglint.findings import Finding, Severity
from flaglint.rules.base import Rule

if TYPE_CHECKING:
    from flaglint.project import Project

INLINE_EXPIRY = re.compile(r"flaglint:\s*expires\s*=\s*([^\s#]*)")


class FlagExpired(Rule):
    """A flag still read after its declared expiry date.

    ## What it does
    Takes expiry dates from the flag registry (`[tool.flaglint.flags]`, key
    `expires`) and from inline comments on a read (`# flaglint: expires=2024-06-30`),
    and reports every read of a flag whose date has passed. An inline date that
    is not a real date (`expires=2001-02-30`) is reported too, where it is
    written; in the registry it is a configuration error.

    ## Why is this bad?
    Temporary flags that outlive their purpose are how dormant code stays
    reachable. Knight Capital's Power Peg flag had meant nothing for nine years
    when a deploy gave it a new meaning; a flag removed on its expiry date
    cannot be repurposed by accident.

    ## Example
    ```toml
    [tool.flaglint.flags]
    smars-peg-mode = { expires = "2004-01-01", owner = "routing" }
    ```
    ```python
    if client.variation("smars-peg-mode", ctx, False):  # FL103 after 2004-01-01
        power_peg(order)
    ```

    ## Use instead
    Remove the flag and the branch it no longer needs, or extend its date
    deliberately in the registry with an owner who answers for it.
    """

    code = "FL103"
    name = "flag-expired"
    severity = Severity.WARNING
    summary = "A flag is read after its declared expiry date."
    uses_graph = False
    single_file = True

    def check(self, project: Project) -> Iterator[Finding]:
        today = dt.date.today()
        registry = {
            key: parse_date(entry.get("expires", "")) for key, entry in project.config.flags.items()
        }
        inline: dict[tuple[str, int], dt.date] = {}
        for facts in project.files:
            for comment in facts.comments:
                match = INLINE_EXPIRY.search(comment.text)
                if not match:
                    continue
                date = parse_date(match.group(1))
                if date is None:
                    # A typo must not switch the check off in silence.
                    yield self.finding(
                        facts.path,
                        comment.line,
                        1,
                        f"expiry {match.group(1)!r} is not a real date written YYYY-MM-DD; "
                        "the flag read here is never checked against it",
                    )
                else:
                    inline[(facts.path, comment.line)] = date
        for read in project.inventory.reads:
            if read.key is None:
                continue
            expires = inline.get((read.path, read.line)) or registry.get(read.key)
            if expires is None or expires >= today:
                continue
            yield self.finding(
                read.path,
                read.line,
                read.column,
                f"flag '{read.key}' expired on {expires.isoformat()} and is still read here; "
                "remove it and the code it gates, or renew it on purpose",
                symbol=read.symbol,
                flag=read.key,
            )
