"""Configuration: one defaults table, ``[tool.flaglint]`` merged over it, CLI over that."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flaglint.config_values import (
    GLOB_KEYS,
    ConfigError,
    cache_dir,
    check_glob,
    did_you_mean,
    docs_url,
    parse_date,
    per_file_ignores,
    typed,
)
from flaglint.defaults import DEFAULTS
from flaglint.encoding import utf8

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib


_LIST_KEYS = {k for k, v in DEFAULTS.items() if isinstance(v, list) and k != "providers"}
_PROVIDER_KEYS = {
    "name",
    "functions",
    "methods",
    "decorators",
    "modules",
    "key-index",
    "key-keyword",
    "key-patterns",
    "boolean-only",
    "absent",
}
_FLAG_KEYS = {"expires", "description", "owner"}


@dataclass(frozen=True)
class CustomProvider:
    """A provider declared in ``[[tool.flaglint.providers]]``."""

    name: str
    functions: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    decorators: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    key_index: int = 0
    key_keyword: str | None = None
    # Keys kept: those matching one of these globs ("" keeps all), or, with
    # ``boolean_only``, those read as a boolean (tested, cast, a bool default).
    key_patterns: tuple[str, ...] = ()
    boolean_only: bool = False
    # The flag's value when nobody set it (``has_feature`` of a missing row: False).
    absent: bool | None = None


@dataclass(frozen=True)
class Config:
    """The settings of one run; build it with :func:`load_config`."""

    root: Path
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    # path glob -> codes or code prefixes hidden in the files it matches
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    providers: tuple[CustomProvider, ...] = ()
    env_flag_patterns: tuple[str, ...] = tuple(DEFAULTS["env-flag-patterns"])
    setting_flag_patterns: tuple[str, ...] = tuple(DEFAULTS["setting-flag-patterns"])
    flag_enum_classes: tuple[str, ...] = tuple(DEFAULTS["flag-enum-classes"])
    disabled_providers: tuple[str, ...] = ()
    sinks: tuple[str, ...] = tuple(DEFAULTS["sinks"])
    handlers: tuple[str, ...] = tuple(DEFAULTS["handlers"])
    limit_words: tuple[str, ...] = tuple(DEFAULTS["limit-words"])
    receivers: tuple[str, ...] = tuple(DEFAULTS["receivers"])
    once_gates: tuple[str, ...] = tuple(DEFAULTS["once-gates"])
    position_words: tuple[str, ...] = tuple(DEFAULTS["position-words"])
    entry_points: tuple[str, ...] = ()
    tests: tuple[str, ...] = tuple(DEFAULTS["tests"])
    tests_as_roots: bool = False
    dormant_after_days: int = 730
    deprecation_words: tuple[str, ...] = tuple(DEFAULTS["deprecation-words"])
    kill_switch_patterns: tuple[str, ...] = tuple(DEFAULTS["kill-switch-patterns"])
    mode_switch_patterns: tuple[str, ...] = tuple(DEFAULTS["mode-switch-patterns"])
    default_keywords: tuple[str, ...] = tuple(DEFAULTS["default-keywords"])
    flags: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    cache_dir: str = ""  # a folder inside the root; "" keeps caches in the user's cache folder
    jobs: int = 0
    max_file_size: int = 10  # megabytes; larger files are an FL901, not parsed (0: no limit)
    rule_docs_url: str = ""  # SARIF helpUri template with {code} / {name}
    source: Path | None = None
    # --cache-dir: the user's own choice of folder, never read from a config file
    cache_override: str = ""

    def workers(self) -> int:
        """How many processes parse files: ``jobs``, else one per core, at most 8."""
        if self.jobs:
            return self.jobs
        return max(1, min(os.cpu_count() or 1, 8))

    def facts_fingerprint(self) -> str:
        """The part of the configuration that changes per-file facts (cache key)."""
        parts = [repr(sorted(self.deprecation_words)), repr(self.providers)]
        if self.max_file_size != 10:
            parts.append(f"max-file-size={self.max_file_size}")
        return hashlib.sha1(utf8("\n".join(parts))).hexdigest()[:16]


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.flaglint]`` table, upward from ``start``.

    The search ends at the top of the git repository holding ``start``: a clone kept
    inside another project (a corpus, a vendored repository) is not that project's code.
    """
    here = start if start.is_dir() else start.parent
    for directory in (here, *here.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file() and _configures_flaglint(candidate):
            return candidate
        if _repository_top(directory):
            return None
    return None


def _repository_top(directory: Path) -> bool:
    """Whether git would take ``directory`` as a repository's top: a ``.git`` folder with
    a ``HEAD`` in it, or a ``.git`` file pointing at one (a worktree, a submodule). A
    stray or empty ``.git`` folder (a fixture, a tool's leftover) is no repository."""
    marker = directory / ".git"
    if marker.is_dir():
        return (marker / "HEAD").is_file()
    try:
        return marker.is_file() and marker.read_bytes()[:8] == b"gitdir: "
    except OSError:
        return False


def _configures_flaglint(candidate: Path) -> bool:
    try:
        text = candidate.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # A broken file that configures flaglint (a flag defined twice in
        # [tool.flaglint.flags], say) must not be skipped in silence.
        if "[tool.flaglint" in text:
            raise ConfigError(f"cannot read config {candidate}: {exc}") from None
        return False
    tool = data.get("tool")
    return isinstance(tool, dict) and "flaglint" in tool


def load_config(
    start: Path,
    config_file: Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    fallback_root: Path | None = None,
) -> Config:
    """Defaults, then ``[tool.flaglint]`` (found upward from ``start``), then ``overrides``.

    The root is the configuration file's folder, else ``fallback_root``, else ``start``.
    """
    source = config_file if config_file is not None else find_pyproject(start.resolve())
    table: dict[str, Any] = {}
    if source is not None:
        try:
            data = tomllib.loads(source.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {source}") from None
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read config {source}: {exc}") from None
        table = _flaglint_table(data, source)
    for key, value in (overrides or {}).items():
        if value is not None:
            table[key] = value
    if source is not None:
        root = source.parent.resolve()
    else:
        root = (fallback_root or start).resolve()
    if root.is_file():
        root = root.parent
    return _build(table, root, source)


def _flaglint_table(data: Mapping[str, Any], source: Path) -> dict[str, Any]:
    """``[tool.flaglint]`` of a parsed file: a table, or nothing when the file has none."""
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        if source.name == "pyproject.toml":
            return {}  # a pyproject whose ``tool`` is not a table configures nothing of ours
        raise ConfigError(f"'tool' in {source} must be a table holding [tool.flaglint]")
    table = tool.get("flaglint", {})
    if not isinstance(table, dict):
        hint = " (write [tool.flaglint], not [[tool.flaglint]])" if isinstance(table, list) else ""
        raise ConfigError(
            f"[tool.flaglint] in {source} must be a table, not {type(table).__name__}{hint}"
        )
    return dict(table)


def _build(table: Mapping[str, Any], root: Path, source: Path | None) -> Config:
    values: dict[str, Any] = {}
    where = f" in {source}" if source else ""
    for key, value in table.items():
        if key not in DEFAULTS:
            raise ConfigError(
                f"unknown configuration key '{key}'{where}{did_you_mean(key, DEFAULTS)}"
            )
        expected = DEFAULTS[key]
        if key == "providers":
            values["providers"] = tuple(_provider(p, where) for p in typed(key, value, list, where))
        elif key == "flags":
            values["flags"] = _flags(typed(key, value, dict, where), where)
        elif key == "per-file-ignores":
            values["per_file_ignores"] = per_file_ignores(typed(key, value, dict, where), where)
        elif key in _LIST_KEYS:
            items = typed(key, value, list, where)
            if not all(isinstance(i, str) for i in items):
                raise ConfigError(
                    f"configuration key '{key}' must be a list of strings, got {value!r}{where}"
                )
            if key in GLOB_KEYS:
                for item in items:
                    check_glob(key, item, where)
            values[key.replace("-", "_")] = tuple(items)
        elif key == "cache-dir":
            values["cache_dir"] = cache_dir(typed(key, value, str, where), where)
        elif key == "rule-docs-url":
            values["rule_docs_url"] = docs_url(typed(key, value, str, where), where)
        elif isinstance(expected, bool):
            values[key.replace("-", "_")] = typed(key, value, bool, where)
        elif isinstance(expected, int):
            number = value
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                raise ConfigError(
                    f"configuration key '{key}' must be a non-negative integer, "
                    f"got {value!r}{where}"
                )
            values[key.replace("-", "_")] = number
        else:
            values[key.replace("-", "_")] = typed(key, value, type(expected), where)
    return dataclasses.replace(Config(root=root, source=source), **values)


def _provider(raw: Any, where: str) -> CustomProvider:
    if not isinstance(raw, dict):
        raise ConfigError(f"each entry of 'providers' must be a table{where}")
    unknown = sorted(set(raw) - _PROVIDER_KEYS)
    if unknown:
        hint = did_you_mean(unknown[0], _PROVIDER_KEYS)
        raise ConfigError(f"unknown configuration key 'providers.{unknown[0]}'{where}{hint}")
    if not isinstance(raw.get("name"), str):
        raise ConfigError(f"configuration key 'providers.name' must be a str{where}")

    def strings(key: str) -> tuple[str, ...]:
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(
                f"configuration key 'providers.{key}' must be a list of strings{where}"
            )
        return tuple(value)

    index = raw.get("key-index", 0)
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ConfigError(
            f"configuration key 'providers.key-index' must be a non-negative integer{where}"
        )
    keyword = raw.get("key-keyword")
    if keyword is not None and not isinstance(keyword, str):
        raise ConfigError(f"configuration key 'providers.key-keyword' must be a str{where}")
    boolean_only = raw.get("boolean-only", False)
    if not isinstance(boolean_only, bool):
        raise ConfigError(f"configuration key 'providers.boolean-only' must be a bool{where}")
    absent = raw.get("absent")
    if absent is not None and not isinstance(absent, bool):
        raise ConfigError(f"configuration key 'providers.absent' must be a bool{where}")
    return CustomProvider(
        name=raw["name"],
        functions=strings("functions"),
        methods=strings("methods"),
        decorators=strings("decorators"),
        modules=strings("modules"),
        key_index=index,
        key_keyword=keyword,
        key_patterns=strings("key-patterns"),
        boolean_only=boolean_only,
        absent=absent,
    )


def _flags(raw: Mapping[str, Any], where: str) -> dict[str, dict[str, str]]:
    flags: dict[str, dict[str, str]] = {}
    for key, entry in raw.items():
        if not isinstance(entry, dict):
            raise ConfigError(f"configuration key 'flags.{key}' must be a table{where}")
        unknown = sorted(set(entry) - _FLAG_KEYS)
        if unknown:
            hint = did_you_mean(unknown[0], _FLAG_KEYS)
            raise ConfigError(f"unknown configuration key 'flags.{key}.{unknown[0]}'{where}{hint}")
        for name, value in entry.items():
            if name == "expires":
                if parse_date(value) is None:
                    raise ConfigError(
                        f"configuration key 'flags.{key}.expires' must be a real date "
                        f"written YYYY-MM-DD, got {value!r}{where}"
                    )
            elif not isinstance(value, str):
                raise ConfigError(
                    f"configuration key 'flags.{key}.{name}' must be a string, got {value!r}{where}"
                )
        flags[key] = {k: str(parse_date(v) or v) if k == "expires" else v for k, v in entry.items()}
    return flags


def split_codes(values: Sequence[str]) -> tuple[str, ...]:
    """``--select FL101,FL2`` and repeated options both give a flat tuple of codes."""
    return tuple(code.strip() for value in values for code in value.split(",") if code.strip())
