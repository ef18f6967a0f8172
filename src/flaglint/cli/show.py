"""The commands that show what flaglint sees: ``flags``, ``audit``, ``graph``, ``callgraph``."""

from __future__ import annotations

import time
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
from flaglint.engine import attach_base
from flaglint.report import (
    inventory_data,
    render_inventory_errors,
    render_inventory_json,
    render_inventory_text,
)
from flaglint.rules import ALL_RULES


@cli.command()
@analysis_options
@format_option(["text", "json"], "text")
def flags(
    options: AnalysisOptions,
    output_format: str,
) -> None:
    """List every flag read in PATHS, what each read gates, and dynamic reads."""
    project = analysed(options)
    data = inventory_data(project.inventory, project.files)
    if output_format == "json":
        click.echo(render_inventory_json(data), nl=False)
    else:
        click.echo(render_inventory_text(data), nl=False)
        # Diagnostics go to stderr: the listing on stdout is the inventory alone.
        click.echo(render_inventory_errors(data), nl=False, err=True)
    if options.stats:
        print_stats(project)


@cli.command()
@analysis_options
@format_option(["text", "json"], "text", "Format of the report on stdout.")
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
@click.option(
    "--link-template",
    default=None,
    metavar="URL",
    help="Link the HTML report's paths to URL, e.g. "
    "https://host/org/repo/blob/{commit}/{path}#L{line} (default: guessed from a "
    "GitHub, GitLab or Bitbucket origin remote, else links to the files).",
)
def audit(
    options: AnalysisOptions,
    output_format: str,
    html_file: Path | None,
    since_revision: str | None,
    no_history: bool,
    link_template: str | None,
) -> None:
    """Audit a repository: flag inventory, history, every rule's findings, a summary."""
    from flaglint.audit.gather import run_audit
    from flaglint.audit.html import render_audit_html
    from flaglint.audit.links import LinkTemplateError, check_template, guess_template, source_links
    from flaglint.audit.render import audit_data, render_audit_json, render_audit_text

    if html_file is not None and not html_file.resolve().parent.is_dir():
        raise UsageFailure(f"--html {html_file}: folder {html_file.parent} does not exist")
    if link_template is not None:
        try:
            check_template(link_template)
        except LinkTemplateError as exc:
            raise UsageFailure(f"--link-template {link_template}: {exc}") from None
    project = analysed(options)
    if since_revision is not None:
        if not since_revision.strip():
            raise UsageFailure("--since needs a revision (a tag, a branch, HEAD~1)")
        attach_base(project, project.config, since_revision)
    report = run_audit(project, ALL_RULES, since=since_revision or "", with_history=not no_history)
    started = time.perf_counter()
    data = audit_data(report)
    if html_file is not None:
        root = project.config.root
        repository = data["repository"] or {}
        template = link_template
        if template is None and repository:
            template = guess_template(root)
        links = source_links(
            template or "",
            (repository.get("head") or {}).get("commit", ""),
            repository.get("prefix", ""),
            html_file,
            root,
        )
        html_file.write_text(render_audit_html(data, links), encoding="utf-8")
    if output_format == "json":
        click.echo(render_audit_json(data), nl=False)
    else:
        click.echo(render_audit_text(data), nl=False)
    if html_file is not None:
        click.echo(f"flaglint: wrote {html_file}", err=True)
    project.stats.seconds["report"] = time.perf_counter() - started
    if options.stats:
        print_stats(project)


@cli.command()
@click.argument("key")
@analysis_options
@format_option(
    ["text", "dot", "json", "mermaid"],
    "text",
    "Output format: text, dot (Graphviz), json or mermaid (renders in GitHub Markdown).",
)
@click.option(
    "--depth",
    type=click.IntRange(min=1),
    default=None,
    help="Show only functions within N calls of a gate (1: what the gate calls).",
)
def graph(
    key: str,
    options: AnalysisOptions,
    output_format: str,
    depth: int | None,
) -> None:
    """Show what flag KEY's gated code calls, and what only it reaches."""
    from flaglint.report.graph import (
        limit_depth,
        reach_data,
        render_reach_dot,
        render_reach_json,
        render_reach_mermaid,
        render_reach_text,
    )

    project = analysed(options)
    if key not in project.inventory.keys():
        raise UsageFailure(f"no flag '{key}' is read in these paths; `flaglint flags` lists them")
    data = reach_data(project.graph, key)
    if depth is not None:
        data = limit_depth(data, depth)
    renderers = {
        "json": render_reach_json,
        "dot": render_reach_dot,
        "mermaid": render_reach_mermaid,
    }
    render = renderers.get(output_format, render_reach_text)
    click.echo(render(data), nl=False)
    if options.stats:
        print_stats(project)


@cli.command()
@analysis_options
@format_option(["json"], "json")
def callgraph(
    options: AnalysisOptions,
    output_format: str,
) -> None:
    """Dump the whole call graph as an adjacency list of qualified names."""
    from flaglint.report.graph import render_callgraph_json

    project = analysed(options)
    click.echo(render_callgraph_json(project.graph), nl=False)
    if options.stats:
        print_stats(project)
