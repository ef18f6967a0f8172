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


@pytest.mark.parametrize(
    ("table", "named", "shown"),
    [
        (
            "[tool.flaglint.flags]\nx = { expires = '2020-13-01' }\n",
            "'flags.x.expires'",
            "2020-13-01",
        ),
        (
            "[tool.flaglint.flags]\nx = { expires = 'next week' }\n",
            "'flags.x.expires'",
            "next week",
        ),
        ("[tool.flaglint.flags]\nx = { expires = '2001-02-30' }\n", "'flags.x.expires'", "02-30"),
        ("[tool.flaglint.flags]\nx = { owner = 3 }\n", "'flags.x.owner'", "3"),
        ("[tool.flaglint]\nexclude = ['build/[abc']\n", "'exclude'", "build/[abc"),
        ("[tool.flaglint]\ntests = ['']\n", "'tests'", "''"),
        ("[tool.flaglint]\njobs = -1\n", "'jobs'", "-1"),
        ("[tool.flaglint]\nsinks = 'send_order'\n", "'sinks'", "'send_order'"),
    ],
)
def test_bad_values_name_key_value_and_expectation(
    run_cli, tmp_path: Path, table: str, named: str, shown: str
) -> None:
    result = _check(run_cli, tmp_path, table)
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert named in result.err and shown in result.err
    assert "must be" in result.err or "not a glob" in result.err


def test_toml_dates_and_iso_strings_are_real_dates(run_cli, tmp_path: Path) -> None:
    table = "[tool.flaglint.flags]\nx = { expires = 2020-01-31 }\ny = { expires = '2020-02-29' }\n"
    assert _check(run_cli, tmp_path, table).code == 0


@pytest.mark.parametrize(
    ("table", "suggestion"),
    [
        ("[tool.flaglint]\nselekt = []\n", "did you mean 'select'?"),
        ("[tool.flaglint]\nper-file-ignore = {}\n", "did you mean 'per-file-ignores'?"),
        ("[tool.flaglint.flags]\nx = { expiry = '2020-01-01' }\n", "did you mean 'expires'?"),
        ("[[tool.flaglint.providers]]\nname = 'x'\nkey-idx = 0\n", "did you mean 'key-index'?"),
    ],
)
def test_unknown_keys_suggest_the_nearest(
    run_cli, tmp_path: Path, table: str, suggestion: str
) -> None:
    result = _check(run_cli, tmp_path, table)
    assert result.code == 2 and suggestion in result.err, result.err
