"""A flag's key or name as a whole token of prose, and the clause around it.

``'gift-wrap-v2'`` does not name ``gift-wrap``: a key is a token only where no
word character, hyphen or dotted continuation touches it (``\\b`` alone treats
the hyphen as a boundary). Docstrings and comments are judged clause by clause,
so that an off-word elsewhere in the text ("renders without errors") says
nothing about the flag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# Where a clause ends: sentence or clause punctuation followed by a space or the end.
CLAUSE_END = re.compile(r"[;!?\n]|[.,:](?=\s|$)")


def token(name: str) -> re.Pattern[str]:
    """``name`` as a whole token: not part of a longer key or dotted name."""
    return re.compile(rf"(?<![\w.-]){re.escape(name)}(?![\w-]|\.\w)")


def spells(text: str, names: Iterable[str]) -> bool:
    """``text`` spells one of ``names`` as a whole token."""
    return any(token(name).search(text) for name in names)


def clauses_naming(text: str, names: Iterable[str]) -> Iterator[str]:
    """Each clause of ``text`` that spells one of ``names`` as a whole token."""
    patterns = [token(name) for name in names]
    start = 0
    for end in [*(m.start() for m in CLAUSE_END.finditer(text)), len(text)]:
        clause = text[start:end]
        if any(p.search(clause) for p in patterns):
            yield clause
        start = end + 1
