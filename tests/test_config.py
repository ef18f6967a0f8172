"""Every configuration key: a wrong type or an unknown key is exit 2 naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from flaglint.config import DEFAULTS


def _wrong_value(default: object) -> str:
    """A TOML value of a type the key does not take."""
    if isinstance(default, bool):
        return '"yes"'
    if isinstance(default, int):
        return "[1]"
    return "3"  # lists, tables and strings


def _check(run_cli, tmp_path: Path, table: str):
    (tmp_path / "pyproject.toml").write_text(table)
    (tmp_path / "app.py").write_text("x = 1\n")
    return run_cli("check", cwd=tmp_path)


@pytest.mark.parametrize("key", sorted(DEFAULTS))
def test_wrong_type_names_the_key(run_cli, tmp_path: Path, key: str) -> None:
    result = _check(run_cli, tmp_path, f"[tool.flaglint]\n{key} = {_wrong_value(DEFAULTS[key])}\n")
    assert result.code == 2, result.out
    assert result.err.count("\n") == 1 and f"'{key}'" in result.err


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ("[tool.flaglint]\nexclude = [1]\n", "'exclude'"),
        ("[tool.flaglint]\njobs = -1\n", "'jobs'"),
        ("[tool.flaglint]\ntests-as-roots = 1\n", "'tests-as-roots'"),
        ("[[tool.flaglint.providers]]\nname = 'x'\nkey-idx = 0\n", "'providers.key-idx'"),
        ("[[tool.flaglint.providers]]\nfunctions = ['a']\n", "'providers.name'"),
        ("[tool.flaglint.flags]\nx = { expiry = '2020-01-01' }\n", "'flags.x.expiry'"),
        ("[tool.flaglint.flags]\nx = 3\n", "'flags.x'"),
        ("[tool.flaglint]\nbaseline = 'b.json'\n", "'baseline'"),
    ],
)
def test_nested_and_unknown_keys_are_named(run_cli, tmp_path: Path, table: str, named: str) -> None:
    result = _check(run_cli, tmp_path, table)
    assert result.code == 2 and result.err.count("\n") == 1 and named in result.err, result.err


def test_cli_select_overrides_config(run_cli, tmp_path: Path) -> None:
    config = '[tool.flaglint]\nselect = ["FL103"]\n'
    (tmp_path / "broken.py").write_text("def broken(:\n")
    assert _check(run_cli, tmp_path, config).code == 0
    assert run_cli("check", "--select", "FL901", cwd=tmp_path).code == 1


def test_config_file_option(run_cli, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    (tmp_path / "other.toml").write_text("[tool.flaglint]\nselekt = []\n")
    result = run_cli("check", "--config", "other.toml", cwd=tmp_path)
    assert result.code == 2 and "'selekt'" in result.err and "other.toml" in result.err
    missing = run_cli("check", "--config", "nope.toml", cwd=tmp_path)
    assert missing.code == 2 and missing.err.count("\n") == 1 and "nope.toml" in missing.err
