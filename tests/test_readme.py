"""The README stays true: set-up commands, configuration reference, rule table."""

from __future__ import annotations

import re
from pathlib import Path

from flaglint.config import DEFAULTS
from flaglint.rules import ALL_RULES

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _shell_blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", README, re.S)


def test_two_setup_commands() -> None:
    blocks = [b.strip() for b in _shell_blocks()]
    assert len(blocks) >= 2
    install, tests = blocks[0], blocks[1]
    assert "pip install ." in install and install.endswith("flaglint demo")
    assert "pip install -e '.[test]'" in tests and tests.endswith("python -m pytest")


def test_ci_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    tests = [b.strip() for b in _shell_blocks()][1]
    install_step = "python -m pip install --quiet -e '.[test]'"
    assert install_step in script
    test_command = tests.rsplit("&&", 1)[1].strip()
    assert test_command in script.splitlines()


def _table_keys(heading: str) -> list[str]:
    section = README.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([a-z-]+)` \|", section, re.M)


def test_configuration_reference_matches_defaults() -> None:
    assert sorted(_table_keys("Configuration")) == sorted(DEFAULTS)


def test_configuration_reference_shows_list_defaults() -> None:
    section = README.split("## Configuration", 1)[1]
    for key, value in DEFAULTS.items():
        if isinstance(value, list) and value:
            row = next(line for line in section.splitlines() if line.startswith(f"| `{key}` |"))
            for item in value:
                assert f'"{item}"' in row, f"{key}: default {item!r} missing from README"


def test_rule_table_matches_registry() -> None:
    section = README.split("## Rules", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (FL\d{3}) \| ([a-z-]+) \| (\w+) \|", section, re.M)
    assert sorted(rows) == sorted((r.code, r.name, r.severity.value) for r in ALL_RULES)


def test_readme_names_every_command_and_option() -> None:
    """The README's reference keeps up with ``--help``: every command and long option is in it."""
    import click

    from flaglint.cli.main import cli

    text = README
    missing = []
    for name, command in sorted(cli.commands.items()):
        if command.hidden:
            continue
        if f"`flaglint {name}" not in text:
            missing.append(name)
        for param in command.params:
            if not isinstance(param, click.Option) or param.hidden:
                continue
            for opt in param.opts:
                if (
                    opt.startswith("--")
                    and opt != "--help"
                    and not re.search(rf"(?<![\w-]){re.escape(opt)}(?![\w-])", text)
                ):
                    missing.append(f"{name} {opt}")
    assert missing == []
