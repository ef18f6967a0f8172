"""Which side of a flag is the live path: the one that runs with the flag at its default.

Code that runs while nobody touches a flag runs every day: it is not dormant
however old it is. FL101 looks for dormant code only on the side that needs
the flag flipped away from its default. The default is known when

- every read that states one agrees: the SDK call's default argument
  (``variation(key, ctx, False)``, ``get_option("x", True)``,
  ``env.bool("X", default=False)``, a wrapper's ``dev_fallback=False``): a
  literal passed positionally after the key, or by one of ``default-keywords``
  (``use_default=False`` or ``allow_fallback=True`` say nothing of the value);
- else the key is named like a kill switch (``kill-switch-patterns``): it is
  off until someone pulls it;
- else every read goes through an API whose flags are off when nobody set
  them (``Provider.absent``): waffle's flags, switches and samples (unless the
  project sets ``WAFFLE_FLAG_DEFAULT``/``WAFFLE_SWITCH_DEFAULT``/
  ``WAFFLE_SAMPLE_DEFAULT`` to something else outside test settings modules;
  settings that disagree leave it unknown), Open edX toggles (a
  ``SettingToggle``'s own ``default`` wins), and custom providers declared
  with ``absent = false`` (a database row per feature, ``has_feature``).

Otherwise it is unknown: both sides may hold dormant code, but age alone is
no evidence there (the rule asks for a deprecation marker or vulture). A deployment
mode (``mode-switch-patterns``: ``DEBUG``, ``ONPREM``) has no dormant side:
each is some deployment's daily path, so only strong evidence (a deprecation
marker, vulture) counts there, never age alone.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

from flaglint.defaults import DEFAULTS
from flaglint.facts.model import Arg, FileFacts
from flaglint.flags.model import FlagRead, base_provider
from flaglint.flags.providers import ProviderTable
from flaglint.flags.settings import names_test_settings

if TYPE_CHECKING:
    from flaglint.project import Project

# Keywords SDKs and config readers use for the value returned when a flag is unset
# (``default-keywords`` configures them, a wrapper's ``dev_fallback`` among them).
DEFAULT_KEYWORDS = frozenset(DEFAULTS["default-keywords"])
_SEGMENTS = re.compile(r"[.:/]")
# A string default spelled as a boolean (``envbool("X", "True")``, ``getenv("X", "0")``).
TRUE_WORDS = frozenset({"true", "1", "yes", "on"})
FALSE_WORDS = frozenset({"false", "0", "no", "off"})
# waffle's settings for a missing flag, switch or sample, by the word in the read's callee.
WAFFLE_DEFAULT_SETTINGS = {
    "flag": "WAFFLE_FLAG_DEFAULT",
    "switch": "WAFFLE_SWITCH_DEFAULT",
    "sample": "WAFFLE_SAMPLE_DEFAULT",
}
# Settings modules named for tests (``settings/test.py``): not production's WAFFLE_*_DEFAULT.
# Open edX toggles whose constructor states the default (``SettingToggle("X", default=True)``).
SETTING_TOGGLES = frozenset({"SettingToggle", "SettingDictToggle"})


def matches(key: str, patterns: Iterable[str]) -> bool:
    """The key, or its last ``.``/``:``/``/`` segment, matches a glob (case-insensitive)."""
    names = {key.lower(), _SEGMENTS.split(key)[-1].lower()}
    return any(fnmatch.fnmatchcase(name, p.lower()) for p in patterns for name in names)


def is_kill_switch(key: str, patterns: Iterable[str]) -> bool:
    """``disable-foo``, ``app.backend.disable-foo``, ``FOO_DISABLED``: a switch that turns off."""
    return matches(key, patterns)


def stated_default(
    args: Iterable[Arg], keywords: Collection[str] = DEFAULT_KEYWORDS
) -> bool | None:
    """The boolean default a read's arguments state, if any.

    A ``True``/``False`` literal passed by one of ``keywords``, or positionally
    after the key; ``0``/``1`` only by keyword (a positional number is as
    often a sample rate or a timeout as a default).
    """
    for arg in args:
        by_keyword = arg.keyword in keywords
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


def read_default(
    facts: FileFacts, read: FlagRead, keywords: Collection[str] = DEFAULT_KEYWORDS
) -> bool | None:
    """The default stated by the call that is ``read`` (matched by line and column)."""
    for call in facts.calls:
        if call.line == read.line and call.col + 1 == read.column:
            return stated_default(call.args, keywords)
    for call in facts.calls:
        if call.line == read.line and not call.decorator and call.args:
            found = stated_default(call.args, keywords)
            if found is not None and any(a.text.strip("'\"") == read.key for a in call.args):
                return found
    return None


# django-environ's scheme entry for a boolean: ``X=(bool, False)``.
_SCHEME_BOOL = re.compile(r"\(\s*bool\s*,\s*(True|False)\s*,?\s*\)")


def scheme_default(project: Project, facts: FileFacts, read: FlagRead) -> bool | None:
    """``env = environ.Env(X=(bool, False))``: what ``env("X")`` / ``env.bool("X")`` gives
    when ``X`` is not set (django-environ's scheme), as the code states it."""
    call = next((c for c in facts.calls if (c.line, c.col + 1) == (read.line, read.column)), None)
    if call is None:
        return None
    target = project.resolver.call_target(facts, call)
    for reader in (target, target.rpartition(".")[0]):
        symbol = project.resolver.symbol(reader)
        binding = symbol.binding if symbol is not None else None
        if binding is None or binding.kind != "call" or binding.call < 0:
            continue
        for arg in symbol.module.calls[binding.call].args:  # type: ignore[union-attr]
            if arg.keyword == read.key:
                found = _SCHEME_BOOL.fullmatch(arg.text)
                return None if found is None else found.group(1) == "True"
        return None
    return None


def is_test_settings(facts: FileFacts, test_modules: Collection[str]) -> bool:
    """A test module (the ``tests`` setting) or a module named for tests (``settings/test.py``)."""
    return facts.module in test_modules or names_test_settings(facts.module.rpartition(".")[2])


def waffle_defaults(
    files: Iterable[FileFacts], test_modules: Collection[str] = ()
) -> dict[str, set[str]]:
    """``WAFFLE_*_DEFAULT`` settings bound outside test settings: name -> the values' texts.

    Every binding counts, whatever the order of the files: production's value is
    not decided by which settings module happens to come last.
    """
    names = set(WAFFLE_DEFAULT_SETTINGS.values())
    found: dict[str, set[str]] = {}
    for facts in files:
        if is_test_settings(facts, test_modules):
            continue
        for binding in facts.bindings:
            if binding.name in names:
                found.setdefault(binding.name, set()).add(binding.value)
    return found


def waffle_absent(callee: str, waffle: dict[str, set[str]]) -> bool | None:
    """A waffle read's value when nobody set the flag, switch or sample it reads.

    Off unless the project sets the matching ``WAFFLE_*_DEFAULT`` (values that
    disagree, or are not a boolean literal: unknown). A callee that names no
    kind (a wrapper) is off or on only when all three kinds agree.
    """

    def kind(setting: str) -> bool | None:
        values = waffle.get(setting, {"False"})
        if len(values) != 1:
            return None
        value = next(iter(values))
        return False if value == "False" else True if value == "True" else None

    for word, setting in WAFFLE_DEFAULT_SETTINGS.items():
        if word in callee.lower():
            return kind(setting)
    every = {kind(setting) for setting in WAFFLE_DEFAULT_SETTINGS.values()}
    return next(iter(every)) if len(every) == 1 else None


def setting_toggle_defaults(files: Iterable[FileFacts]) -> dict[str, set[bool]]:
    """Keys of ``SettingToggle("X", default=...)`` constructors and the defaults they state."""
    found: dict[str, set[bool]] = {}
    for facts in files:
        for call in facts.calls:
            if call.callee.rpartition(".")[2] not in SETTING_TOGGLES or not call.args:
                continue
            first = call.args[0]
            if first.kind != "str" or first.keyword not in (None, "name"):
                continue
            # edx_toggles' SettingToggle defaults to False when the call says nothing.
            stated = stated_default(call.args[1:])
            key = first.text.strip("'\"")
            found.setdefault(key, set()).add(False if stated is None else stated)
    return found


class FlagDefaults:
    """The default value of each flag of a project, where the code or its API says it."""

    def __init__(self, project: Project) -> None:
        self.patterns = project.config.kill_switch_patterns
        self.modes = project.config.mode_switch_patterns
        by_path = project.by_path
        keywords = frozenset(project.config.default_keywords)
        absent = {p.name: p.absent for p in ProviderTable.from_config(project.config).providers}
        waffle = waffle_defaults(project.files, project.graph.test_modules)
        toggles = setting_toggle_defaults(project.files)
        self.stated: dict[str, set[bool]] = {}
        # Per key, the value each read's API gives a flag nobody set (None: unknown).
        self.absent: dict[str, set[bool | None]] = {}
        for read in project.inventory.reads:
            if read.key is None or read.path not in by_path:
                continue
            facts = by_path[read.path]
            value = read_default(facts, read, keywords)
            if value is None and base_provider(read.provider) == "django-environ":
                value = scheme_default(project, facts, read)
            if value is not None:
                self.stated.setdefault(read.key, set()).add(value)
            provider = base_provider(read.provider)
            unset = absent.get(provider)
            if provider == "django-waffle":
                callee = next(
                    (
                        c.callee
                        for c in facts.calls
                        if (c.line, c.col + 1) == (read.line, read.column)
                    ),
                    read.expression,
                )
                unset = waffle_absent(callee.rpartition(".")[2], waffle)
            elif provider == "openedx-toggles" and read.key in toggles:
                unset = None if len(toggles[read.key]) > 1 else next(iter(toggles[read.key]))
            self.absent.setdefault(read.key, set()).add(unset)

    def default(self, key: str) -> bool | None:
        """True or False when known, None when neither the code nor its API says (or both)."""
        values = self.stated.get(key, set())
        if len(values) == 1:
            return next(iter(values))
        if values:
            return None
        if is_kill_switch(key, self.patterns):
            return False
        unset = self.absent.get(key, set())
        if len(unset) == 1:
            return next(iter(unset))
        return None

    def stated_in_code(self, key: str) -> bool:
        """Whether the default comes from the reads themselves, not from the API's unset value."""
        return len(self.stated.get(key, set())) == 1

    def is_mode(self, key: str) -> bool:
        """A deployment mode (``DEBUG``, ``ONPREM``): each side is some deployment's live path."""
        return matches(key, self.modes)

    def why(self, key: str) -> str:
        if self.stated.get(key):
            return "its reads' default"
        if is_kill_switch(key, self.patterns):
            return "a kill switch, off until pulled"
        return "its API's value when unset"
