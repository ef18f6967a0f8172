"""What a removal plan looks like to a user: a unified diff, or the files written."""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from flaglint.codemod.plan import RemovalPlan


def render_diff(plan: RemovalPlan) -> str:
    """A unified diff of every rewrite, paths relative to the root, in path order."""
    out: list[str] = []
    for rewrite in plan.rewrites:
        before = rewrite.before.decode("utf-8", errors="surrogateescape").splitlines(True)
        after = rewrite.after.decode("utf-8", errors="surrogateescape").splitlines(True)
        for line in difflib.unified_diff(
            before, after, f"a/{rewrite.path}", f"b/{rewrite.path}", n=3
        ):
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


@dataclass(frozen=True)
class WriteReport:
    """What ``--write`` did: files rewritten, and files not written with the reason."""

    written: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]


def apply_plan(plan: RemovalPlan, root: Path) -> WriteReport:
    """Write every rewrite: all or, when a file cannot even be staged, none.

    Each new file is first written in full beside its target (a temporary
    file); only when every one is staged are they renamed into place, each
    rename atomic. A folder that cannot be written, a full disk or a link out
    of the root stops the whole write before any target changes; a rename
    that fails after others succeeded is reported with the rest.
    """
    base = root.resolve()
    staged: list[tuple[str, Path, str]] = []
    failed: list[tuple[str, str]] = []
    for rewrite in plan.rewrites:
        # A link inside the tree is written through, not replaced by a plain file.
        target = (root / rewrite.path).resolve()
        if target != base and base not in target.parents:
            failed.append((rewrite.path, "it leads out of the root"))
            continue
        try:
            mode = target.stat().st_mode
            handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(rewrite.after)
                os.chmod(temporary, mode & 0o7777)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError as exc:
            failed.append((rewrite.path, exc.strerror or str(exc)))
            continue
        staged.append((rewrite.path, target, temporary))
    if failed:
        for _, _, temporary in staged:
            Path(temporary).unlink(missing_ok=True)
        failed.extend((path, "not written: another file could not be") for path, _, _ in staged)
        return WriteReport((), tuple(sorted(failed)))
    written: list[str] = []
    for path, target, temporary in staged:
        try:
            os.replace(temporary, target)
            written.append(path)
        except OSError as exc:
            Path(temporary).unlink(missing_ok=True)
            failed.append((path, exc.strerror or str(exc)))
    return WriteReport(tuple(written), tuple(failed))
