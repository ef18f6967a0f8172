"""Comments that described the decision a flag made, once the decision is gone.

``# If the switch is active, handle both versions`` above ``if switch_is_active(X):``
says nothing true once the ``if`` is folded away. Only the comment lines right
above the folded statement (no blank line between) are judged, and only when one
of them speaks of a flag (a switch, a toggle, waffle...): a comment about what the
kept code does, or one further up, stays.
A comment counts when it names a flag and a state of it (``active``,
``enabled``, ``is on``, ``otherwise``...): "the flag check" alone is kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import libcst as cst

FLAG_WORDS = re.compile(
    r"\b(switch(es)?|flags?|waffle|toggles?|unleash|feature[- ]gate|kill[- ]switch)\b",
    re.IGNORECASE,
)

STATE_WORDS = re.compile(
    r"\b(active|inactive|enabled?|disabled?|is (on|off)|turned (on|off)|otherwise)\b",
    re.IGNORECASE,
)


def speaks_of_a_flag(text: str) -> bool:
    """A flag and its state are named: ``# If the switch is active, ...``."""
    return FLAG_WORDS.search(text) is not None and STATE_WORDS.search(text) is not None


def without_flag_comment(lines: Sequence[cst.EmptyLine]) -> list[cst.EmptyLine]:
    """``lines`` (the blank and comment lines above a statement) without the comment
    block right above it when that block speaks of a flag."""
    start = len(lines)
    while start > 0 and lines[start - 1].comment is not None:
        start -= 1
    block = lines[start:]
    if not any(line.comment is not None and speaks_of_a_flag(line.comment.value) for line in block):
        return list(lines)
    return list(lines[:start])
