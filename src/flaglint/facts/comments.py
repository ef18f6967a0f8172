"""Comments that matter: suppressions, deprecation words, expiry dates.

``ast`` drops comments, and a ``#`` inside a string is not a comment, so they
are read with the standard tokenizer. Tokenizing costs about as much as
parsing, so :func:`marker_pattern` first checks the raw text for the words
that make a comment matter and only those files are tokenized. (LibCST with
positions was tried here first and cost fifty times the tokenizer
(benchmarks/RESULTS.md, design measurements).)
"""

from __future__ import annotations

import functools
import io
import re
import tokenize
from collections.abc import Iterable, Mapping

from flaglint.facts.model import Comment

_NOQA = re.compile(rb"noqa\s*:", re.IGNORECASE)
_OUR_CODE = re.compile(rb"\bFL[0-9]", re.IGNORECASE)


class MarkerFilter:
    """A pre-filter over raw bytes: is there a ``#`` followed on its line by a marker?

    Markers are ``flaglint``, ``expires``, the deprecation words, and a
    ``noqa:`` that lists one of our codes (perhaps after other linters'
    codes: ``# noqa: E501, FL103``). Linear in the input whatever it holds:
    each word is found with ``bytes.find``, each line is judged once, and
    a ``noqa:`` is followed only to the next ``#``. (A regular expression
    anchored at every ``#`` took quadratic time on a line of ``#``s.)
    """

    def __init__(self, deprecation_words: Iterable[str]) -> None:
        # Searched as lowered literals with bytes.find: a case-insensitive
        # alternation in ``re`` tries every position and cost a third of
        # parsing on Django; ``bytes.lower`` folds ASCII only, as
        # ``re.IGNORECASE`` does on bytes.
        words = ["flaglint", "expires", "noqa", *deprecation_words]
        self._literals = tuple(dict.fromkeys(w.encode().lower() for w in words if w))
        self._plain = re.compile(
            "|".join(["flaglint", "expires", *(re.escape(w) for w in deprecation_words)]).encode(),
            re.IGNORECASE,
        )

    def search(self, data: bytes) -> bool:
        if b"#" not in data:
            return False
        lowered = data.lower()
        judged: set[int] = set()
        for word in self._literals:
            start = lowered.find(word)
            while start >= 0:
                line_start = lowered.rfind(b"\n", 0, start) + 1
                line_end = lowered.find(b"\n", start)
                if line_end < 0:
                    line_end = len(lowered)
                if line_start not in judged:
                    judged.add(line_start)
                    # The comment starts at the line's first '#', which may lie after
                    # the word (``flaglint_on = f()  # noqa: FL101``): the line is judged whole.
                    hash_at = data.find(b"#", line_start, line_end)
                    if hash_at >= 0 and self._comment_matters(data[hash_at:line_end]):
                        return True
                start = lowered.find(word, line_end)
        return False

    def _comment_matters(self, comment: bytes) -> bool:
        if self._plain.search(comment):
            return True
        for segment in comment.split(b"#"):
            found = _NOQA.search(segment)
            # Later noqa: in the same segment see a suffix of what this one sees.
            if found is not None and _OUR_CODE.search(segment, found.end()):
                return True
        return False


@functools.lru_cache(maxsize=16)
def marker_pattern(deprecation_words: tuple[str, ...]) -> MarkerFilter:
    """The comment pre-filter for these deprecation words (``.search(bytes)``), built once.

    Workers ask for it for every file they parse.
    """
    return MarkerFilter(deprecation_words)


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
