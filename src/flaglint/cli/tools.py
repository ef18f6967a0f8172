"""``remove-flag``, ``demo``, ``explain`` and ``rules``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from flaglint.cli.main import cli
from flaglint.cli.options import (
    AnalysisOptions,
    UsageFailure,
    analysed,
    analysis_options,
    format_option,
    print_stats,
)
from flaglint.findings import ExitCode
from flaglint.report.escape import log_line
from flaglint.rules import ALL_RULES, by_code


@cli.command(name="remove-flag")
@click.argument("key")
@click.option(
    "--keep",
    type=click.Choice(["on", "off"]),
    required=True,
    help="The value the flag keeps for good: code for the other value is removed.",
)
@click.option("--write", is_flag=True, help="Apply the changes instead of printing a diff.")
@analysis_options
def remove_flag(
    key: str,
    keep: str,
    write: bool,
    options: AnalysisOptions,
) -> None:
    """Rewrite the code reading flag KEY as if it were always on (or off).

    Prints a unified diff; --write applies it. Exit 0: nothing (more) to do;
    1: a diff to apply; 3: part of it was left for a human (listed on stderr).
    """
    from flaglint.codemod import apply_plan, plan_removal, render_diff

    project = analysed(options)
    if key not in project.inventory.keys():
        raise UsageFailure(f"no flag '{key}' is read in these paths; `flaglint flags` lists them")
    plan = plan_removal(project, key, keep == "on")
    failed = False
    if write:
        report = apply_plan(plan, project.config.root)
        for path in report.written:
            click.echo(log_line(f"rewrote {path}"))
        for path, reason in report.failed:
            click.echo(log_line(f"flaglint: error: could not write {path}: {reason}"), err=True)
        failed = bool(report.failed)
    else:
        click.echo(render_diff(plan), nl=False)
    notes = [f"left for a human: {x.path}:{x.line}: {x.reason}" for x in plan.leftovers]
    notes += [
        f"deleted: {d.path}:{d.line}: {d.qualname} (only the removed code used it)"
        for d in plan.deleted
    ]
    notes += [
        f"deleted test: {t.path}:{t.line}: {t.qualname} ({t.reason})" for t in plan.deleted_tests
    ]
    notes += [
        f"check by hand: {c.path}:{c.line}: {c.qualname}: {c.reason}" for c in plan.check_by_hand
    ]
    notes += [f"check by hand: {n.path}:{n.line}: {n.reason}" for n in plan.notes]
    notes += [
        f"the key is still defined: {path}:{line}: {name} (delete it when unused)"
        for path, line, name in plan.definitions
    ]
    side = "off" if keep == "on" else "on"
    notes += [
        f"only the removed '{side}' side reached: {name} (delete it?)" for name in plan.unreachable
    ]
    for note in notes:
        click.echo(log_line(note), err=True)
    if options.stats:
        print_stats(project)
    if failed:
        raise SystemExit(ExitCode.USAGE)
    if plan.leftovers:
        raise SystemExit(ExitCode.PARTIAL)
    raise SystemExit(ExitCode.FINDINGS if plan.rewrites and not write else ExitCode.CLEAN)


@cli.command()
@click.option(
    "--into",
    type=click.Path(path_type=Path),
    default=None,
    help="Create the demo repository here (default: a new temporary folder).",
)
def demo(into: Path | None) -> None:
    """Re-enact Knight Capital's Power Peg failure in a git repository and analyse it."""
    import tempfile

    from flaglint.demo import run_demo

    target = into if into is not None else Path(tempfile.mkdtemp(prefix="flaglint-demo-"))
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageFailure(f"--into {target} exists and is not empty; choose another folder")
    click.echo(run_demo(target), nl=False)


@cli.command()
@click.argument("code")
def explain(code: str) -> None:
    """Show a rule's documentation (what, why, example, fix)."""
    rule = by_code(code)
    if rule is None:
        raise UsageFailure(f"unknown rule '{code}'; `flaglint rules` lists them")
    click.echo(f"{rule.code} {rule.name} ({rule.severity.value})\n")
    click.echo(rule.documentation())


@cli.command(name="rules")
@format_option(["text", "json"], "text")
def list_rules(output_format: str) -> None:
    """List every rule with its code, name and default severity."""
    if output_format == "json":
        data = [
            {
                "code": rule.code,
                "name": rule.name,
                "severity": rule.severity.value,
                "summary": rule.summary,
                "needs_base": rule.needs_history,
            }
            for rule in ALL_RULES
        ]
        click.echo(json.dumps(data, indent=2))
        return
    for rule in ALL_RULES:
        history = "  (needs --base)" if rule.needs_history else ""
        click.echo(f"{rule.code}  {rule.name:<28} {rule.severity.value:<8} {rule.summary}{history}")
