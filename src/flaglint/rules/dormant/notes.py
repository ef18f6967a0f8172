"""Notes that tie a function's life to a flag: "TODO: remove when removing FAST_CLONE".

A docstring or leading comment that asks for the function to be removed
when (once, after, with) a flag goes says the function only serves the side
of that flag which its removal retires: it is kept alive by the flag alone.
The flag must be named (its key or the constant spelling it, compared
without case and separators), so a general "remove when unused" says nothing,
and what is to be removed must be the function itself (nothing named, "this
helper", its own name), so "TODO: drop stale rows once X ships" says nothing.
"""

from __future__ import annotations

import re

from flaglint.findings import Location
from flaglint.rules.dormant.evidence import Evidence

_REMOVAL = re.compile(
    r"\b(?:remove|delete|drop|clean\s*up)\b(?P<object>(?:\s+\w+){0,3}?)"
    r"\s+(?:when|once|after|with|together\s+with)\b(?P<rest>[^.;\n]*)",
    re.IGNORECASE,
)
# What a note may ask to remove: the function itself ("remove this once...", or its name),
# with or without a TODO; "TODO: drop stale rows once X ships" asks for something else.
_SELF = frozenset({"", "this", "it", "me", "function", "method", "class", "code", "helper"})
_NOT_WORD = re.compile(r"[^a-z0-9]+")
# Shorter keys ("new", "v2") are too common as words to name a flag in prose.
_MIN_KEY = 6


def _plain(text: str) -> str:
    return _NOT_WORD.sub("_", text.lower()).strip("_")


def retired_with(text: str, key: str, function: str = "") -> bool:
    """Whether ``text`` asks for removal of the function when flag ``key`` is removed or
    rolled out: what it asks to remove is the function itself (nothing named, "this",
    "this helper", its own name), not something else ("drop stale rows once X ships")."""
    name = _plain(re.split(r"[.:/]", key)[-1])
    if len(name) < _MIN_KEY:
        return False
    itself = _SELF | ({function.lower()} if function else set())
    for match in _REMOVAL.finditer(text):
        said = set(match.group("object").lower().split()) - {"the", "this"}
        if not said <= itself:
            continue
        if f"_{name}_" in f"_{_plain(match.group('rest'))}_":
            return True
    return False


def retirement_note(
    docstring: str, comment: str, key: str, where: Location, function: str = ""
) -> Evidence | None:
    """Evidence when the function's docstring or leading comment retires it with ``key``."""
    for text, kind in ((comment, "comment"), (docstring, "docstring")):
        if text and retired_with(text, key, function):
            return Evidence("marker", f"its {kind} says to remove it with '{key}'", where)
    return None
