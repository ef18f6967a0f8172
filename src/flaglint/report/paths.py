"""Paths as the user sees them: relative to the folder they run flaglint from.

Findings, baselines and caches name files relative to the root (the folder of
the configuration). Run from a subfolder of the root, as ruff is, the report
names them relative to that folder so that they open from the terminal, and a
check with no PATHS reports only the subfolder's files while the whole program
is still analysed (a flag read elsewhere still reaches code here).
"""

from __future__ import annotations

import dataclasses
import posixpath
from collections.abc import Iterable, Sequence
from pathlib import Path

from flaglint.findings import Finding, Location


def cwd_prefix(root: Path, cwd: Path | None = None) -> str | None:
    """The current folder relative to ``root`` (``""`` at the root, ``"app/"`` below).

    None when the current folder is outside the root: paths stay relative to the root.
    """
    here = (cwd or Path.cwd()).resolve()
    top = root.resolve()
    if here == top:
        return ""
    if top not in here.parents:
        return None
    return here.relative_to(top).as_posix() + "/"


def under(path: str, prefix: str) -> bool:
    """Whether a root-relative ``path`` is in the subfolder ``prefix`` names."""
    return not prefix or path.startswith(prefix)


def shown(path: str, prefix: str | None) -> str:
    """A root-relative path as seen from the subfolder ``prefix`` (``../`` for others)."""
    if not prefix:
        return path
    return posixpath.relpath(path, prefix.rstrip("/"))


def in_subfolder(findings: Iterable[Finding], prefix: str) -> list[Finding]:
    """The findings located in the subfolder (the whole list at the root)."""
    return [f for f in findings if under(f.path, prefix)]


def as_seen_from(findings: Sequence[Finding], prefix: str | None) -> list[Finding]:
    """The findings with their paths, and their related places' paths, relative to ``prefix``."""
    if not prefix:
        return list(findings)
    out = []
    for finding in findings:
        related = tuple(_location(location, prefix) for location in finding.related)
        out.append(dataclasses.replace(finding, path=shown(finding.path, prefix), related=related))
    return out


def _location(location: Location, prefix: str) -> Location:
    if location.revision:  # a place at another revision is named as git names it
        return location
    return dataclasses.replace(location, path=shown(location.path, prefix))


def errors_seen_from(errors: Sequence[dict], prefix: str | None) -> tuple[dict, ...]:
    """FL901 records (``{"path": ...}``) with their paths relative to ``prefix``."""
    if not prefix:
        return tuple(errors)
    return tuple({**error, "path": shown(error["path"], prefix)} for error in errors)


__all__ = ["as_seen_from", "cwd_prefix", "errors_seen_from", "in_subfolder", "shown", "under"]
