"""``remove-flag``, ``demo``, ``explain`` and ``rules``."""

from __future__ import annotations

import json
from collections.abc import Collection
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
    "--flag",
    "more",
    metavar="KEY[=on|off]",
    multiple=True,
    help="Another flag to remove in the same run (repeat it for more).",
)
@click.option(
    "--keep",
    type=click.Choice(["on", "off"]),
    default=None,
    help="The value the flags keep for good: code for the other value is removed. "
    "KEY=on or KEY=off gives one key its own value.",
)
@click.option("--write", is_flag=True, help="Apply the changes instead of printing a diff.")
@analysis_options
def remove_flag(
    key: str,
    more: tuple[str, ...],
    keep: str | None,
    write: bool,
    options: AnalysisOptions,
) -> None:
    """Rewrite the code reading flag KEY as if it were always on (or off).

    \b
    Several flags are removed in one run with --flag, all fixed at once:
      flaglint remove-flag new-cart --flag new-cart-eu --keep on
      flaglint remove-flag new-cart --flag legacy-tax=off --keep on
    A condition or a wrapper reading two of them folds, and one diff covers
    them all. --keep gives every key its value; KEY=on or KEY=off gives one
    key its own (a key given twice must ask for one value). The output does
    not depend on the order of the keys; with several, each item left for a
    human names its key.

    Prints a unified diff; --write applies it. Exit 0: nothing (more) to do;
    1: a diff to apply; 3: part of it was left for a human (listed on stderr).
    """
    from flaglint.codemod import apply_plan, plan_removals, render_diff

    given = (key, *more)
    if keep is None and not all(g.endswith(("=on", "=off")) for g in given):
        raise UsageFailure("missing option --keep on|off (or KEY=on|off for each key)")
    project = analysed(options)
    sides = _sides(given, keep, project.inventory.keys())
    plan = plan_removals(project, sides)
    several = len(sides) > 1
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

    def about(keys: str) -> str:
        return f" ({keys})" if several and keys else ""

    notes = [
        f"left for a human{about(x.key)}: {x.path}:{x.line}: {x.reason}" for x in plan.leftovers
    ]
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
    notes += [f"check by hand{about(n.key)}: {n.path}:{n.line}: {n.reason}" for n in plan.notes]
    notes += [
        f"the key is still defined: {path}:{line}: {name} (delete it when unused)"
        for path, line, name in plan.definitions
    ]
    notes += [
        f"only the removed '{'off' if sides[k] else 'on'}' side{f' of {k}' if several else ''} "
        f"reached: {name} (delete it?)"
        if k
        else f"only the removed sides of the keys together reached: {name} (delete it?)"
        for name, k in plan.reached_by
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


def _sides(keys: tuple[str, ...], keep: str | None, known: Collection[str]) -> dict[str, bool]:
    """Each key and the value it keeps, from ``KEY``/``KEY=on|off`` and ``--keep``."""
    sides: dict[str, bool] = {}
    unknown: list[str] = []
    for given in keys:
        key, value = given, keep
        name, _, side = given.rpartition("=")
        if name and side in ("on", "off") and given not in known:
            key, value = name, side
        if key not in known:
            unknown.append(key)
            continue
        if value is None:
            raise UsageFailure(f"no value for '{key}': give --keep on|off or {key}=on|off")
        if sides.setdefault(key, value == "on") != (value == "on"):
            raise UsageFailure(f"'{key}' is given both on and off; keep it one way")
    if len(unknown) == 1:
        raise UsageFailure(
            f"no flag '{unknown[0]}' is read in these paths; `flaglint flags` lists them"
        )
    if unknown:
        names = ", ".join(f"'{k}'" for k in dict.fromkeys(unknown))
        raise UsageFailure(f"no flags {names} are read in these paths; `flaglint flags` lists them")
    return sides


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
