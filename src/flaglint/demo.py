"""``flaglint demo``: Knight Capital's Power Peg, re-enacted as a small git repository.

Four dated commits tell the story; the tour then runs flaglint on the
revisions that matter. The repository is real: every command in the tour can
be re-run by hand inside it.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from flaglint.config import Config, load_config
from flaglint.engine import analyse_revision, run_rules
from flaglint.project import Project
from flaglint.report import inventory_data, render_inventory_text, render_text
from flaglint.rules import ALL_RULES


@dataclass(frozen=True)
class DemoCommit:
    date: str
    message: str
    files: dict[str, str | None]  # None deletes the file


PYPROJECT = """\
[project]
name = "smars"
version = "1.0"

[tool.flaglint]
dormant-after-days = 730
"""

GATEWAY = '''\
"""Exchange gateway: the only module that talks to the market."""


def send_child_order(symbol, quantity, price):
    """Send one child order to the exchange; returns the quantity filled."""
    return quantity


def send_order(symbol, quantity, price):
    """Send a plain limit order."""
    return quantity
'''

FLAGS = '''\
"""Feature flags of the SMARS order router."""

PEG_MODE = "smars-peg-mode"
'''

APP = '''\
"""SMARS entry point: one call per parent order from the order server."""

from smars.router import route


def on_parent_order(parent, market):
    route(parent, market)


if __name__ == "__main__":
    on_parent_order(None, None)
'''

ROUTER_2003 = '''\
"""SMARS: splits parent orders into child orders and routes them."""

import ldclient

from smars.flags import PEG_MODE
from smars.gateway import send_child_order, send_order


def power_peg(parent, market):
    """Power Peg: keep child orders pegged to the bid until the parent is filled."""
    filled = 0
    while filled < parent.quantity:
        filled += send_child_order(parent.symbol, 100, market.bid)


def route(parent, market):
    if ldclient.get().variation(PEG_MODE, parent.context, False):
        power_peg(parent, market)
    else:
        send_order(parent.symbol, parent.quantity, market.ask)
'''

ROUTER_2005 = '''\
"""SMARS: splits parent orders into child orders and routes them."""

import ldclient

from smars.flags import PEG_MODE
from smars.gateway import send_child_order, send_order


def power_peg(parent, market):
    """Power Peg: keep child orders pegged to the bid.

    Cumulative quantity tracking now lives in smars.accounting.
    """
    while True:
        send_child_order(parent.symbol, 100, market.bid)


def route(parent, market):
    if ldclient.get().variation(PEG_MODE, parent.context, False):
        power_peg(parent, market)
    else:
        send_order(parent.symbol, parent.quantity, market.ask)
'''

ACCOUNTING = '''\
"""Order accounting."""


def quantity_reached(parent, filled):
    """The cumulative quantity check, moved here from the router in 2005."""
    return filled >= parent.quantity
'''

ROUTER_2005_RETIRED = ROUTER_2005.replace(
    '''    """Power Peg: keep child orders pegged to the bid.

    Cumulative quantity tracking now lives in smars.accounting.
    """
''',
    '''    """Deprecated: Power Peg is no longer used; kept until the flag is cleaned up.

    Cumulative quantity tracking now lives in smars.accounting.
    """
    warnings.warn("power_peg is deprecated", DeprecationWarning)
''',
).replace("import ldclient\n", "import warnings\n\nimport ldclient\n")

ROUTER_2012 = '''\
"""SMARS: splits parent orders into child orders and routes them."""

import ldclient

from smars.flags import PEG_MODE
from smars.gateway import send_order
from smars.rlp import rlp_route


def route(parent, market):
    # The old Power Peg flag is free again: reuse it for the Retail Liquidity Program.
    if ldclient.get().variation(PEG_MODE, parent.context, False):
        rlp_route(parent, market)
    else:
        send_order(parent.symbol, parent.quantity, market.ask)
'''

RLP = '''\
"""Retail Liquidity Program routing (new in 2012)."""

from enum import IntFlag

from smars.gateway import send_order


class OrderFlags(IntFlag):
    NONE = 0
    POWER_PEG = 8
    RETAIL_LIQUIDITY = 8


def rlp_route(parent, market):
    if parent.flags & OrderFlags.RETAIL_LIQUIDITY:
        send_order(parent.symbol, parent.quantity, market.mid)
'''

COMMITS = (
    DemoCommit(
        "2003-06-02T09:30:00+0000",
        "SMARS router with Power Peg",
        {
            "pyproject.toml": PYPROJECT,
            "smars/__init__.py": "",
            "smars/app.py": APP,
            "smars/flags.py": FLAGS,
            "smars/gateway.py": GATEWAY,
            "smars/router.py": ROUTER_2003,
        },
    ),
    DemoCommit(
        "2005-03-14T18:00:00+0000",
        "Move cumulative quantity tracking out of the router",
        {"smars/accounting.py": ACCOUNTING, "smars/router.py": ROUTER_2005},
    ),
    DemoCommit(
        "2005-09-01T12:00:00+0000",
        "Retire Power Peg (deprecated; flag left in place)",
        {"smars/router.py": ROUTER_2005_RETIRED},
    ),
    DemoCommit(
        "2012-07-27T16:00:00+0000",
        "RLP: route retail liquidity orders behind the old peg flag",
        {"smars/router.py": ROUTER_2012, "smars/rlp.py": RLP},
    ),
)

TAGS = ("v2003", "v2005-refactor", "v2005-retired", "v2012-rlp")


def _git(repo: Path, *args: str, date: str | None = None) -> str:
    env = dict(os.environ)
    env.update(
        {
            "GIT_AUTHOR_NAME": "SMARS team",
            "GIT_AUTHOR_EMAIL": "smars@example.com",
            "GIT_COMMITTER_NAME": "SMARS team",
            "GIT_COMMITTER_EMAIL": "smars@example.com",
            "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": str(repo),
        }
    )
    if date:
        env["GIT_AUTHOR_DATE"] = date
        env["GIT_COMMITTER_DATE"] = date
    result = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout


def materialise(target: Path) -> Path:
    """Write the four commits into a new repository at ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    _git(target, "init", "-q", "-b", "main")
    for commit, tag in zip(COMMITS, TAGS, strict=True):
        for rel, text in commit.files.items():
            path = target / rel
            if text is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        _git(target, "add", "-A")
        _git(target, "commit", "-q", "-m", commit.message, date=commit.date)
        _git(target, "tag", tag)
    return target


def _section(title: str) -> str:
    return f"\n== {title} ==\n"


def _inventory(project: Project) -> str:
    return render_inventory_text(inventory_data(project.inventory, project.files))


REUSE_BASE = "v2005-retired"
REUSE_HEAD = "v2012-rlp"


def _reuse_section(config: Config) -> str:
    """The 2012 release compared with the 2005 code that one server still ran."""
    project = analyse_revision(config, REUSE_HEAD)
    project.base = analyse_revision(config, REUSE_BASE)
    findings = run_rules(project, [r for r in ALL_RULES if r.needs_history])
    return _section(
        f"Deploy day: {REUSE_HEAD} against the {REUSE_BASE} code still on one server  "
        f"(flaglint check --base {REUSE_BASE})"
    ) + render_text(findings, project.stats.files)


def _refactor_review(config: Config) -> list[str]:
    """The 2005 refactor as a reviewer with flaglint would have seen it: ``check --base``."""
    project = analyse_revision(config, "v2005-refactor")
    project.base = analyse_revision(config, "v2003")
    rules = [r for r in ALL_RULES if r.code.startswith("FL3")]
    return [
        _section(
            "2005: the refactor under review  (flaglint check --base v2003 at v2005-refactor)"
        ),
        render_text(run_rules(project, rules), project.stats.files),
    ]


def run_demo(target: Path) -> str:
    """Create the repository and return the tour's text."""
    repo = materialise(target)
    config = load_config(repo)
    out = [
        "flaglint demo: Knight Capital, 1 August 2012, re-enacted.",
        f"Repository: {repo}",
        _section("History (git log)"),
        _git(repo, "log", "--format=%ad  %h  %s", "--date=short", "--reverse"),
    ]
    for tag, title in (
        ("v2003", "2003: Power Peg behind smars-peg-mode"),
        ("v2005-retired", "2005: Power Peg retired, still behind its flag"),
        ("v2012-rlp", "2012: the same flag now routes retail liquidity"),
    ):
        project = analyse_revision(config, tag)
        out.append(_section(f"{title}  (flaglint flags at {tag})"))
        out.append(_inventory(project))
        findings = run_rules(project, ALL_RULES)
        out.append(f"-- flaglint check at {tag}\n")
        out.append(render_text(findings, project.stats.files))
        if tag == "v2003":
            out.extend(_refactor_review(config))
    out.append(_reuse_section(config))
    out.append(
        _section("Try it yourself")
        + f"cd {repo}\nflaglint flags\nflaglint check\n"
        + f"flaglint check --base {REUSE_BASE}\n"
        + "git checkout -q v2005-refactor && flaglint check --base v2003; git checkout -q main\n"
        + "git log --stat\n"
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in out)
