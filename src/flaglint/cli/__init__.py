"""The command line: parse options, call the engine, pick a reporter, choose the exit code.

``main`` holds the group and the entry points; ``options`` what every command
shares; one module per group of commands registers them on import.
"""

from flaglint.cli import check, show, tools  # noqa: F401  (registers the commands)
from flaglint.cli.main import cli, main, run

__all__ = ["cli", "main", "run"]
