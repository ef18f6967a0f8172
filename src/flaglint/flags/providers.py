"""Flag APIs as data: which call shapes read a flag and which argument is the key.

One table describes every SDK. A provider is matched in one of three ways:

* ``functions``: the callee, resolved through imports, is one of these
  qualified names (``waffle.flag_is_active``, ``os.getenv``);
* ``methods``: the callee is ``<receiver>.<method>`` and either the receiver
  resolves into one of ``modules`` (``ldclient.get().variation``), or the
  module imports one of ``modules``, or the method name is ``distinctive``
  enough to stand on its own (``get_boolean_value``);
* ``toggles``: a constructor (``WaffleFlag("ns.name")``) bound to a name whose
  ``.is_enabled()`` is the read; the key comes from the constructor.

Decorators in ``decorators`` gate the whole function they decorate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from flaglint.config import Config
from flaglint.flags.matching import enclosing_modules, in_module, matches_any


@dataclass(frozen=True)
class Provider:
    """One flag API: its call shapes and where its key argument sits."""

    name: str
    functions: tuple[str, ...] = ()
    methods: tuple[str, ...] = ()
    distinctive: tuple[str, ...] = ()
    decorators: tuple[str, ...] = ()
    toggles: tuple[str, ...] = ()
    toggle_reads: tuple[str, ...] = ()
    modules: tuple[str, ...] = ()
    key_index: int = 0
    key_keyword: str | None = "key"
    # Per-callee overrides of the key position, e.g. waffle's flag_is_active(request, name).
    key_index_for: tuple[tuple[str, int], ...] = ()
    # Calls whose truthy result means the flag is *off* (django-flags' flag_disabled).
    negated: tuple[str, ...] = ()
    # A reader of configuration, not a flag SDK: a key it reads is a flag only when
    # read as a boolean or named like a flag (``env-flag-patterns``).
    env: bool = False
    # Fewest arguments a real read passes: LaunchDarkly's variation(key, context, default).
    min_args: int = 1
    # Methods whose value is a boolean (environs' ``env.bool``, dynaconf's ``as_bool``).
    boolean_methods: tuple[str, ...] = ()
    # Methods whose value is typed and not a boolean (environs' ``env.int``, ``env.str``).
    value_methods: tuple[str, ...] = ()
    # Classes whose instances read a key when called: ``env = environ.Env(); env("X")``.
    instances: tuple[str, ...] = ()
    # Custom providers' key filters: globs the key must match, or (with
    # ``boolean_only``) a boolean read; both set, either will do.
    key_patterns: tuple[str, ...] = ()
    boolean_only: bool = False
    # The value a flag of this API has when nobody has set it (no database row, no
    # setting): waffle's and Open edX's toggles are off. None: the API does not say.
    absent: bool | None = None

    @property
    def filtered(self) -> bool:
        return self.env or self.boolean_only or bool(self.key_patterns)

    def key_position(self, name: str) -> int:
        for callee, index in self.key_index_for:
            if callee == name:
                return index
        return self.key_index


def _openfeature_methods() -> tuple[str, ...]:
    kinds = ("boolean", "string", "integer", "float", "object")
    return tuple(
        f"get_{kind}_{shape}{suffix}"
        for kind in kinds
        for shape in ("value", "details")
        for suffix in ("", "_async")
    )


BUILTIN_PROVIDERS: tuple[Provider, ...] = (
    Provider(
        name="launchdarkly",
        methods=("variation", "variation_detail", "migration_variation"),
        distinctive=("variation_detail", "migration_variation"),
        modules=("ldclient",),
        min_args=3,
    ),
    Provider(
        name="unleash",
        methods=("is_enabled", "get_variant"),
        modules=("UnleashClient",),
        key_keyword="feature_name",
    ),
    Provider(
        name="openfeature",
        methods=_openfeature_methods(),
        distinctive=_openfeature_methods(),
        modules=("openfeature",),
        key_keyword="flag_key",
        min_args=2,
    ),
    Provider(
        name="django-waffle",
        functions=(
            "waffle.flag_is_active",
            "waffle.switch_is_active",
            "waffle.sample_is_active",
        ),
        decorators=("waffle.decorators.waffle_flag", "waffle.decorators.waffle_switch"),
        modules=("waffle",),
        key_keyword="flag_name",
        key_index_for=(("flag_is_active", 1),),
        absent=False,
    ),
    Provider(
        name="django-flags",
        functions=(
            "flags.state.flag_enabled",
            "flags.state.flag_disabled",
            "flags.state.flag_state",
        ),
        decorators=("flags.decorators.flag_check", "flags.decorators.flag_required"),
        modules=("flags",),
        key_keyword="flag_name",
        negated=("flag_disabled",),
    ),
    Provider(
        name="flagsmith",
        methods=("is_feature_enabled", "get_feature_value"),
        distinctive=("is_feature_enabled",),
        modules=("flagsmith",),
        key_keyword="feature_name",
    ),
    Provider(
        name="growthbook",
        methods=(
            "is_on",
            "is_off",
            "get_feature_value",
            "eval_feature",
            "isOn",
            "isOff",
            "getFeatureValue",
            "evalFeature",
        ),
        modules=("growthbook",),
        negated=("is_off", "isOff"),
    ),
    Provider(
        name="posthog",
        functions=(
            "posthog.feature_enabled",
            "posthog.get_feature_flag",
            "posthog.get_feature_flag_payload",
        ),
        methods=("feature_enabled", "get_feature_flag", "get_feature_flag_payload"),
        distinctive=("get_feature_flag", "get_feature_flag_payload"),
        modules=("posthog",),
        min_args=2,
    ),
    Provider(
        # MIT Open Learning's ol-django wraps PostHog (a cache, a circuit breaker and
        # ``settings.FEATURES`` as the fallback): ``is_enabled(name, default, opt_unique_id)``.
        name="posthog",
        functions=("mitol.olposthog.features.is_enabled",),
        modules=("mitol.olposthog",),
        key_keyword="name",
    ),
    Provider(
        name="openedx-toggles",
        toggles=(
            "edx_toggles.toggles.WaffleFlag",
            "edx_toggles.toggles.WaffleSwitch",
            "edx_toggles.toggles.SettingToggle",
            "edx_toggles.toggles.SettingDictToggle",
            "edx_toggles.toggles.NonNamespacedWaffleFlag",
            "edx_toggles.toggles.NonNamespacedWaffleSwitch",
            "openedx.core.djangoapps.waffle_utils.CourseWaffleFlag",
            "openedx.core.djangoapps.waffle_utils.WaffleFlag",
            "openedx.core.djangoapps.waffle_utils.WaffleSwitch",
        ),
        toggle_reads=("is_enabled", "is_enabled_without_course_context"),
        modules=("edx_toggles",),
        key_keyword="name",
        absent=False,
    ),
    Provider(
        name="env",
        functions=("os.getenv", "os.environ.get", "os.environ.__getitem__", "os.getenvb"),
        env=True,
    ),
    Provider(
        name="environs",
        methods=("bool", "str", "int", "__call__"),
        boolean_methods=("bool",),
        value_methods=("str", "int"),
        instances=("environs.Env",),
        modules=("environs",),
        key_keyword=None,
        env=True,
    ),
    Provider(
        name="django-environ",
        methods=("bool", "str", "int", "get_value", "__call__"),
        boolean_methods=("bool",),
        value_methods=("str", "int"),
        # FileAwareEnv also reads ``X_FILE`` (a secret mounted as a file) for ``X``.
        instances=(
            "environ.Env",
            "environ.environ.Env",
            "environ.FileAwareEnv",
            "environ.environ.FileAwareEnv",
        ),
        modules=("environ",),
        key_keyword="var",
        env=True,
    ),
    Provider(
        name="python-decouple",
        # Maykin's wrappers add documentation groups and pass the rest to decouple.
        functions=(
            "decouple.config",
            "maykin_common.config.config",
            "open_api_framework.conf.utils.config",
        ),
        instances=("decouple.AutoConfig", "decouple.Config"),
        modules=("decouple", "maykin_common.config", "open_api_framework.conf"),
        key_keyword="option",
        env=True,
    ),
    Provider(
        # MIT Open Learning's ol-django reads the environment by type, each read
        # documented: get_bool(name="X", default=False, description=...).
        name="mitol-envs",
        functions=(
            "mitol.common.envs.get_bool",
            "mitol.common.envs.get_string",
            "mitol.common.envs.get_int",
        ),
        boolean_methods=("get_bool",),
        value_methods=("get_string", "get_int"),
        modules=("mitol.common.envs",),
        key_keyword="name",
        env=True,
    ),
    Provider(
        name="dynaconf",
        methods=("as_bool", "get", "__call__"),
        boolean_methods=("as_bool",),
        instances=("dynaconf.Dynaconf", "dynaconf.LazySettings"),
        modules=("dynaconf",),
        env=True,
    ),
)


@dataclass(frozen=True)
class ProviderTable:
    """All providers of a run, indexed for the matcher."""

    providers: tuple[Provider, ...]

    @classmethod
    def from_config(cls, config: Config) -> ProviderTable:
        custom = tuple(
            Provider(
                name=p.name,
                functions=p.functions,
                methods=p.methods,
                distinctive=p.methods if not p.modules else (),
                decorators=p.decorators,
                modules=p.modules,
                key_index=p.key_index,
                key_keyword=p.key_keyword,
                key_patterns=p.key_patterns,
                boolean_only=p.boolean_only,
                absent=p.absent,
            )
            for p in config.providers
        )
        builtin = tuple(p for p in BUILTIN_PROVIDERS if p.name not in config.disabled_providers)
        return cls(custom + builtin)

    def trigger_names(self) -> frozenset[str]:
        """Last segments of every callee that may read a flag (keeps arg text)."""
        names: set[str] = set()
        for provider in self.providers:
            names.update(q.rpartition(".")[2] for q in provider.functions)
            names.update(provider.methods)
            names.update(q.rpartition(".")[2] for q in provider.decorators)
            names.update(q.rpartition(".")[2] for q in provider.toggles)
            names.update(q.rpartition(".")[2] for q in provider.instances)
        names.update({"getenv", "get", "__getitem__"})
        return frozenset(names)

    @cached_property
    def _final_names(self) -> frozenset[str]:
        """Last segments of every function, decorator and toggle of every provider."""
        return frozenset(
            name.rpartition(".")[2]
            for p in self.providers
            for name in (*p.functions, *p.decorators, *p.toggles)
        )

    def _may_match(self, qualified: str) -> bool:
        # Both ways _matches_any can succeed need the last segments to agree;
        # most callees of a project match no provider and stop here.
        return qualified.rpartition(".")[2] in self._final_names

    def by_function(self, qualified: str) -> Provider | None:
        if not self._may_match(qualified):
            return None
        # Asked again for every call of a common name (``get``): answered once.
        memo = self._function_memo
        if qualified not in memo:
            memo[qualified] = next(
                (p for p in self.providers if matches_any(qualified, p.functions)), None
            )
        return memo[qualified]

    @cached_property
    def _function_memo(self) -> dict[str, Provider | None]:
        return {}

    @cached_property
    def toggle_read_methods(self) -> frozenset[str]:
        """Methods that read a toggle object of some provider (``is_enabled``)."""
        return frozenset(m for p in self.providers for m in p.toggle_reads)

    def by_instance(self, constructor: str) -> Provider | None:
        """The provider whose reader objects ``constructor`` makes (``environ.Env``)."""
        for provider in self.providers:
            if matches_any(constructor, provider.instances):
                return provider
        return None

    def by_decorator(self, qualified: str) -> Provider | None:
        if not self._may_match(qualified):
            return None
        for provider in self.providers:
            if matches_any(qualified, provider.decorators):
                return provider
        return None

    def by_toggle(self, qualified: str) -> Provider | None:
        if not self._may_match(qualified):
            return None
        for provider in self.providers:
            if matches_any(qualified, provider.toggles):
                return provider
        return None

    def by_method(
        self, method: str, receiver: str, imported_modules: Iterable[str]
    ) -> Provider | None:
        """The provider whose method this is, given what the receiver resolved to."""
        candidates = self._method_providers.get(method)
        if not candidates:
            return None
        owners = self._owners(receiver)
        for provider in candidates:
            if id(provider) in owners:
                return provider
        covered = self._imported_providers(tuple(imported_modules))
        for provider in candidates:
            if id(provider) in covered:
                return provider
        for provider in candidates:
            if method in provider.distinctive:
                return provider
        return None

    @cached_property
    def _method_providers(self) -> dict[str, tuple[Provider, ...]]:
        """Method name -> the providers that have it, in table order."""
        found: dict[str, list[Provider]] = {}
        for provider in self.providers:
            for method in provider.methods:
                found.setdefault(method, []).append(provider)
        return {method: tuple(providers) for method, providers in found.items()}

    def _owners(self, receiver: str) -> frozenset[int]:
        """The providers (by ``id``) one of whose modules holds ``receiver``, once per receiver
        (koku asks 13,634 times, of a few hundred receivers)."""
        memo = self._owners_memo
        found = memo.get(receiver)
        if found is None:
            found = memo[receiver] = frozenset(
                id(provider)
                for provider in self.providers
                if any(in_module(receiver, m) for m in provider.modules)
            )
        return found

    @cached_property
    def _owners_memo(self) -> dict[str, frozenset[int]]:
        return {}

    @cached_property
    def _imports_seen(self) -> dict[tuple[str, ...], frozenset[int]]:
        return {}

    def _imported_providers(self, imported: tuple[str, ...]) -> frozenset[int]:
        """The providers (by ``id``) one of whose modules a file imports, once per import list.

        Every method call of a file asks the same question of the same imports
        (koku: 224,686 module comparisons, a fifth of the inventory's time).
        """
        found = self._imports_seen.get(imported)
        if found is None:
            by_module = self._providers_by_module
            found = frozenset(
                owner
                for name in imported
                for module in enclosing_modules(name)
                for owner in by_module.get(module, ())
            )
            self._imports_seen[imported] = found
        return found

    @cached_property
    def _providers_by_module(self) -> dict[str, tuple[int, ...]]:
        """Module -> the providers (by ``id``) that list it."""
        found: dict[str, list[int]] = {}
        for provider in self.providers:
            for module in provider.modules:
                found.setdefault(module, []).append(id(provider))
        return {module: tuple(owners) for module, owners in found.items()}
