"""Which files to analyse, and the module name each one has.

In a git work tree the file list comes from git (tracked plus untracked files
that are not ignored), so ``.gitignore`` is honoured for free; elsewhere a walk
that skips the usual virtualenv and build folders. Links are never followed
out of the root: a symlinked file or folder whose target lies outside is
skipped, and a symlinked folder inside the root is not walked twice.
"""

from __future__ import annotations

import fnmatch
import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".tox",
        ".nox",
        ".venv",
        "venv",
        "env",
        "__pycache__",
        "node_modules",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "site-packages",
        ".eggs",
        "build",
        "dist",
    }
)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A file to analyse: its path relative to the root, and its module name."""

    path: str
    module: str
    is_package: bool


def discover(
    root: Path, paths: Sequence[Path], exclude: Iterable[str], cache_dir: str
) -> list[SourceFile]:
    """The Python files under ``paths`` (all within ``root``), sorted by path."""
    root = root.resolve()
    patterns = tuple(exclude)
    found: set[str] = set()
    for path in paths or [root]:
        target = path.resolve() if path.is_absolute() else (Path.cwd() / path).resolve()
        if not _within(target, root):
            continue
        if target.is_file():
            if target.suffix in (".py", ".pyi") or path.suffix == ".py":
                found.add(target.relative_to(root).as_posix())
            continue
        listed = _git_files(target)
        if listed is None:
            listed = _walk(target)
        for absolute in listed:
            found.add(absolute.relative_to(root).as_posix())
    cache_prefix = cache_dir.strip("/") + "/"
    selected = sorted(
        rel
        for rel in found
        if rel.endswith(".py")
        and not rel.startswith(cache_prefix)
        and not excluded(rel, patterns)
        and _safe(root, rel)
    )
    return assign_modules(selected, root)


def excluded(rel: str, patterns: Sequence[str]) -> bool:
    """A path is excluded when a glob matches it or one of its parent folders."""
    if not patterns:
        return False
    parts = rel.split("/")
    candidates = [rel] + ["/".join(parts[:i]) for i in range(1, len(parts))]
    return any(fnmatch.fnmatchcase(c, p) for c in candidates for p in patterns) or any(
        fnmatch.fnmatchcase(part, p) for part in parts for p in patterns if "/" not in p
    )


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _safe(root: Path, rel: str) -> bool:
    """False for a file that is, or sits under, a link leading out of the root."""
    path = root / rel
    try:
        return _within(path.resolve(), root) and path.is_file()
    except OSError:
        return False


def _git_files(directory: Path) -> list[Path] | None:
    try:
        result = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.py"],
            cwd=directory,
            capture_output=True,
            check=False,
        )
    except OSError:
        return None
    if result.returncode != 0:
        return None
    names = [n for n in result.stdout.decode("utf-8", "surrogateescape").split("\0") if n]
    return [directory / n for n in names]


def _walk(directory: Path) -> list[Path]:
    out: list[Path] = []
    for current, dirs, files in os.walk(directory, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        out.extend(Path(current) / f for f in files if f.endswith(".py"))
    return out


def assign_modules(paths: Sequence[str], root: Path | None) -> list[SourceFile]:
    """Module names from package structure: ``src/pkg/mod.py`` is ``pkg.mod``.

    The module name starts at the outermost folder with an ``__init__.py``
    above the file; folders between without one are namespace packages
    (``pkg/api/v1/views.py`` is ``pkg.api.v1.views`` even when ``v1`` has no
    ``__init__.py``). Two files that would share a name (two ``conftest.py``
    outside packages) fall back to their path-based names. With ``root``
    None only ``paths`` count (a tree at another revision).
    """
    present = set(paths)

    def is_package_dir(folder: str) -> bool:
        return f"{folder}/__init__.py" in present or (
            root is not None and (root / folder / "__init__.py").is_file()
        )

    names: list[tuple[str, str, bool]] = []
    for rel in paths:
        parts = rel[:-3].split("/")
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        start = len(parts) - 1
        for depth in range(1, len(parts)):
            if is_package_dir("/".join(parts[:depth])):
                start = depth - 1
                break
        names.append((rel, ".".join(parts[start:]) or "__init__", is_package))
    counts: dict[str, int] = {}
    for _, module, _ in names:
        counts[module] = counts.get(module, 0) + 1
    result = []
    for rel, module, is_package in names:
        if counts[module] > 1:
            module = rel[:-3].replace("/", ".").replace("-", "_")
        result.append(SourceFile(rel, module, is_package))
    return result
