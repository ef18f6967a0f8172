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
from collections.abc import Iterable

from flaglint.facts.model import Arg, Binding, FileFacts, SettingWrite

# The object a Django / Flask project reads its settings through, by its last segment.
SETTINGS_OBJECTS = frozenset({"settings", "config", "conf", "SETTINGS", "CONFIG"})
# Classes whose attributes are settings (Flask's ``app.config.from_object(Config)``).
SETTINGS_CLASS_SUFFIXES = ("Config", "Settings", "Configuration")


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


class SettingsIndex:
    """Stored settings of a project by name, and keyed writes by (mapping, key)."""

    def __init__(self, files: Iterable[FileFacts]) -> None:
        self.names: dict[str, list[tuple[FileFacts, Binding]]] = defaultdict(list)
        self.items: dict[tuple[str, str], list[tuple[FileFacts, SettingWrite]]] = defaultdict(list)
        for facts in files:
            settings_module = is_settings_module(facts.module)
            classes = {
                d.qualname
                for d in facts.definitions
                if d.kind == "class" and d.name.endswith(SETTINGS_CLASS_SUFFIXES)
            }
            for binding in facts.bindings:
                if (not binding.scope and settings_module) or binding.scope in classes:
                    self.names[binding.name].append((facts, binding))
            for write in facts.setting_writes:
                mapping = write.target.rpartition(".")[2]
                self.items[(mapping, write.key)].append((facts, write))

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
