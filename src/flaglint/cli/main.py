"""The command group and entry points: usage and config errors are one line on stderr, exit 2."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

import click

from flaglint import __version__
from flaglint.cache import background
from flaglint.cli.options import UsageFailure
from flaglint.config import ConfigError
from flaglint.engine import gcpause
from flaglint.findings import ExitCode
from flaglint.gate.baseline import BaselineError
from flaglint.history import HistoryError
from flaglint.report.escape import log_line


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="flaglint")
def cli() -> None:
    """flaglint finds feature-flag hazards: dormant code behind live flags,
    reused flag identifiers and circuit breakers refactored away."""


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: usage and configuration errors are one line on stderr, exit 2."""
    if sys.stdout is None or sys.stdout.closed:
        click.echo(
            "flaglint: error: standard output is closed; nothing could be reported", err=True
        )
        raise SystemExit(ExitCode.USAGE)
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
        click.echo(log_line(f"flaglint: error: {exc.format_message()}"), err=True)
        raise SystemExit(ExitCode.USAGE) from None
    except (UsageFailure, ConfigError, HistoryError, BaselineError) as exc:
        click.echo(log_line(f"flaglint: error: {exc}"), err=True)
        raise SystemExit(ExitCode.USAGE) from None
    except click.exceptions.Abort:
        click.echo("flaglint: aborted", err=True)
        raise SystemExit(ExitCode.USAGE) from None
    except click.exceptions.Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except BrokenPipeError:
        # The reader went away (``| head``): say so once, and stop writing to it.
        _silence_stdout()
        click.echo("flaglint: error: standard output was closed while writing", err=True)
        raise SystemExit(ExitCode.USAGE) from None
    raise SystemExit(ExitCode.CLEAN)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def run() -> None:
    """The console script: :func:`main`, then leave without tearing the heap down.

    A check holds a few hundred megabytes of small objects (facts, the call
    graph); freeing them one by one at interpreter exit took a fifth of a warm
    check (benchmarks/RESULTS.md, design measurements), and nothing needs it: every file
    flaglint writes is closed and renamed into place before this point. So
    the streams are flushed and the process ends with ``os._exit``, the way
    mypy ends too. For the same reason the rules' stage ends with what it
    made frozen, not scanned by the collector (:func:`gcpause.ends_with_exit`).
    :func:`main` itself stays an ordinary function for tests and for callers
    that embed flaglint.
    """
    gcpause.ends_with_exit()
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    else:  # pragma: no cover - main always raises SystemExit
        code = ExitCode.CLEAN
    if code is not None and not isinstance(code, int):
        click.echo(str(code), err=True)
        code = 1
    background.wait()  # a cache file a forked child writes is in place before the exit
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # a closed pipe: the exit code still counts
        code = code or 1
    os._exit(int(code or 0))
