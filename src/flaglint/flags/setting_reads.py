"""How settings are read back as flags: ``settings.X``, ``getattr(settings, "X", False)``,
``self.X`` in a settings class, ``app.config["X"]``, and a host platform's settings.

A stored setting carries the flags of the value it was given (``ENABLE_X =
env.bool("ENABLE_X")``); a boolean setting (a literal, a comparison) named like a
flag is a flag of its own (mechanism ``setting``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flaglint.facts.model import Atom, Binding, FileFacts, Gate
from flaglint.flags.framework_settings import DJANGO_SETTINGS
from flaglint.flags.model import FlagCondition, FlagRead, enclosing, scope_at
from flaglint.flags.providers import Provider
from flaglint.flags.readers import CONFIGURATION_SUFFIXES, matches
from flaglint.flags.settings import SettingsIndex, is_settings_module, names_test_settings
from flaglint.names.resolve import Resolver

# Settings of the framework and common libraries by prefix (``CELERY_TASK_ALWAYS_EAGER``,
# ``SESSION_COOKIE_SECURE``): a deployment sets them both ways, yet they are no
# switch of the project's. Applies to settings that are not named like flags.
LIBRARY_SETTING_PREFIXES = (
    "CELERY_",
    "CORS_",
    "CSRF_",
    "SESSION_",
    "SECURE_",
    "ELASTICSEARCH_",
    "LANGUAGE_",
    "STATIC",
    "MEDIA",
    "AWS_",
    "REST_",
    "SOCIAL_AUTH_",
    "ACCOUNT_",
    "COMPRESS_",
    "DEBUG_TOOLBAR",
)


class SettingReadsMixin:
    """Settings reads for :class:`~flaglint.flags.inventory.Inventory`, which holds the state."""

    resolver: Resolver
    settings: SettingsIndex
    _settings_on: bool
    _setting_patterns: tuple[str, ...]
    _setting_reads: list[FlagRead]
    _filtered: dict[FlagRead, tuple[Provider, bool]]
    _both_ways: dict[str, bool]

    if TYPE_CHECKING:

        def expand(self, facts: FileFacts, gate: Gate) -> tuple[FlagCondition, ...]: ...

        def call_read(self, facts: FileFacts, index: int) -> FlagRead | None: ...

    def _stored(
        self, facts: FileFacts, atom: Atom, module: FileFacts, binding: Binding, on: bool
    ) -> tuple[FlagCondition, ...]:
        """A name bound to a value: the flags the value carries, or the setting itself."""
        gates = binding.true_gates if on else binding.false_gates
        found = tuple(c for g in gates for c in self.expand(module, g))
        # ``USE_X = os.environ.get("K") is not None``: a comparison, so a boolean
        # setting of its own besides the flags its value carries.
        compared = _compared(binding)
        if (found and not compared) or not self._settings_on:
            return found
        if (binding.kind == "bool" or compared) and self.settings.is_setting(module, binding):
            # ``ENABLE_X = False`` in settings or a settings class, read as ``settings.ENABLE_X``.
            return tuple(dict.fromkeys(found + self._setting_flag(facts, atom, binding.name, on)))
        return found

    def _setting_flag(
        self, facts: FileFacts, atom: Atom, name: str, on: bool
    ) -> tuple[FlagCondition, ...]:
        """A boolean setting tested at ``atom``: a flag when it is named like one, when
        the project's settings set it both ways, or when a settings registry declares it
        boolean (an administrator turns it at run time)."""
        if name in DJANGO_SETTINGS or not (
            matches(name, self._setting_patterns)
            or self._set_both_ways(name)
            or name in self.settings.registered_booleans
        ):
            return ()
        self._setting_reads.append(
            FlagRead(
                name, "setting", facts.path, atom.line, atom.col + 1, enclosing(facts, atom.line)
            )
        )
        return (FlagCondition(name, on, "setting"),)

    def _set_both_ways(self, name: str) -> bool:
        """``X = False`` in the base settings, ``X = True`` (or ``X = "X" in os.environ``)
        in another environment's: a switch a deployment turns, whatever its name.

        Test settings do not count: a test turning a setting on says nothing of deployments.
        """
        found = self._both_ways.get(name)
        if found is None:
            # Per place (a settings module or class). A place that sets both values
            # (``try: ext = True / except: ext = False``) probes an import; it is no
            # environment's choice and does not count.
            places: dict[tuple[str, str], set[str]] = {}
            for module, binding in self.settings.names.get(name, ()):
                if _test_place(module.module, binding.scope):
                    continue
                if binding.kind == "bool":
                    value = binding.value
                elif _compared(binding) and not _environment_marker(module, binding):
                    value = "True"
                else:
                    continue
                places.setdefault((module.module, binding.scope), set()).add(value)
            chosen = [values.pop() for values in places.values() if len(values) == 1]
            found = (
                name.isupper()  # settings are upper case; lower case names are locals
                and "DEBUG" not in name  # debugging aids, as DEBUG itself
                and not name.startswith(LIBRARY_SETTING_PREFIXES)
                and "False" in chosen
                and "True" in chosen
            )
            self._both_ways[name] = found
        return found

    def _self_setting(self, facts: FileFacts, atom: Atom, on: bool) -> tuple[FlagCondition, ...]:
        """``self.X`` in a method of a settings class (a property deriving another setting):
        the class attribute ``X`` of the class or an ancestor."""
        head, _, attr = atom.name.partition(".")
        if head not in ("self", "cls") or "." in attr or not self._settings_on:
            return ()
        scope = scope_at(facts, atom.line)
        owner = self.resolver.enclosing_class(facts.module, scope) if scope else None
        if owner is None:
            return ()
        for klass in self.resolver.mro(f"{facts.module}.{owner}"):
            symbol = self.resolver.symbol(f"{klass}.{attr}")
            if symbol is not None and symbol.binding is not None:
                return self._stored(facts, atom, symbol.module, symbol.binding, on)
        return ()

    def _setting_name(
        self, facts: FileFacts, atom: Atom, qualified: str, on: bool, host: bool = True
    ) -> tuple[FlagCondition, ...]:
        """``settings.X`` (Django's lazy settings, a star-imported settings module)."""
        if not self._settings_on:
            return ()
        stored = self.settings.by_name(atom.name)
        head, _, name = qualified.rpartition(".")
        if not stored and head and is_settings_module(head):
            stored = self.settings.names.get(name, [])
        if host and not stored and head and name not in self.settings.defined:
            # Only Django's ``settings``: ``config.X`` / ``conf.X`` may be any object.
            through_settings = atom.name.rpartition(".")[0].rpartition(".")[2] == "settings"
            if through_settings and not name.endswith(CONFIGURATION_SUFFIXES):
                # ``if settings.X:`` on a setting the project never defines (its host
                # platform does): tested for truth, a flag when named like one.
                return self._setting_flag(facts, atom, name, on)
        found: list[FlagCondition] = []
        for module, binding in stored:
            found.extend(self._stored(facts, atom, module, binding, on))
        return tuple(dict.fromkeys(found))

    def _namespace_field(self, qualified: str, on: bool) -> tuple[FlagCondition, ...]:
        """``config.keep`` where a module binds ``config`` and sets ``config.keep = <read>``
        at module level: the flags of the value it set."""
        owner, _, field = qualified.rpartition(".")
        symbol = self.resolver.symbol(owner) if owner else None
        if symbol is None or symbol.binding is None or symbol.binding.scope:
            return ()
        writes = [
            (symbol.module, w)
            for w in symbol.module.setting_writes
            if not w.scope and w.target == symbol.local and w.key == field
        ]
        return self._stored_items(writes, on)

    def _stored_items(self, writes: list, on: bool) -> tuple[FlagCondition, ...]:  # type: ignore[type-arg]
        found: list[FlagCondition] = []
        for module, write in writes:
            gates = write.true_gates if on else write.false_gates
            found.extend(c for g in gates for c in self.expand(module, g))
        return tuple(dict.fromkeys(found))

    def _setting_call(self, facts: FileFacts, atom: Atom, gate: Gate) -> tuple[FlagCondition, ...]:
        """``getattr(settings, "X", False)``, ``app.config.get("X")``."""
        if not self._settings_on:
            return ()
        call = facts.calls[atom.call]
        found = self.settings.by_call(call.callee, call.args)
        if found is None:
            return ()
        mapping, key = found
        if mapping:
            return self._stored_items(self.settings.by_item(mapping, key), gate.on)
        spelled = Atom("name", atom.line, atom.col, name=f"settings.{key}")
        # A default that is no boolean (``getattr(settings, "X", 3)``) says the value is none.
        host = len(call.args) < 3
        found = self._setting_name(facts, spelled, f"settings.{key}", gate.on, host)
        if found or self.settings.names.get(key):
            return found
        # ``getattr(settings, "ENABLE_X", False)`` on a setting the project does not
        # define (its host platform does): the boolean default makes it a boolean read.
        if len(call.args) >= 3 and call.args[2].kind == "bool":
            return self._setting_flag(facts, atom, key, gate.on)
        return ()

    def _stored_presence_tests(self) -> None:
        """``USE_PROMOS = os.environ.get("PROMOS") is not None`` in settings: a presence
        test stored as a setting named like a flag makes the variable an on/off switch."""
        if not self._settings_on:
            return
        for name, stored in self.settings.names.items():
            if name in DJANGO_SETTINGS or not matches(name, self._setting_patterns):
                continue
            for module, binding in stored:
                for gate in binding.true_gates:
                    atom = module.atoms[gate.atom]
                    if gate.value != "None" or atom.kind != "call":
                        continue
                    read = self.call_read(module, atom.call)
                    if read is not None and read in self._filtered:
                        self._filtered[read] = (self._filtered[read][0], True)


def _compared(binding: Binding) -> bool:
    """A binding whose value is a comparison (a boolean): ``"X" in os.environ``,
    ``os.environ.get("X") is not None``."""
    return binding.kind == "boolexpr" or (
        binding.kind == "other"
        and any(g.value is not None for g in binding.true_gates + binding.false_gates)
    )


def _environment_marker(module: FileFacts, binding: Binding) -> bool:
    """``IS_PRODUCTION = ENV == "production"``: a name compared with strings marks an
    environment; it is not a switch of its own (a read compared, ``"X" in os.environ``, is)."""
    gates = binding.true_gates + binding.false_gates
    return bool(gates) and all(
        module.atoms[g.atom].kind == "name" and (g.value or "")[:1] in ("'", '"') for g in gates
    )


def _test_place(module: str, scope: str) -> bool:
    """Settings of tests or CI: a module part or the settings class named for them."""
    parts = module.split(".")
    if scope:
        parts.append(scope.rpartition(".")[2])
    return any(names_test_settings(part) for part in parts)
