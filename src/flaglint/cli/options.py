"""What every command shares: analysis options gathered once, the configuration, --stats."""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from flaglint.cache import location as cachedir
from flaglint.config import Config, load_config
from flaglint.engine import analyse, progress
from flaglint.project import Project
from flaglint.rules import Rule

F = TypeVar("F", bound=Callable[..., Any])


class UsageFailure(Exception):
    """A bad option or argument detected after click's own parsing."""


@dataclasses.dataclass(frozen=True)
class AnalysisOptions:
    """The options every analysing command shares, gathered once."""

    paths: tuple[Path, ...]
    config_file: Path | None
    exclude: tuple[str, ...]
    extend_exclude: tuple[str, ...]
    no_cache: bool
    cache_dir: Path | None
    stats: bool


def analysis_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """Add the shared options; the command receives them as one ``options`` argument."""

    @functools.wraps(function)
    def command(
        *args: Any,
        paths: tuple[Path, ...],
        config_file: Path | None,
        exclude: tuple[str, ...],
        extend_exclude: tuple[str, ...],
        no_cache: bool,
        cache_dir: Path | None,
        stats: bool,
        **kwargs: Any,
    ) -> Any:
        shared = AnalysisOptions(
            paths, config_file, exclude, extend_exclude, no_cache, cache_dir, stats
        )
        from flaglint.history.repository import GIT_SECONDS

        GIT_SECONDS[0] = 0.0
        # Progress on stderr for a person at a terminal; never with -q or a pipe.
        progress.enable(progress.terminal_stderr(quiet=bool(kwargs.get("quiet"))))
        try:
            return function(*args, options=shared, **kwargs)
        finally:
            progress.enable(None)

    options = [
        click.argument("paths", nargs=-1, type=click.Path(path_type=Path)),
        click.option(
            "--config",
            "config_file",
            type=click.Path(path_type=Path),
            help="Read [tool.flaglint] from this file instead of the nearest pyproject.toml.",
        ),
        click.option(
            "--exclude",
            multiple=True,
            help="Glob of paths to skip (repeatable); replaces the configured `exclude`.",
        ),
        click.option(
            "--extend-exclude",
            multiple=True,
            help="Glob of paths to skip as well as the configured `exclude` (repeatable).",
        ),
        click.option("--no-cache", is_flag=True, help="Neither read nor write the caches."),
        click.option(
            "--cache-dir",
            type=click.Path(path_type=Path, file_okay=False),
            help="Keep this root's caches in DIR (default: the user's cache folder).",
        ),
        click.option(
            "--stats", is_flag=True, help="Print timing, cache and peak memory counters on stderr."
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def format_option(choices: Sequence[str], default: str, help_text: str = "Output format."):
    """The ``--format`` option every command shares, with that command's choices."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help=help_text,
    )


def colour_option(function: F) -> F:
    """``--color auto|always|never``, as ruff and many other tools spell it."""
    return click.option(
        "--color",
        "color",
        type=click.Choice(["auto", "always", "never"]),
        default="auto",
        show_default=True,
        help="Colour the text report: auto (a terminal, unless NO_COLOR; FORCE_COLOR forces it).",
    )(function)


def colour_choice(option: str) -> bool | None:
    """Whether to colour: the option first, then ``NO_COLOR``, then ``FORCE_COLOR``.

    ``None`` leaves it to click, which colours a terminal and strips the
    escapes from anything else (a pipe, a file, a CI log without FORCE_COLOR).
    """
    if option != "auto":
        return option == "always"
    if os.environ.get("NO_COLOR"):  # no-color.org: any non-empty value
        return False
    if os.environ.get("FORCE_COLOR", "") not in ("", "0", "false"):
        return True
    return None


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


def load_config_for(options: AnalysisOptions, overrides: dict[str, Any] | None = None) -> Config:
    """The run's configuration: the config file, then the command line."""
    for path in options.paths:
        if not path.exists():
            raise UsageFailure(f"path does not exist: {path}")
    start, fallback_root = _start(options.paths)
    config = load_config(start, options.config_file, overrides, fallback_root=fallback_root)
    # As ruff: --exclude replaces the configured list, --extend-exclude adds to it.
    exclude = options.exclude or config.exclude
    if options.exclude or options.extend_exclude:
        config = dataclasses.replace(config, exclude=exclude + options.extend_exclude)
    if options.cache_dir is not None:
        config = dataclasses.replace(config, cache_override=str(options.cache_dir))
    if not options.no_cache:
        warning = cachedir.locate(config).warning
        if warning:
            click.echo(f"flaglint: warning: {warning}", err=True)
    root = config.root.resolve()
    for path in options.paths:
        resolved = path.resolve()
        if resolved != root and root not in resolved.parents:
            raise UsageFailure(
                f"{path} is outside the root {root} (the folder of the configuration file); "
                "analyse paths inside it, or pass --config from their own project"
            )
    return config


def require_files(options: AnalysisOptions, project: Project) -> None:
    """Paths were given and none of them holds a Python file: that is no clean pass."""
    if options.paths and not project.listing():
        shown = ", ".join(str(p) for p in options.paths)
        raise UsageFailure(
            f"no Python files to analyse in {shown}{_excluded_by(project.config, options)}"
        )


def _excluded_by(config: Config, options: AnalysisOptions) -> str:
    """Why the paths' Python files were left out, when an exclude pattern did it."""
    if not config.exclude:
        return ""
    from flaglint.discovery import discover, excluded

    hidden = [f.path for f in discover(config.root, options.paths, ())]
    if not hidden:
        return ""
    pattern = next(
        (p for p in config.exclude if any(excluded(rel, (p,)) for rel in hidden)), config.exclude[0]
    )
    if pattern in options.extend_exclude:
        where = "--extend-exclude"
    elif options.exclude:
        where = "--exclude"
    else:
        where = f"exclude in {config.source}" if config.source else "exclude"
    return (
        f": its {len(hidden)} Python file{'s' if len(hidden) != 1 else ''} match"
        f"{'' if len(hidden) != 1 else 'es'} the pattern {pattern!r} of {where}"
        " (--exclude replaces that list)"
    )


def print_stats(project: Project, base_ran: bool = False) -> None:
    stats = project.stats
    timings = " ".join(f"{k}={v:.3f}s" for k, v in stats.seconds.items())
    # With --new-only the base tree's rules run too, their findings cached or not.
    base = ""
    if base_ran and project.base is not None:
        base = f"base-results={_cached(project.base.stats.results_cached)} "
    from flaglint.history.repository import GIT_SECONDS

    # git runs alongside the stages (blames in background threads), so its
    # time is summed over its processes, not a slice of the wall time.
    click.echo(
        f"flaglint: files={stats.files} lines={stats.lines} parsed={stats.parsed} "
        f"cached={stats.cache_hits} results={_cached(stats.results_cached)} {base}"
        f"edges-reused={stats.edges_reused} {timings} git={GIT_SECONDS[0]:.3f}s"
        f"{_peak_memory()}",
        err=True,
    )


def _peak_memory() -> str:
    """`` peak-rss=NMB``: the largest resident set of this process or of any process it
    started and waited for (forked workers, git); nothing where the platform cannot
    say (Windows). A forked worker's resident set counts the pages it shares with
    this process, as its own peak does on the machine."""
    try:
        import resource
    except ImportError:
        return ""
    largest = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    # Kilobytes on Linux and the BSDs, bytes on macOS.
    megabytes = largest / (1 << 20) if sys.platform == "darwin" else largest / 1024
    return f" peak-rss={megabytes:.0f}MB"


def _cached(cached: bool) -> str:
    return "cached" if cached else "computed"


def analysed(options: AnalysisOptions) -> Project:
    config = load_config_for(options)
    project = analyse(config, list(options.paths), use_cache=not options.no_cache)
    require_files(options, project)
    return project


def check_codes(codes: Sequence[str], rules: Sequence[type[Rule]]) -> None:
    """Every selector names a rule of ``rules``, by code, code prefix or name."""
    known = {r.code for r in rules} | {r.name for r in rules}
    for code in codes:
        if code == "ALL" or code in known:
            continue
        if not any(r.code.startswith(code) for r in rules):
            raise UsageFailure(f"unknown rule selector '{code}'; `flaglint rules` lists them")
