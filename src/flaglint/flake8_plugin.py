"""flake8 plugin: the rules that need only one file, for editors that run flake8.

Registered as the ``FL`` extension. Each file becomes a one-file project built
from the source flake8 already read (never imported); rules that declare
``single_file = True`` run on it, and inline ``# flaglint: ignore[...]``
comments apply as in ``flaglint check`` (flake8 itself honours ``# noqa``).
Whole-program and history rules stay with ``flaglint check``: within one
file they would miss what other modules say, or see no history at all.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from flaglint import __version__
from flaglint.config import Config, ConfigError, load_config
from flaglint.discovery import assign_modules
from flaglint.engine import fact_options, run_rules
from flaglint.findings import Finding
from flaglint.gate.apply import screen
from flaglint.project import Project
from flaglint.rules import ALL_RULES, Rule, iter_selected


@lru_cache(maxsize=64)
def _config(directory: Path) -> Config:
    return load_config(directory)


def plugin_rules(config: Config) -> list[type[Rule]]:
    """The selected rules that can run on one file."""
    return [r for r in iter_selected(ALL_RULES, config.select, config.ignore) if r.single_file]


def check_source(filename: str, source: bytes, config: Config) -> list[Finding]:
    """Single-file rules over one file's source, after inline suppressions."""
    path = Path(filename).resolve()
    try:
        rel = path.relative_to(config.root).as_posix()
    except ValueError:
        rel = path.name
    [source_file] = assign_modules([rel], config.root)
    facts = fact_options(config).build(source_file, source)
    project = Project(config, [facts])
    rules = plugin_rules(config)
    kept, _ = screen(project, run_rules(project, rules), rules, report_unused=False)
    return kept


class Flake8Plugin:
    """The ``FL`` flake8 extension."""

    name = "flaglint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: Sequence[str]) -> None:
        # ``tree`` is unused but makes flake8 treat this as a whole-file plugin.
        self.filename = filename
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, Any]]:
        if self.filename in ("-", "stdin"):
            directory = Path.cwd()
            filename = str(directory / "stdin.py")
        else:
            filename = self.filename
            directory = Path(filename).resolve().parent
        try:
            config = _config(directory)
        except ConfigError as exc:
            # flake8 would print a traceback; an FL901 on line 1 says the file went unanalysed.
            yield 1, 0, f"FL901 cannot analyse this file: {exc}", type(self)
            return
        source = "".join(self.lines).encode("utf-8")
        for finding in check_source(filename, source, config):
            message = f"{finding.rule} {finding.message}"
            yield finding.line, max(finding.column - 1, 0), message, type(self)
