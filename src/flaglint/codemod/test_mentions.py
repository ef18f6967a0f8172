"""Tests and templates that still name the flag after the rewrite, as nothing here edited.

A test may set the flag by means remove-flag does not know (pytest-django's
``settings.FEATURES[NAME] = False``, a fixture, a parametrized value) and assert
the side the rewrite removed: the diff would then break the project's tests
while claiming to be complete. Every line of a test module that still spells the
key (as a whole string literal) or one of the names the key is defined under (as
a name, outside ``import`` lines), that the rewrite kept and that no other
leftover or note already names, is left for a human.

Tokens, not text, so that comments and docstrings that merely mention the flag
do not count (stale docstrings are reported on their own).

A template that reads the flag itself (Jinja's ``waffle.flag('x')``, a template tag
given the key) is never edited: each line quoting the key is named, so that the
removal is not mistaken for complete.
"""

from __future__ import annotations

import ast
import difflib
import io
import tokenize
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

from flaglint.codemod.rewrite import Leftover
from flaglint.codemod.setters import is_test_path
from flaglint.codemod.tree import current_texts

REASON = (
    "a test still names the flag ({name}): it may set it or assert the removed side "
    "in a way remove-flag does not edit; check the test by hand"
)


def unedited_mentions(
    root: Path,
    paths: Iterable[str],
    final: Mapping[str, bytes],
    key: str,
    names: Collection[str],
    tests: tuple[str, ...],
    reported: Collection[tuple[str, int]],
) -> list[Leftover]:
    """Leftovers for the test lines that still name ``key`` or ``names`` after the rewrite."""
    needles = [key.encode("utf-8"), *(n.encode("utf-8") for n in names)]
    found: list[Leftover] = []
    for path in sorted(set(paths)):
        if not path.endswith(".py") or not is_test_path(path, tests):
            continue
        try:
            original = (root / path).read_bytes()
        except OSError:
            continue
        if not any(needle in original for needle in needles):
            continue
        kept = _surviving_lines(original, final.get(path, original))
        for number, name, start in _mentions(original, key, names):
            # A statement already reported on its first line is one site.
            if (path, number) in reported or (path, start) in reported or number not in kept:
                continue
            found.append(Leftover(path, number, REASON.format(name=name)))
    return found


TEMPLATES = frozenset({".html", ".htm", ".jinja", ".jinja2", ".j2", ".txt"})
TEMPLATE_NOTE = (
    "a template still names the flag ({key!r}); remove-flag does not edit a template "
    "that reads the flag itself: check it by hand"
)


def template_mentions(root: Path, final: Mapping[str, bytes], key: str) -> list[Leftover]:
    """Notes for the template lines that quote ``key`` (``'key'`` or ``"key"``)."""
    return [
        Leftover(relative, number, TEMPLATE_NOTE.format(key=key))
        for _, relative, text in current_texts(root, TEMPLATES, final)
        for number in quoting_lines(text, key)
    ]


def quoting_lines(text: bytes, key: str) -> list[int]:
    """Numbers (from 1) of the lines of ``text`` that quote ``key`` (``'key'`` or ``"key"``)."""
    quoted = [f"'{key}'".encode(), f'"{key}"'.encode()]
    if not any(q in text for q in quoted):
        return []
    return [n for n, line in enumerate(text.splitlines(), 1) if any(q in line for q in quoted)]


def _surviving_lines(before: bytes, after: bytes) -> set[int]:
    """Line numbers of ``before`` (from 1) that the rewrite kept as they were."""
    if before == after:
        return set(range(1, before.count(b"\n") + 2))
    old = before.decode("utf-8", "replace").splitlines()
    new = after.decode("utf-8", "replace").splitlines()
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return {
        start + offset + 1
        for start, _, size in matcher.get_matching_blocks()
        for offset in range(size)
    }


def _mentions(source: bytes, key: str, names: Collection[str]) -> list[tuple[int, str, int]]:
    """(line, spelling, first line of its statement) of each line naming the key, first
    spelling per line."""
    try:
        tokens = list(tokenize.tokenize(io.BytesIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    seen: dict[int, tuple[str, int]] = {}
    statement_starts_import = False
    at_statement_start = True
    start = 1
    for token in tokens:
        if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            at_statement_start = True
            statement_starts_import = False
            continue
        if token.type in (
            tokenize.NL,
            tokenize.COMMENT,
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.ENCODING,
        ):
            continue
        if at_statement_start:
            start = token.start[0]
            statement_starts_import = token.type == tokenize.NAME and token.string in (
                "import",
                "from",
            )
            at_statement_start = False
        if statement_starts_import:
            continue
        line = token.start[0]
        if token.type == tokenize.NAME and token.string in names:
            seen.setdefault(line, (token.string, start))
        elif token.type == tokenize.STRING and _string_value(token.string) == key:
            seen.setdefault(line, (repr(key), start))
    return [(line, name, first) for line, (name, first) in sorted(seen.items())]


def _string_value(literal: str) -> str | None:
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None
