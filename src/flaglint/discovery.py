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
import stat
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from flaglint.history.repository import GIT

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


def discover(root: Path, paths: Sequence[Path], exclude: Iterable[str]) -> list[SourceFile]:
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
        prefix = target.relative_to(root).as_posix()
        prefix = "" if prefix == "." else prefix + "/"
        found.update(prefix + name for name in listed)
    # A cache folder inside the tree holds no .py file of ours, so nothing is
    # excluded for it: excluding ``cache-dir`` let a configuration hide code.
    candidates = sorted(rel for rel in found if rel.endswith(".py") and not excluded(rel, patterns))
    return assign_modules(_safe_files(root, candidates), root)


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


def _safe_files(root: Path, rels: Sequence[str]) -> list[str]:
    """The files of ``rels`` that are regular files and do not lead out of the root.

    A file is dropped when it is, or sits under, a link whose target lies
    outside the root. Folders are resolved once each, and a file is resolved
    only when it is itself a link: one ``lstat`` per file instead of a
    ``realpath`` (an ``lstat`` per path component).
    """
    base = str(root)
    inside = base.rstrip(os.sep) + os.sep
    folder_ok: dict[str, bool] = {}
    safe = []
    for rel in rels:
        folder = rel.rpartition("/")[0]
        ok = folder_ok.get(folder)
        if ok is None:
            real = os.path.realpath(os.path.join(base, folder))
            ok = folder_ok[folder] = real == base or real.startswith(inside)
        if not ok:
            continue
        path = os.path.join(base, rel)
        try:
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                real = os.path.realpath(path)
                if not real.startswith(inside) or not os.path.isfile(real):
                    continue
            elif not stat.S_ISREG(mode):
                continue
        except OSError:
            continue
        safe.append(rel)
    return safe


def _git_files(directory: Path) -> list[str] | None:
    """Python files git knows under ``directory`` (tracked or not ignored), relative to it."""
    try:
        result = subprocess.run(
            [*GIT, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "*.py"],
            cwd=directory,
            capture_output=True,
            check=False,
        )
    except OSError:
        return None
    if result.returncode != 0:
        return None
    return [n for n in result.stdout.decode("utf-8", "surrogateescape").split("\0") if n]


def _walk(directory: Path) -> list[str]:
    """Python files under ``directory``, relative to it, skipping tool and build folders."""
    out: list[str] = []
    base = str(directory)
    for current, dirs, files in os.walk(base, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        folder = os.path.relpath(current, base).replace(os.sep, "/")
        prefix = "" if folder == "." else folder + "/"
        out.extend(prefix + f for f in files if f.endswith(".py"))
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

    package_dirs: dict[str, bool] = {}

    def is_package_dir(folder: str) -> bool:
        known = package_dirs.get(folder)
        if known is None:
            known = package_dirs[folder] = f"{folder}/__init__.py" in present or (
                root is not None and os.path.isfile(os.path.join(root, folder, "__init__.py"))
            )
        return known

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
