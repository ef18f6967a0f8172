"""Lines reported by a pass that read an already edited text, told in the file on disk.

The test editors run one after the other, each on the text the ones before left
(the ddt pass narrows a test, then the override pass drops the override it made
literal). A line a later pass reports is a line of that intermediate text, which
the user never sees: it is mapped back to the file as it is on disk, a line the
passes kept to itself and a line of a rewritten block to that block's first line.
Reports left at the same line of the same file by several passes are one site:
the first pass's reason stands.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Protocol, TypeVar


class _Report(Protocol):
    @property
    def path(self) -> str: ...

    @property
    def line(self) -> int: ...


R = TypeVar("R", bound=_Report)


class OriginalLines:
    """Maps the lines of texts the passes read back to the files under ``root``."""

    def __init__(self, root: Path, originals: Mapping[str, bytes]) -> None:
        self.root = root
        # Texts before any rewrite, where already read (the rest are read from disk).
        self.originals = originals
        self._opcodes: dict[tuple[str, bytes], list[tuple[str, int, int, int, int]]] = {}

    def mapped(self, reports: Iterable[R], seen: Mapping[str, bytes]) -> list[R]:
        """``reports`` of a pass that read ``seen`` (edited texts by path), in disk lines."""
        out: list[R] = []
        for report in reports:
            text = seen.get(report.path)
            if text is None:
                out.append(report)  # the pass read the file from disk
                continue
            line = self.original_line(report.path, text, report.line)
            out.append(replace(report, line=line) if line != report.line else report)  # type: ignore[type-var]
        return out

    def original_line(self, path: str, text: bytes, line: int) -> int:
        """Line ``line`` of ``text`` (an edited form of ``path``), in the file on disk."""
        original = self._original(path)
        if original is None or original == text:
            return line
        opcodes = self._opcodes.get((path, text))
        if opcodes is None:
            matcher = difflib.SequenceMatcher(
                None, original.splitlines(), text.splitlines(), autojunk=False
            )
            opcodes = matcher.get_opcodes()
            self._opcodes[(path, text)] = opcodes
        index = line - 1
        for tag, i1, i2, j1, j2 in opcodes:
            if not j1 <= index < j2:
                continue
            if tag == "equal":
                return i1 + index - j1 + 1
            # A line the passes wrote: the same line of the block it replaced, if any.
            return i1 + min(index - j1, max(i2 - i1 - 1, 0)) + 1
        return min(line, max(len(original.splitlines()), 1))

    def _original(self, path: str) -> bytes | None:
        if path in self.originals:
            return self.originals[path]
        try:
            return (self.root / path).read_bytes()
        except OSError:
            return None


def one_per_site(reports: Iterable[R]) -> list[R]:
    """``reports`` without those at a (path, line) an earlier one already names."""
    seen: set[tuple[str, int]] = set()
    out: list[R] = []
    for report in reports:
        if (report.path, report.line) not in seen:
            seen.add((report.path, report.line))
            out.append(report)
    return out
