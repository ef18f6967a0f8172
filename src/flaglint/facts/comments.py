"""Comments that matter: suppressions, deprecation words, expiry dates.

``ast`` drops comments, and a ``#`` inside a string is not a comment, so they
are read with the standard tokenizer. Tokenizing costs about as much as
parsing, so :func:`marker_pattern` first checks the raw text for the words
that make a comment matter and only those files are tokenized. (LibCST with
positions was tried here first and cost fifty times the tokenizer
(benchmarks/RESULTS.md, design measurements).)
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Mapping

from flaglint.facts.model import Comment


def marker_pattern(deprecation_words: Iterable[str]) -> re.Pattern[bytes]:
    """A pre-filter over raw bytes: a ``#`` followed on its line by a marker."""
    # A noqa comment may list other linters' codes before ours (E501, then FL103).
    noqa = r"noqa\s*:[^#\n]*?\bFL[0-9]"
    words = ["flaglint", noqa, "expires", *(re.escape(w) for w in deprecation_words)]
    return re.compile(rb"#[^\n]*?(?:" + "|".join(words).encode() + rb")", re.IGNORECASE)


def collect_comments(
    source: bytes, headers: Mapping[int, int]
) -> tuple[tuple[Comment, ...], dict[int, str]]:
    """All comments, and the comment block above each definition.

    ``headers`` maps a definition's ``def``/``class`` line to its first line
    (its first decorator's); the result maps the ``def`` line to the text of
    the whole-line comments right above it plus any comment on the line itself.
    """
    whole_line: dict[int, str] = {}
    trailing: dict[int, str] = {}
    comments: list[Comment] = []
    try:
        for token in tokenize.tokenize(io.BytesIO(source).readline):
            if token.type != tokenize.COMMENT:
                continue
            line = token.start[0]
            comments.append(Comment(line, token.string))
            text = token.string.lstrip("#").strip()
            if token.line[: token.start[1]].strip():
                trailing[line] = text
            else:
                whole_line[line] = text
    except (tokenize.TokenError, SyntaxError):
        return _comments_by_line(source), {}
    leading: dict[int, str] = {}
    for def_line, first_line in headers.items():
        texts = []
        line = first_line - 1
        while line in whole_line:
            texts.append(whole_line[line])
            line -= 1
        texts.reverse()
        if def_line in trailing:
            texts.append(trailing[def_line])
        if texts:
            leading[def_line] = " ".join(texts)
    return tuple(comments), leading


def _comments_by_line(source: bytes) -> tuple[Comment, ...]:
    """Fallback for a file the tokenizer rejects: whole-line comments only."""
    found = []
    for number, raw in enumerate(source.decode("utf-8", "replace").splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith("#"):
            found.append(Comment(number, stripped))
    return tuple(found)
