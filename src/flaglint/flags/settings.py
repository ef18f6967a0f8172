"""Where a flag's value is stored for other modules to read, and how they spell the read.

A flag read at start-up is usually stored (``ENABLE_X = env.bool("ENABLE_X")``
in a Django settings module, ``WGER_SETTINGS = {"USE_CELERY": ...}``,
``app.config["X"] = ...``) and tested far away: ``settings.ENABLE_X``,
``getattr(settings, "ENABLE_X", False)``, ``settings.WGER_SETTINGS["USE_CELERY"]``,
``current_app.config.get("X")``. This index maps those spellings back to the
stored value, whose gates say which flag it carries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from flaglint.facts.model import Arg, Binding, FileFacts, SettingWrite

# The object a Django / Flask project reads its settings through, by its last segment.
SETTINGS_OBJECTS = frozenset({"settings", "config", "conf", "SETTINGS", "CONFIG"})
# Names of settings modules and classes that configure tests or CI, not a deployment.
TEST_SETTINGS_NAMES = frozenset({"test", "tests", "testing", "ci"})
# Classes whose attributes are settings (Flask's ``app.config.from_object(Config)``).
SETTINGS_CLASS_SUFFIXES = ("Config", "Settings", "Configuration")
# Base classes that make a class a settings class (django-configurations'
# ``Configuration``, a project's ``class Base(Settings)``).
SETTINGS_BASE_SUFFIXES = ("Settings", "Configuration")


def is_settings_module(module: str) -> bool:
    """``proj.settings``, ``proj.settings.base``, ``config.settings.common_settings``,
    ``main.settings_celery`` (a part star-imported into the settings)."""
    return any(
        part == "settings"
        or part.endswith("_settings")
        or part.startswith("settings_")
        or part in ("config", "conf")
        for part in module.split(".")
    )


def settings_classes(facts: FileFacts) -> frozenset[str]:
    """Classes of a file whose attributes are settings, by qualified name.

    A class is a settings class when its name ends in ``Config`` / ``Settings`` /
    ``Configuration``, when one of its bases is named ``*Settings`` /
    ``*Configuration``, or when it is a top-level class of a settings module
    (``class Base(Settings): ALLOW_X = False`` in ``proj/settings/base.py``, which
    the project's ``settings`` object is built from).
    """
    settings_module = is_settings_module(facts.module)
    return frozenset(
        d.qualname
        for d in facts.definitions
        if d.kind == "class"
        and (
            d.name.endswith(SETTINGS_CLASS_SUFFIXES)
            or any(b.rpartition(".")[2].endswith(SETTINGS_BASE_SUFFIXES) for b in d.bases)
            or (settings_module and "." not in d.qualname)
        )
    )


class SettingsIndex:
    """Stored settings of a project by name, and keyed writes by (mapping, key)."""

    def __init__(self, files: Iterable[FileFacts]) -> None:
        self.names: dict[str, list[tuple[FileFacts, Binding]]] = defaultdict(list)
        self.items: dict[tuple[str, str], list[tuple[FileFacts, SettingWrite]]] = defaultdict(list)
        # (module, class) of every settings class, for class-level settings.
        self.classes: set[tuple[str, str]] = set()
        # Every name bound or defined anywhere (properties too): a setting read through
        # ``settings`` and bound nowhere is one the host platform defines.
        self.defined: set[str] = set()
        # Settings a registry call declares boolean: ``register("X", field_class=BooleanField)``.
        self.registered_booleans: set[str] = set()
        for facts in files:
            self.registered_booleans.update(registered_booleans(facts))
            self.defined.update(b.name for b in facts.bindings)
            self.defined.update(d.name for d in facts.definitions)
            settings_module = is_settings_module(facts.module)
            classes = settings_classes(facts)
            self.classes.update((facts.module, c) for c in classes)
            for binding in facts.bindings:
                if (not binding.scope and settings_module) or binding.scope in classes:
                    self.names[binding.name].append((facts, binding))
            for write in facts.setting_writes:
                mapping = write.target.rpartition(".")[2]
                self.items[(mapping, write.key)].append((facts, write))

    def is_setting(self, module: FileFacts, binding: Binding) -> bool:
        """A module-level name of a settings module, or an attribute of a settings class."""
        if not binding.scope:
            return is_settings_module(module.module)
        return (module.module, binding.scope) in self.classes

    def by_name(self, spelled: str) -> list[tuple[FileFacts, Binding]]:
        """``settings.X`` / ``conf.settings.X``: the stored ``X``, if read through settings."""
        head, _, name = spelled.rpartition(".")
        if not head or head.rpartition(".")[2] not in SETTINGS_OBJECTS:
            return []
        return self.names.get(name, [])

    def by_item(self, base: str, key: str) -> list[tuple[FileFacts, SettingWrite]]:
        """``settings.D["K"]``, ``app.config["K"]``: the value written under ``K``."""
        return self.items.get((base.rpartition(".")[2], key), [])

    def by_call(self, callee: str, args: tuple[Arg, ...]) -> tuple[str, str] | None:
        """``getattr(settings, "X", d)`` or ``settings.D.get("K")``: what is read, as
        ``("name", X)`` or ``(mapping, K)``."""
        if callee == "getattr" and len(args) >= 2:
            owner, name = args[0], args[1]
            if (
                owner.kind == "name"
                and owner.text.rpartition(".")[2] in SETTINGS_OBJECTS
                and name.kind == "str"
            ):
                return "", name.text
            return None
        base, _, method = callee.rpartition(".")
        if method == "get" and base and args and args[0].kind == "str":
            mapping = base.rpartition(".")[2]
            if (mapping, args[0].text) in self.items:
                return mapping, args[0].text
        return None


def registered_booleans(facts: FileFacts) -> Iterator[str]:
    """Names a settings registry declares boolean: a call naming an upper-case setting
    first and a ``BooleanField`` class (or ``type=bool``) by keyword, as AWX's
    ``register("X", field_class=fields.BooleanField, ...)``. Such a registry stores the
    value where an administrator changes it at run time, so the setting is a switch
    whatever its name. A model or form field (``models.BooleanField("label")``) names
    no class by keyword and declares nothing; a ``read_only=True`` entry reports what
    the deployment is (``IS_K8S``) and nobody turns it."""
    for call in facts.calls:
        args = call.args
        if len(args) < 2 or args[0].position != 0 or args[0].kind != "str":
            continue  # a name, then a class by keyword
        name = args[0].text
        if not (name.isupper() and name.replace("_", "").isalnum()):
            continue
        if any(a.keyword == "read_only" and a.text == "True" for a in args):
            continue
        # Every class the call names by keyword must be boolean: ``field_class=DictField,
        # child=BooleanField`` declares a mapping of booleans, which is no switch.
        declared = [
            arg.text
            for arg in args
            if arg.keyword
            and arg.kind == "name"
            and (arg.keyword == "type" or arg.text.rpartition(".")[2].endswith("Field"))
        ]
        if declared and all(
            text == "bool" or text.rpartition(".")[2] == "BooleanField" for text in declared
        ):
            yield name


def names_test_settings(name: str) -> bool:
    """A module or class name (one dotted part) of test or CI settings: ``test``,
    ``settings_test``, ``test_settings``, ``testing``, ``ci``, ``TestingConfig``."""
    part = name.lower()
    return (
        part in TEST_SETTINGS_NAMES
        or part.startswith(("test_", "testing"))
        or part.endswith(("_test", "_tests", "_testing"))
        or (part.startswith("test") and part.endswith("config"))
    )
