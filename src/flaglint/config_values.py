"""Checks of configuration values: each one a type, a date, a glob or a code, or exit 2.

Every message names the key, shows the value and says what was expected.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Collection, Mapping
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any


class ConfigError(Exception):
    """A bad configuration key, value or file; the CLI prints it and exits 2."""


def cache_dir(value: str, where: str) -> str:
    """A ``cache-dir`` from a config file: a folder strictly inside the root.

    The configuration travels with the analysed code, so it may not send
    cache files out of the root, nor make the root itself (which would get a
    ``.gitignore`` of ``*``) or ``.git`` the cache.
    """
    path = PurePosixPath(value.replace("\\", "/"))
    parts = path.parts
    if (
        not value.strip()
        or path.is_absolute()
        or PureWindowsPath(value).drive
        or not parts
        or any(part in ("..", ".git") for part in parts)
        or all(part == "." for part in parts)
    ):
        raise ConfigError(
            f"configuration key 'cache-dir' must be a folder inside the root (relative, "
            f"without '..'), got {value!r}{where}"
        )
    return path.as_posix()


_KIND_NAMES = {list: "a list", dict: "a table", str: "a string", bool: "true or false"}
# Keys whose strings are globs; a glob that can never match as meant is an error.
GLOB_KEYS = {
    "exclude",
    "env-flag-patterns",
    "setting-flag-patterns",
    "flag-enum-classes",
    "sinks",
    "handlers",
    "receivers",
    "once-gates",
    "entry-points",
    "tests",
    "kill-switch-patterns",
    "mode-switch-patterns",
}


def typed(key: str, value: Any, kind: type, where: str) -> Any:
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        expected = _KIND_NAMES.get(kind, f"a {kind.__name__}")
        raise ConfigError(f"configuration key '{key}' must be {expected}, got {value!r}{where}")
    return value


def did_you_mean(key: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(key, sorted(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def check_glob(key: str, glob: str, where: str) -> None:
    """An empty glob, or a ``[`` never closed (fnmatch then matches it literally), is an error."""
    unclosed = glob.count("[") > glob.count("]")
    if not glob.strip() or unclosed:
        raise ConfigError(
            f"configuration key '{key}' holds {glob!r}, which is not a glob "
            f'(expected a pattern such as "tests/*"{", with every [ closed" if unclosed else ""})'
            f"{where}"
        )


_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def parse_date(value: Any) -> dt.date | None:
    """A real calendar date from ``YYYY-MM-DD`` (or a TOML date), else ``None``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


_RULE_PREFIX = re.compile(r"^FL[0-9]{1,3}$")


def per_file_ignores(raw: Mapping[str, Any], where: str) -> dict[str, tuple[str, ...]]:
    """``{"tests/*" = ["FL101"]}``: each glob to a list of codes or code prefixes."""
    table: dict[str, tuple[str, ...]] = {}
    for glob, codes in raw.items():
        if not isinstance(codes, list) or not all(
            isinstance(c, str) and _RULE_PREFIX.match(c.strip().upper()) for c in codes
        ):
            raise ConfigError(
                f"configuration key 'per-file-ignores.{glob}' must be a list of rule codes "
                f'or code prefixes ("FL101", "FL3"), got {codes!r}{where}'
            )
        table[glob] = tuple(c.strip().upper() for c in codes)
    return table


def docs_url(value: str, where: str) -> str:
    """``rule-docs-url``: "" or an http(s) URL that names the rule by {code} or {name}."""
    if not value:
        return value
    placeholders = "{code}" in value or "{name}" in value
    scheme = value.startswith(("https://", "http://"))
    leftover = value.replace("{code}", "").replace("{name}", "")
    if not scheme or not placeholders or "{" in leftover or "}" in leftover:
        raise ConfigError(
            f"configuration key 'rule-docs-url' holds {value!r}, which is not a rule "
            'documentation URL (expected "https://.../{code}.html", with {code} or {name} '
            f"and no other braces){where}"
        )
    return value
