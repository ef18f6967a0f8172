"""Command line: parse options, call the engine, pick a reporter, choose the exit code."""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from flaglint import __version__
from flaglint.cache import location as cachedir
from flaglint.config import Config, ConfigError, load_config, split_codes
from flaglint.engine import analyse, analyse_index, attach_base, open_results, run_rules
from flaglint.findings import ExitCode
from flaglint.gate.apply import GateOptions, GateResult, apply_gate
from flaglint.gate.baseline import BaselineError, load_baseline, render_baseline
from flaglint.history import HistoryError
from flaglint.project import Project
from flaglint.report import (
    REPORTERS,
    RunInfo,
    inventory_data,
    render_inventory_json,
    render_inventory_text,
)
from flaglint.report.flags import error_data
from flaglint.rules import ALL_RULES, by_code, iter_selected

F = TypeVar("F", bound=Callable[..., Any])


class UsageFailure(Exception):
    """A bad option or argument detected after click's own parsing."""


@dataclasses.dataclass(frozen=True)
class AnalysisOptions:
    """The options every analysing command shares, gathered once."""

    paths: tuple[Path, ...]
    config_file: Path | None
    exclude: tuple[str, ...]
    no_cache: bool
    cache_dir: Path | None
    stats: bool


def _analysis_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add the shared options; the command receives them as one ``options`` argument."""

    @functools.wraps(function)
    def command(
        *args: Any,
        paths: tuple[Path, ...],
        config_file: Path | None,
        exclude: tuple[str, ...],
        no_cache: bool,
        cache_dir: Path | None,
        stats: bool,
        **kwargs: Any,
    ) -> Any:
        shared = AnalysisOptions(paths, config_file, exclude, no_cache, cache_dir, stats)
        return function(*args, options=shared, **kwargs)

    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option(
            "--config",
            "config_file",
            type=click.Path(path_type=Path),
            help="Read [tool.flaglint] from this file instead of the nearest pyproject.toml.",
        ),
        click.option("--exclude", multiple=True, help="Glob of paths to skip (repeatable)."),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the caches."),
        click.option(
            "--cache-dir",
            type=click.Path(path_type=Path, file_okay=False),
            help="Keep this root's caches in DIR (default: the user's cache folder).",
        ),
        click.option("--stats", is_flag=True, help="Print timing and cache counters on stderr."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _format_option(choices: Sequence[str], default: str, help_text: str = "Output format."):
    """The ``--format`` option every command shares, with that command's choices."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help=help_text,
    )


def _start(paths: Sequence[Path]) -> tuple[Path, Path]:
    """Where configuration is searched from, and the root when there is none.

    Configuration belongs to the code: it is searched upward from the first
    path. Without one, paths are reported relative to the current directory
    when they lie inside it.
    """
    cwd = Path.cwd().resolve()
    resolved = [p.resolve() for p in paths]
    if not resolved:
        return cwd, cwd
    first = resolved[0] if resolved[0].is_dir() else resolved[0].parent
    if all(p == cwd or cwd in p.parents for p in resolved):
        return first, cwd
    return first, first


def _load(options: AnalysisOptions, overrides: dict[str, Any] | None = None) -> Config:
    """The run's configuration: the config file, then the command line."""
    for path in options.paths:
        if not path.exists():
            raise UsageFailure(f"path does not exist: {path}")
    start, fallback_root = _start(options.paths)
    config = load_config(start, options.config_file, overrides, fallback_root=fallback_root)
    if options.exclude:
        config = dataclasses.replace(config, exclude=config.exclude + options.exclude)
    if options.cache_dir is not None:
        config = dataclasses.replace(config, cache_override=str(options.cache_dir))
    if not options.no_cache:
        warning = cachedir.locate(config).warning
        if warning:
            click.echo(f"flaglint: warning: {warning}", err=True)
    return config


def _print_stats(project: Project, base_ran: bool = False) -> None:
    stats = project.stats
    timings = " ".join(f"{k}={v:.3f}s" for k, v in stats.seconds.items())
    # With --new-only the base tree's rules run too, their findings cached or not.
    base = ""
    if base_ran and project.base is not None:
        base = f"base-results={_cached(project.base.stats.results_cached)} "
    click.echo(
        f"flaglint: files={stats.files} lines={stats.lines} parsed={stats.parsed} "
        f"cached={stats.cache_hits} results={_cached(stats.results_cached)} {base}"
        f"edges-reused={stats.edges_reused} {timings}",
        err=True,
    )


def _cached(cached: bool) -> str:
    return "cached" if cached else "computed"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="flaglint")
def cli() -> None:
    """flaglint finds feature-flag hazards: dormant code behind live flags,
    reused flag identifiers and circuit breakers refactored away."""


@cli.command()
@_analysis_options
@_format_option(
    sorted(REPORTERS),
    "text",
    "Output format: text, json, sarif (code scanning) or github (Actions annotations).",
)
@click.option(
    "--select", multiple=True, help="Rule codes or prefixes to run (comma-separated or repeated)."
)
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to skip.")
@click.option(
    "--base",
    metavar="REV",
    help="Also analyse git revision REV: history rules compare against it.",
)
@click.option(
    "--new-only",
    is_flag=True,
    help="Report only findings that did not exist at --base REV.",
)
@click.option(
    "--staged",
    is_flag=True,
    help="Check the files staged for commit (git's index) instead of the work tree.",
)
@click.option(
    "--baseline",
    "baseline_file",
    type=click.Path(path_type=Path),
    help="Hide the findings recorded in FILE (see --write-baseline).",
)
@click.option(
    "--write-baseline",
    "write_baseline_file",
    type=click.Path(path_type=Path),
    help="Record today's findings in FILE and exit 0.",
)
@click.option(
    "--report-unused-suppressions",
    is_flag=True,
    help="Report suppression comments that suppressed nothing (FL902).",
)
@click.option(
    "--sink",
    "sinks",
    multiple=True,
    metavar="PATTERN",
    help="Also treat calls matching PATTERN as sinks (repeatable; adds to `sinks`).",
)
def check(
    options: AnalysisOptions,
    output_format: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    base: str | None,
    new_only: bool,
    staged: bool,
    baseline_file: Path | None,
    write_baseline_file: Path | None,
    report_unused_suppressions: bool,
    sinks: tuple[str, ...],
) -> None:
    """Run the rules on PATHS (default: the current directory)."""
    paths, no_cache = options.paths, options.no_cache
    if new_only and not base:
        raise UsageFailure("--new-only needs --base REV (for example --base origin/main)")
    if staged and paths:
        raise UsageFailure("--staged checks every staged file; leave out PATHS")
    overrides: dict[str, Any] = {}
    if select:
        overrides["select"] = list(split_codes(select))
    if ignore:
        overrides["ignore"] = list(split_codes(ignore))
    config = _load(options, overrides)
    if sinks:
        config = dataclasses.replace(config, sinks=config.sinks + sinks)
    _check_codes(config.select + config.ignore)
    gate_options = GateOptions(
        baseline=load_baseline(baseline_file) if baseline_file is not None else None,
        report_unused_suppressions=report_unused_suppressions,
    )
    if staged:
        project = analyse_index(config, use_cache=not no_cache)
    else:
        project = analyse(config, list(paths), use_cache=not no_cache)
    if base:
        attach_base(project, config, base)
    rules = list(iter_selected(ALL_RULES, config.select, config.ignore))
    results = open_results(config, enabled=not no_cache)
    # The staged tree is keyed by the index's blobs, but blame still reads the
    # work tree's files: only trees whose every input is in the key use the cache.
    findings = run_rules(project, rules, None if staged else results)
    base_findings = None
    if new_only and project.base is not None:
        base_findings = run_rules(project.base, rules, results)
    gate = apply_gate(project, findings, rules, gate_options, base_findings)
    if write_baseline_file is not None:
        _write_baseline(write_baseline_file, gate)
    run = RunInfo(
        files=project.stats.files,
        lines=project.stats.lines,
        rules=RunInfo.rule_infos(rules),
        errors=tuple(error_data(project.files)),
        uri_prefix=_uri_prefix(config) if output_format in ("sarif", "github") else "",
        suppressed=gate.suppressed,
        baselined=gate.baselined,
        preexisting=gate.preexisting,
        base_revision=base or "",
        colour=output_format == "text" and sys.stdout.isatty(),
    )
    click.echo(REPORTERS[output_format](gate.findings, run), nl=False)
    _report_stale(gate, baseline_file)
    if options.stats:
        _print_stats(project, base_ran=base_findings is not None)
    if write_baseline_file is not None:
        raise SystemExit(ExitCode.CLEAN)
    raise SystemExit(ExitCode.FINDINGS if gate.findings else ExitCode.CLEAN)


def _write_baseline(path: Path, gate: GateResult) -> None:
    try:
        path.write_text(render_baseline(gate.recorded), encoding="utf-8")
    except OSError as exc:
        raise UsageFailure(f"cannot write baseline {path}: {exc.strerror or exc}") from None
    count = len(gate.recorded)
    click.echo(
        f"flaglint: recorded {count} finding{'s' if count != 1 else ''} in {path}; "
        f"gate with --baseline {path}",
        err=True,
    )


def _report_stale(gate: GateResult, baseline_file: Path | None) -> None:
    """Baseline entries that match nothing any more: the file can shrink."""
    if not gate.stale:
        return
    count = len(gate.stale)
    click.echo(
        f"flaglint: {count} baseline entr{'ies' if count != 1 else 'y'} in {baseline_file} "
        f"no longer match (fixed or gone); rewrite it with --write-baseline {baseline_file}:",
        err=True,
    )
    for entry in gate.stale:
        where = f" in {entry.symbol}" if entry.symbol else ""
        line = f"    {entry.path}:{entry.line}: {entry.rule}{where} {entry.flag}"
        click.echo(line.rstrip(), err=True)


def _uri_prefix(config: Config) -> str:
    """The root's folder inside its git repository, for paths GitHub can place."""
    from flaglint import history

    try:
        top = history.toplevel(config.root).resolve()
    except HistoryError:
        return ""
    relative = config.root.resolve().relative_to(top).as_posix()
    return "" if relative == "." else relative + "/"


@cli.command()
@_analysis_options
@_format_option(["text", "json"], "text")
def flags(
    options: AnalysisOptions,
    output_format: str,
) -> None:
    """List every flag read in PATHS, what each read gates, and dynamic reads."""
    project = _analysed(options)
    data = inventory_data(project.inventory, project.files)
    if output_format == "json":
        click.echo(render_inventory_json(data), nl=False)
    else:
        click.echo(render_inventory_text(data), nl=False)
    if options.stats:
        _print_stats(project)


@cli.command()
@_analysis_options
@_format_option(["text", "json"], "text", "Format of the report on stdout.")
@click.option(
    "--html",
    "html_file",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="FILE",
    help="Also write a self-contained HTML report to FILE.",
)
@click.option(
    "--since",
    "since_revision",
    default=None,
    metavar="REV",
    help="Run the rules that compare revisions against git revision REV.",
)
@click.option("--no-history", is_flag=True, help="Skip git history (first seen, gate changes).")
def audit(
    options: AnalysisOptions,
    output_format: str,
    html_file: Path | None,
    since_revision: str | None,
    no_history: bool,
) -> None:
    """Audit a repository: flag inventory, history, every rule's findings, a summary."""
    from flaglint.audit.gather import run_audit
    from flaglint.audit.html import render_audit_html
    from flaglint.audit.render import audit_data, render_audit_json, render_audit_text

    if html_file is not None and not html_file.resolve().parent.is_dir():
        raise UsageFailure(f"--html {html_file}: folder {html_file.parent} does not exist")
    project = _analysed(options)
    if since_revision is not None:
        attach_base(project, project.config, since_revision)
    report = run_audit(project, ALL_RULES, since=since_revision or "", with_history=not no_history)
    data = audit_data(report)
    if html_file is not None:
        html_file.write_text(render_audit_html(data), encoding="utf-8")
    if output_format == "json":
        click.echo(render_audit_json(data), nl=False)
    else:
        click.echo(render_audit_text(data), nl=False)
    if html_file is not None:
        click.echo(f"flaglint: wrote {html_file}", err=True)
    if options.stats:
        _print_stats(project)


@cli.command()
@click.argument("key")
@_analysis_options
@_format_option(["text", "dot", "json"], "text")
def graph(
    key: str,
    options: AnalysisOptions,
    output_format: str,
) -> None:
    """Show what flag KEY's gated code calls, and what only it reaches."""
    from flaglint.report.graph import (
        reach_data,
        render_reach_dot,
        render_reach_json,
        render_reach_text,
    )

    project = _analysed(options)
    if key not in project.inventory.keys():
        raise UsageFailure(f"no flag '{key}' is read in these paths; `flaglint flags` lists them")
    data = reach_data(project.graph, key)
    render = {"json": render_reach_json, "dot": render_reach_dot}.get(
        output_format, render_reach_text
    )
    click.echo(render(data), nl=False)
    if options.stats:
        _print_stats(project)


@cli.command()
@_analysis_options
@_format_option(["json"], "json")
def callgraph(
    options: AnalysisOptions,
    output_format: str,
) -> None:
    """Dump the whole call graph as an adjacency list of qualified names."""
    from flaglint.report.graph import render_callgraph_json

    project = _analysed(options)
    click.echo(render_callgraph_json(project.graph), nl=False)
    if options.stats:
        _print_stats(project)


def _analysed(options: AnalysisOptions) -> Project:
    config = _load(options)
    return analyse(config, list(options.paths), use_cache=not options.no_cache)


@cli.command(name="remove-flag")
@click.argument("key")
@click.option(
    "--keep",
    type=click.Choice(["on", "off"]),
    required=True,
    help="The value the flag keeps for good: code for the other value is removed.",
)
@click.option("--write", is_flag=True, help="Apply the changes instead of printing a diff.")
@_analysis_options
def remove_flag(
    key: str,
    keep: str,
    write: bool,
    options: AnalysisOptions,
) -> None:
    """Rewrite the code reading flag KEY as if it were always on (or off).

    Prints a unified diff (exit 1 when there is one); --write applies it.
    """
    from flaglint.codemod import apply_plan, plan_removal, render_diff

    project = _analysed(options)
    if key not in project.inventory.keys():
        raise UsageFailure(f"no flag '{key}' is read in these paths; `flaglint flags` lists them")
    plan = plan_removal(project, key, keep == "on")
    if write:
        apply_plan(plan, project.config.root)
        for rewrite in plan.rewrites:
            click.echo(f"rewrote {rewrite.path}")
    else:
        click.echo(render_diff(plan), nl=False)
    for left in plan.leftovers:
        click.echo(f"left for a human: {left.path}:{left.line}: {left.reason}", err=True)
    for path, line, name in plan.definitions:
        click.echo(
            f"the key is still defined: {path}:{line}: {name} (delete it when unused)", err=True
        )
    side = "off" if keep == "on" else "on"
    for name in plan.unreachable:
        click.echo(f"only the removed '{side}' side reached: {name} (delete it?)", err=True)
    if options.stats:
        _print_stats(project)
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
def list_rules() -> None:
    """List every rule with its code, name and default severity."""
    for rule in ALL_RULES:
        history = "  (needs --base)" if rule.needs_history else ""
        click.echo(f"{rule.code}  {rule.name:<28} {rule.severity.value:<8} {rule.summary}{history}")


def _check_codes(codes: Sequence[str]) -> None:
    known = {r.code for r in ALL_RULES} | {r.name for r in ALL_RULES}
    for code in codes:
        if code == "ALL" or code in known:
            continue
        if not any(r.code.startswith(code) for r in ALL_RULES):
            raise UsageFailure(f"unknown rule selector '{code}'; `flaglint rules` lists them")


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: usage and configuration errors are one line on stderr, exit 2."""
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            standalone_mode=False,
            prog_name="flaglint",
        )
    except click.exceptions.NoArgsIsHelpError as exc:  # pragma: no cover - click >= 8.2
        click.echo(exc.ctx.get_help() if exc.ctx else "", err=False)
        raise SystemExit(ExitCode.USAGE) from None
    except click.UsageError as exc:
        click.echo(f"flaglint: error: {exc.format_message()}", err=True)
        raise SystemExit(ExitCode.USAGE) from None
    except (UsageFailure, ConfigError, HistoryError, BaselineError) as exc:
        click.echo(f"flaglint: error: {exc}", err=True)
        raise SystemExit(ExitCode.USAGE) from None
    except click.exceptions.Abort:
        click.echo("flaglint: aborted", err=True)
        raise SystemExit(ExitCode.USAGE) from None
    except click.exceptions.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    raise SystemExit(ExitCode.CLEAN)


def run() -> None:
    """The console script: :func:`main`, then leave without tearing the heap down.

    A check holds a few hundred megabytes of small objects (facts, the call
    graph); freeing them one by one at interpreter exit took a fifth of a warm
    check (benchmarks/RESULTS.md, design measurements), and nothing needs it: every file
    flaglint writes is closed and renamed into place before this point. So
    the streams are flushed and the process ends with ``os._exit``, the way
    mypy ends too. :func:`main` itself stays an ordinary function for tests
    and for callers that embed flaglint.
    """
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    else:  # pragma: no cover - main always raises SystemExit
        code = ExitCode.CLEAN
    if code is not None and not isinstance(code, int):
        click.echo(str(code), err=True)
        code = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: the exit code still counts
        code = code or 1
    os._exit(int(code or 0))
