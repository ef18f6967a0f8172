"""``flaglint check``: the rules, the gate (baselines, suppressions, --new-only), reporters."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path
from typing import Any

import click

from flaglint.cli.main import cli
from flaglint.cli.options import (
    AnalysisOptions,
    UsageFailure,
    analysis_options,
    check_codes,
    colour_choice,
    colour_option,
    format_option,
    load_config_for,
    print_stats,
    require_files,
)
from flaglint.config import Config, split_codes
from flaglint.engine import analyse, analyse_index, attach_base, open_results, run_rules
from flaglint.findings import ExitCode
from flaglint.gate.apply import GateOptions, GateResult, apply_gate
from flaglint.gate.baseline import load_baseline, render_baseline
from flaglint.history import HistoryError
from flaglint.report import (
    REPORTERS,
    RunInfo,
)
from flaglint.report.escape import log_line
from flaglint.report.flags import error_data
from flaglint.report.paths import as_seen_from, cwd_prefix, errors_seen_from, in_subfolder, under
from flaglint.report.statistics import render_statistics
from flaglint.rules import ALL_RULES, iter_selected


@cli.command()
@analysis_options
@format_option(
    sorted(REPORTERS),
    "text",
    "Output format: text, json, sarif (code scanning) or github (Actions annotations).",
)
@click.option(
    "--select", multiple=True, help="Rule codes or prefixes to run (comma-separated or repeated)."
)
@click.option(
    "--extend-select",
    multiple=True,
    help="Rule codes or prefixes to run as well as the selected ones.",
)
@click.option(
    "--ignore",
    multiple=True,
    help="Rule codes or prefixes to skip; the most specific of --select and --ignore wins.",
)
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
@click.option(
    "--fix",
    is_flag=True,
    help="Remove suppression comments (or the codes in them) that hide nothing "
    "(FL902's fix; implies --report-unused-suppressions).",
)
@click.option(
    "--stdin-filename",
    metavar="PATH",
    help="Read the source of PATH from standard input (an editor's unsaved buffer) and "
    "report only its findings; the rest of the project is read from disk.",
)
@click.option(
    "--exit-zero",
    is_flag=True,
    help="Exit 0 even when there are findings (usage and configuration errors stay 2).",
)
@click.option(
    "-o",
    "--output-file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the report to FILE instead of standard output.",
)
@click.option(
    "--statistics",
    is_flag=True,
    help="Print how many findings each rule has instead of the findings.",
)
@click.option(
    "-q",
    "--quiet",
    is_flag=True,
    help="Print the findings and nothing else: no summary line, no notes on stderr.",
)
@colour_option
def check(
    options: AnalysisOptions,
    output_format: str,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    base: str | None,
    new_only: bool,
    staged: bool,
    baseline_file: Path | None,
    write_baseline_file: Path | None,
    report_unused_suppressions: bool,
    sinks: tuple[str, ...],
    fix: bool,
    stdin_filename: str | None,
    exit_zero: bool,
    output_file: Path | None,
    statistics: bool,
    quiet: bool,
    color: str,
) -> None:
    """Run the rules on PATHS (default: the current directory)."""
    paths, no_cache = options.paths, options.no_cache
    if base is not None and not base.strip():
        raise UsageFailure("--base needs a revision (a tag, a branch, HEAD~1), not an empty string")
    if new_only and not base:
        raise UsageFailure("--new-only needs --base REV (for example --base origin/main)")
    if staged and paths:
        raise UsageFailure("--staged checks every staged file; leave out PATHS")
    if fix and (staged or stdin_filename is not None):
        raise UsageFailure("--fix rewrites files in the work tree; leave out --staged")
    if stdin_filename is not None and (paths or staged or base):
        raise UsageFailure(
            "--stdin-filename checks one buffer against the work tree; "
            "leave out PATHS, --staged and --base"
        )
    overrides: dict[str, Any] = {}
    if select:
        overrides["select"] = list(split_codes(select))
    if ignore:
        overrides["ignore"] = list(split_codes(ignore))
    config = load_config_for(options, overrides)
    if sinks:
        config = dataclasses.replace(config, sinks=config.sinks + sinks)
    if extend_select:
        extended = (config.select or ("ALL",)) + split_codes(extend_select)
        config = dataclasses.replace(config, select=extended)
    check_codes(config.select + config.ignore, ALL_RULES)
    gate_options = GateOptions(
        baseline=load_baseline(baseline_file) if baseline_file is not None else None,
        report_unused_suppressions=report_unused_suppressions or fix,
    )
    stdin_path = None
    if staged:
        project = analyse_index(config, use_cache=not no_cache)
    elif stdin_filename is not None:
        stdin_path = _stdin_path(config, stdin_filename)
        buffer = {stdin_path: click.get_binary_stream("stdin").read()}
        project = analyse(config, [], use_cache=not no_cache, contents=buffer)
    else:
        project = analyse(config, list(paths), use_cache=not no_cache, lazy=True)
        require_files(options, project)
    # What a check asks of the inventory is stored: it may be built aside.
    project.inventory_aside = True
    if base:
        attach_base(project, config, base)
        project.base.inventory_aside = True  # built while its flow is solved, if first
    rules = list(iter_selected(ALL_RULES, config.select, config.ignore))
    results = open_results(config, enabled=not no_cache)
    # The staged tree is keyed by the index's blobs, but blame still reads the
    # work tree's files: only trees whose every input is in the key use the cache.
    # The findings cache is keyed by the work tree: a buffer is not in it.
    findings = run_rules(project, rules, None if staged or stdin_path else results)
    base_findings = None
    if new_only and project.base is not None:
        base_findings = run_rules(project.base, rules, results)
    gate = apply_gate(project, findings, rules, gate_options, base_findings)
    if fix:
        gate = _fix(config, gate, quiet)
    if write_baseline_file is not None:
        _write_baseline(write_baseline_file, gate)
    colour = colour_choice(color)
    # Run from a subfolder of the root: paths as seen from there, and with
    # no PATHS only that subfolder's findings (the program is still whole).
    # Which findings a subfolder shows does not depend on the format; how their
    # paths are written does (SARIF and GitHub stay relative to the root).
    here = cwd_prefix(config.root)
    prefix = here if output_format in ("text", "json") else None
    shown_findings = gate.findings
    files, errors = project.stats.files, error_data(project.error_files())
    if stdin_path is not None:
        shown_findings = [f for f in shown_findings if f.path == stdin_path]
        files = 1
        errors = [e for e in errors if e["path"] == stdin_path]
    elif here and not paths and not staged:
        shown_findings = in_subfolder(shown_findings, here)
        files = sum(1 for path, _, _ in project.listing() if under(path, here))
        errors = [e for e in errors if under(e["path"], here)]
    shown_findings = as_seen_from(shown_findings, prefix)
    run = RunInfo(
        files=files,
        lines=project.stats.lines,
        rules=RunInfo.rule_infos(rules),
        errors=errors_seen_from(errors, prefix),
        uri_prefix=_uri_prefix(config) if output_format in ("sarif", "github") else "",
        rule_docs_url=config.rule_docs_url,
        suppressed=gate.suppressed,
        baselined=gate.baselined,
        preexisting=gate.preexisting,
        base_revision=base or "",
        colour=output_format == "text" and output_file is None and colour is not False,
        quiet=quiet,
    )
    if statistics:
        report = render_statistics(shown_findings, run, output_format)
    else:
        report = REPORTERS[output_format](shown_findings, run)
    _emit(report, output_file, colour)
    if not quiet:
        _report_stale(gate, baseline_file)
    if options.stats:
        print_stats(project, base_ran=base_findings is not None)
    if write_baseline_file is not None:
        raise SystemExit(ExitCode.CLEAN)
    found = shown_findings and not exit_zero
    raise SystemExit(ExitCode.FINDINGS if found else ExitCode.CLEAN)


def _emit(report: str, output_file: Path | None, colour: bool | None) -> None:
    """The report on stdout, or in ``output_file`` (written whole, UTF-8).

    click writes the escapes when ``colour`` says so, and on ``None`` keeps
    them only for a terminal.
    """
    if output_file is None:
        click.echo(report, nl=False, color=colour)
        return
    try:
        output_file.write_text(report, encoding="utf-8")
    except OSError as exc:
        raise UsageFailure(
            f"cannot write --output-file {output_file}: {exc.strerror or exc}"
        ) from None


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
        click.echo(log_line(line.rstrip()), err=True)


def _fix(config: Config, gate: GateResult, quiet: bool) -> GateResult:
    """Apply FL902's fix; the fixed comments are no longer findings."""
    from flaglint.gate.fix import apply_fixes
    from flaglint.rules.diagnostics.unused_suppression import UnusedSuppression

    fixed = set(apply_fixes(config.root, gate.unused))
    if not quiet:
        counts = Counter(path for path, _ in fixed)
        for path, count in sorted(counts.items()):
            noun = "comment" if count == 1 else "comments"
            line = f"flaglint: fixed {count} unused suppression {noun} in {path}"
            click.echo(log_line(line), err=True)
    gate.findings = [
        f
        for f in gate.findings
        if not (f.rule == UnusedSuppression.code and (f.path, f.line) in fixed)
    ]
    return gate


def _stdin_path(config: Config, name: str) -> str:
    """``--stdin-filename``'s path relative to the root; outside it is a usage error."""
    root = config.root.resolve()
    path = (Path.cwd() / name).resolve()
    if path != root and root not in path.parents:
        raise UsageFailure(f"--stdin-filename {name} is outside the root {root}")
    if path.suffix not in (".py", ".pyi"):
        raise UsageFailure(f"--stdin-filename {name} is not a Python file (.py)")
    return path.relative_to(root).as_posix()


def _uri_prefix(config: Config) -> str:
    """The root's folder inside its git repository, for paths GitHub can place."""
    from flaglint import history

    try:
        top = history.toplevel(config.root).resolve()
    except HistoryError:
        return ""
    relative = config.root.resolve().relative_to(top).as_posix()
    return "" if relative == "." else relative + "/"
