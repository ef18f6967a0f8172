"""Which side of a flag is the live path: the one that runs with the flag at its default.

Code that runs while nobody touches a flag runs every day: it is not dormant
however old it is. FL101 looks for dormant code only on the side that needs
the flag flipped away from its default. The default is known when

- every read that states one agrees: the SDK call's default argument
  (``variation(key, ctx, False)``, ``get_option("x", True)``,
  ``env.bool("X", default=False)``);
- else the key is named like a kill switch (``kill-switch-patterns``): it is
  off until someone pulls it.

Otherwise it is unknown, and both sides may hold dormant code. A deployment
mode (``mode-switch-patterns``: ``DEBUG``, ``ONPREM``) has no dormant side:
each is some deployment's daily path, so only strong evidence (a deprecation
marker, vulture) counts there, never age alone.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from flaglint.facts.model import Arg, FileFacts
from flaglint.flags.model import FlagRead

if TYPE_CHECKING:
    from flaglint.project import Project

# Keywords SDKs and config readers use for the value returned when a flag is unset.
DEFAULT_KEYWORDS = frozenset({"default", "default_value", "defaultValue", "fallback"})
_SEGMENTS = re.compile(r"[.:/]")
# A string default spelled as a boolean (``envbool("X", "True")``, ``getenv("X", "0")``).
TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off"})


def matches(key: str, patterns: Iterable[str]) -> bool:
    """The key, or its last ``.``/``:``/``/`` segment, matches a glob (case-insensitive)."""
    names = {key.lower(), _SEGMENTS.split(key)[-1].lower()}
    return any(fnmatch.fnmatchcase(name, p.lower()) for p in patterns for name in names)


def is_kill_switch(key: str, patterns: Iterable[str]) -> bool:
    """``disable-foo``, ``app.backend.disable-foo``, ``FOO_DISABLED``: a switch that turns off."""
    return matches(key, patterns)


def stated_default(args: Iterable[Arg]) -> bool | None:
    """The boolean default a read's arguments state, if any.

    A ``True``/``False`` literal passed by a default keyword, or positionally
    after the key; ``0``/``1`` only by keyword (a positional number is as
    often a sample rate or a timeout as a default).
    """
    for arg in args:
        by_keyword = arg.keyword in DEFAULT_KEYWORDS
        positional = arg.keyword is None and (arg.position or 0) >= 1
        if arg.kind == "bool" and (by_keyword or positional):
            return arg.text == "True"
        if arg.kind == "int" and by_keyword and arg.text in ("0", "1"):
            return arg.text == "1"
        if arg.kind == "str" and (by_keyword or positional):
            word = arg.text.strip("'\"").strip().lower()
            if word in TRUE_WORDS or word in FALSE_WORDS:
                return word in TRUE_WORDS
    return None


def read_default(facts: FileFacts, read: FlagRead) -> bool | None:
    """The default stated by the call that is ``read`` (matched by line and column)."""
    for call in facts.calls:
        if call.line == read.line and call.col + 1 == read.column:
            return stated_default(call.args)
    for call in facts.calls:
        if call.line == read.line and not call.decorator and call.args:
            found = stated_default(call.args)
            if found is not None and any(a.text.strip("'\"") == read.key for a in call.args):
                return found
    return None


class FlagDefaults:
    """The default value of each flag of a project, where the code says it."""

    def __init__(self, project: Project) -> None:
        self.patterns = project.config.kill_switch_patterns
        self.modes = project.config.mode_switch_patterns
        by_path = project.by_path
        self.stated: dict[str, set[bool]] = {}
        for read in project.inventory.reads:
            if read.key is None or read.path not in by_path:
                continue
            value = read_default(by_path[read.path], read)
            if value is not None:
                self.stated.setdefault(read.key, set()).add(value)

    def default(self, key: str) -> bool | None:
        """True or False when known, None when the code does not say (or says both)."""
        values = self.stated.get(key, set())
        if len(values) == 1:
            return next(iter(values))
        if not values and is_kill_switch(key, self.patterns):
            return False
        return None

    def is_mode(self, key: str) -> bool:
        """A deployment mode (``DEBUG``, ``ONPREM``): each side is some deployment's live path."""
        return matches(key, self.modes)

    def why(self, key: str) -> str:
        if self.stated.get(key):
            return "its reads' default"
        return "a kill switch, off until pulled"
