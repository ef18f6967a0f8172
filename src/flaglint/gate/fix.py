"""``check --fix``: remove what FL902 reports, the codes a suppression no longer needs.

Only the idle part goes: ``# noqa: E501, FL103`` loses ``FL103`` and keeps
flake8's ``E501``; ``# flaglint: ignore[FL101, FL103]`` keeps ``FL101`` when
only ``FL103`` is idle; a comment left with nothing to say goes whole, with
the spaces before it. A file is rewritten only if it still reads as it did
when analysed (its text still has the comment), byte for byte otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from flaglint.gate.suppressions import Suppression

_IGNORE = re.compile(
    r"(?P<lead>\s*)flaglint\s*:\s*(?P<verb>ignore|noqa-file)\b(?:\s*\[(?P<codes>[^\]]*)\])?",
    re.IGNORECASE,
)
_NOQA = re.compile(
    r"(?P<lead>\s*)(?P<ruff>ruff\s*:\s*)?noqa\s*:\s*"
    r"(?P<codes>[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+|\s+[A-Z]+[0-9]+)*)",
    re.IGNORECASE,
)


def fix_comment(line: str, idle: Sequence[str]) -> str:
    """``line`` with the idle codes (``("*",)``: the whole directive) taken out of its comment."""
    hash_at = _comment_start(line)
    if hash_at < 0:
        return line
    code, comment = line[:hash_at], line[hash_at + 1 :]
    everything = tuple(idle) == ("*",)
    wanted = {c.upper() for c in idle}

    def drop(codes: str) -> tuple[list[str], bool]:
        named = [c for c in re.split(r"[\s,]+", codes) if c]
        kept = [c for c in named if c.upper() not in wanted and not everything]
        return kept, len(kept) != len(named)

    def ignore(match: re.Match[str]) -> str:
        if match.group("codes") is None:
            return "" if everything else match.group(0)
        kept, changed = drop(match.group("codes"))
        if not changed:
            return match.group(0)
        if not kept:
            return ""
        return f"{match.group('lead')}flaglint: {match.group('verb')}[{', '.join(kept)}]"

    def noqa(match: re.Match[str]) -> str:
        kept, changed = drop(match.group("codes"))
        if not changed:
            return match.group(0)
        if not kept:
            return ""
        return f"{match.group('lead')}{match.group('ruff') or ''}noqa: {', '.join(kept)}"

    fixed = _NOQA.sub(noqa, _IGNORE.sub(ignore, comment))
    if fixed == comment:
        return line
    fixed = re.sub(r"\s*#\s*$", "", fixed)  # a second comment marker left with nothing after it
    if not fixed.strip():
        return code.rstrip() if code.strip() else ""
    return f"{code}#{fixed if fixed.startswith(' ') else ' ' + fixed.lstrip()}"


def _comment_start(line: str) -> int:
    """Where the comment starts: the first ``#`` outside a string literal (-1: none)."""
    quote = ""
    i = 0
    while i < len(line):
        char = line[i]
        if quote:
            if char == "\\":
                i += 2
                continue
            if line.startswith(quote, i):
                i += len(quote)
                quote = ""
                continue
        elif char == "#":
            return i
        elif char in "'\"":
            quote = line[i : i + 3] if line[i : i + 3] in ("'''", '"""') else char
            i += len(quote)
            continue
        i += 1
    return -1


def apply_fixes(
    root: Path, unused: Sequence[tuple[Suppression, tuple[str, ...]]]
) -> list[tuple[str, int]]:
    """Rewrite the files; returns the (path, line) of every comment fixed."""
    by_path: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    for suppression, idle in unused:
        by_path.setdefault(suppression.path, []).append((suppression.line, idle))
    changed = []
    for path, places in sorted(by_path.items()):
        target = root / path
        if target.is_symlink():  # never write through a link (it may lead out of the root)
            continue
        try:
            data = target.read_bytes()
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        lines = text.splitlines(keepends=True)
        fixed_here: list[tuple[str, int]] = []
        for line_number, idle in places:
            if not 1 <= line_number <= len(lines):
                continue
            original = lines[line_number - 1]
            body = original.rstrip("\r\n")
            ending = original[len(body) :]
            fixed = fix_comment(body, idle)
            if fixed != body:
                # A line that was only the comment goes; otherwise the code stays.
                lines[line_number - 1] = fixed + ending if fixed else ""
                fixed_here.append((path, line_number))
        if fixed_here:
            new = "".join(lines)
            temporary = target.with_name(f".{target.name}.flaglint-fix")
            temporary.write_bytes(new.encode("utf-8"))
            temporary.replace(target)
            changed.extend(fixed_here)
    return changed
