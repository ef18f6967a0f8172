"""Which calls read a flag, and the key each reads.

A call is matched to a provider (:mod:`flaglint.flags.providers`) by its
resolved callee, its receiver (followed through bindings, and through the
receiver class's ancestors to an SDK class), or the reader object it calls
(``env = environ.Env(); env("X")``). Readers of configuration (environment
variables, settings libraries, custom providers with key filters) report a key
only when it is read as a boolean or named like a flag.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import string
from typing import TYPE_CHECKING

from flaglint.config import Config
from flaglint.facts.model import Arg, Binding, Call, FileFacts
from flaglint.facts.settings import BOOLEAN_WORDS
from flaglint.flags.model import FlagRead, Wrapper, arg_at, symbol_of
from flaglint.flags.providers import Provider, ProviderTable
from flaglint.flags.settings import SettingsIndex
from flaglint.names.resolve import Resolver

# A cast that makes a configuration read a boolean: ``config("X", cast=bool)``.
BOOL_CAST_WORDS = frozenset({"bool", "(bool", "@bool"})
# Casts to a value that is no boolean: ``config("X_SECONDS", cast=int)``.
VALUE_CAST_WORDS = frozenset({"int", "float", "str", "Decimal", "Csv()", "list", "dict", "json"})
# Conversions written around a read: ``int(os.getenv("X_SECONDS", "30"))``.
VALUE_CONVERSIONS = frozenset({"int", "float", "Decimal", "timedelta", "Path"})


# Names of configuration values, never switches, even under a flag-like prefix
# (``FEATURE_FLAGS_URL``, ``FEATURE_FLAGS_TOKEN``: the flag client's own settings).
CONFIGURATION_SUFFIXES = (
    "_URL",
    "_URI",
    "_TOKEN",
    "_DIR",
    "_PATH",
    "_HOST",
    "_PORT",
    "_SECRET",
    "_KEY",
    "_PASSWORD",
)


def matches(key: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(key, p) for p in patterns)


class ReadersMixin:
    """Flag reads of call sites; :class:`~flaglint.flags.inventory.Inventory` holds the state."""

    config: Config
    table: ProviderTable
    resolver: Resolver
    _env_patterns: tuple[str, ...]
    _imported: dict[str, tuple[str, ...]]
    _call_cache: dict[tuple[str, int], tuple[FlagRead, Provider | None] | None]
    _wrappers: dict[str, Wrapper]
    _decorator_wrappers: dict[str, tuple[Wrapper, bool]]
    # Reads of filtered providers: (provider, read as a boolean); kept keys once known.
    _filtered: dict[FlagRead, tuple[Provider, bool]]
    # How a filtered read types its value: "explicit" (a boolean method, cast or
    # default) or "typed" (a non-boolean method: ``env.int``, ``env.str``).
    _read_types: dict[FlagRead, str]
    _kept: set[str] | None
    _boolean_calls: dict[str, frozenset[int]]
    _instances: dict[str, Provider | None]
    _boolean_arguments: set[tuple[str, int]]
    settings: SettingsIndex

    if TYPE_CHECKING:

        def _wrapper_read(
            self, facts: FileFacts, call: Call, wrapper: Wrapper, symbol: str
        ) -> FlagRead | None: ...

        def wrapper_target(self, facts: FileFacts, index: int, target: str) -> str: ...

        def note_key_owner(
            self, facts: FileFacts, call: Call, provider: Provider, arg: Arg
        ) -> None: ...

        def value_argument_calls(
            self, facts: FileFacts, index: int, wrapper: Wrapper
        ) -> list[int]: ...

    # ---------------------------------------------------------------- reads
    def _imported_modules(self, facts: FileFacts) -> tuple[str, ...]:
        found = self._imported.get(facts.module)
        if found is None:
            found = tuple(imp.target for imp in facts.imports)
            self._imported[facts.module] = found
        return found

    def call_read(self, facts: FileFacts, index: int) -> FlagRead | None:
        cached_key = (facts.module, index)
        if cached_key not in self._call_cache:
            self._call_cache[cached_key] = self._call_read(facts, index)
        found = self._call_cache[cached_key]
        return found[0] if found else None

    def _call_read(self, facts: FileFacts, index: int) -> tuple[FlagRead, Provider | None] | None:
        call = facts.calls[index]
        method = call.callee.rpartition(".")[2]
        target = self.resolver.call_target(facts, call)
        symbol = symbol_of(facts, call.scope)
        wrapper = self._wrappers.get(self.wrapper_target(facts, index, target))
        if wrapper is not None and self.table.by_function(target) is not None:
            wrapper = None  # the provider's own function, defined in the project
        if wrapper is not None and (wrapper.value_on or wrapper.value_off):
            if wrapper.boolean:
                for inner in self.value_argument_calls(facts, index, wrapper):
                    self._boolean_arguments.add((facts.module, inner))
            return None
        if wrapper is not None:
            read = self._wrapper_read(facts, call, wrapper, symbol)
            if read is not None and wrapper.filtered is not None:
                said = wrapper_type(target, literal_default(call, wrapper.param_index))
                boolean = wrapper.boolean or said == "explicit" or index in self._booleans(facts)
                self._filtered[read] = (wrapper.filtered, boolean)
                if said:
                    self._read_types[read] = said
            return (read, None) if read is not None else None
        if call.decorator:
            factory = self._decorator_wrappers.get(self.wrapper_target(facts, index, target))
            if factory is not None:
                read = self._wrapper_read(facts, call, factory[0], symbol)
                if read is not None and not factory[1]:
                    read = dataclasses.replace(read, negated=True)
                return (read, None) if read is not None else None
            provider = self.table.by_decorator(target)
            if provider is None:
                return None
            return self._keyed_read(facts, call, provider, target.rpartition(".")[2], symbol, index)
        provider = self.table.by_function(target)
        if provider is not None:
            method = target.rpartition(".")[2]  # ``import flag_is_active as is_on``
        if provider is None and "." in call.callee:
            receiver = target.rpartition(".")[0]
            toggle = self._toggle_read(method, receiver, facts, call, symbol)
            if toggle is not None:
                return toggle
            receiver = self._receiver(receiver)
            provider = self.table.by_method(method, receiver, self._imported_modules(facts))
            if provider is None and receiver.endswith("()"):
                provider = self._by_ancestor(method, receiver.removesuffix("()"))
        if provider is None:
            provider = self._instance_provider(target)
            method = "__call__"
        if provider is None:
            return None
        return self._keyed_read(facts, call, provider, method, symbol, index)

    def _by_ancestor(self, method: str, klass: str) -> Provider | None:
        """``class AppClient(UnleashClient)``: the SDK's class among the receiver's ancestors."""
        for ancestor in self.resolver.mro(klass)[1:]:
            provider = self.table.by_method(method, ancestor + "()", ())
            if provider is not None:
                return provider
        return None

    def _instance_provider(self, target: str) -> Provider | None:
        """``env`` bound to ``environ.Env(...)``: calling it reads a key."""
        if target in self._instances:
            return self._instances[target]
        found = None
        symbol = self.resolver.symbol(target)
        if symbol is not None and symbol.binding is not None and symbol.binding.kind == "call":
            binding = symbol.binding
            constructor = self.resolver.resolve(symbol.module.module, binding.value, binding.scope)
            found = self.table.by_instance(constructor)
        self._instances[target] = found
        return found

    def _booleans(self, facts: FileFacts) -> frozenset[int]:
        found = self._boolean_calls.get(facts.module)
        if found is None:
            found = self._boolean_calls[facts.module] = frozenset(facts.boolean_calls)
        return found

    def _explicit_boolean(
        self, call: Call, provider: Provider, method: str, facts: FileFacts
    ) -> bool:
        """The read says it is a boolean: a boolean method or cast, a ``bool`` default."""
        if method in provider.boolean_methods:
            return True
        key_position = provider.key_position(method)
        for arg in call.args:
            if arg.position == key_position:
                continue
            if arg.kind in ("bool", "boolexpr") and arg.keyword in (None, "default"):
                return True
            if arg.keyword == "cast" and arg.text in BOOL_CAST_WORDS:
                return True
        return method == "__call__" and self._schema_bool(facts, call, provider)

    def _schema_bool(self, facts: FileFacts, call: Call, provider: Provider) -> bool:
        """``env = environ.Env(DEBUG=(bool, False))``: ``env("DEBUG")`` is a boolean."""
        key = arg_at(call.args, provider.key_position("__call__"), provider.key_keyword)
        target = self.resolver.call_target(facts, call)
        symbol = self.resolver.symbol(target)
        if key is None or symbol is None or symbol.binding is None or symbol.binding.call < 0:
            return False
        constructor = symbol.module.calls[symbol.binding.call]
        return any(
            a.keyword == key.text and a.text.replace(" ", "").startswith("(bool,")
            for a in constructor.args
        )

    def kept(self, read: FlagRead) -> bool:
        """A read of a filtered provider counts when its key passes the provider's filter."""
        entry = self._filtered.get(read)
        if entry is None:
            return True
        if read.key is None:
            return False
        if self._kept is not None and read.key in self._kept:
            return True
        provider, boolean = entry
        kind = self._read_types.get(read)
        return self._passes(provider, read.key, boolean, kind == "explicit", kind == "typed")

    def _passes(
        self,
        provider: Provider,
        key: str,
        boolean: bool,
        explicit: bool = False,
        typed: bool = False,
    ) -> bool:
        if provider.env:
            # A read that says it is a boolean is a switch whatever its name. A
            # configuration name (``CLICKHOUSE_URL``, but not ``USE_FAST_PATH``)
            # tested for presence is not, and a flag-like name read as a number
            # or a string (``env.int("FEATURE_VALUE_LIMIT")``) is a setting.
            if explicit:
                return True
            flaglike = matches(key, self._env_patterns)
            configuration = key.endswith(CONFIGURATION_SUFFIXES)
            if boolean:
                return flaglike or not configuration
            return flaglike and not configuration and not typed
        if provider.key_patterns and matches(key, provider.key_patterns):
            return True
        return provider.boolean_only and boolean

    def _receiver(self, receiver: str) -> str:
        """What the receiver of a method call is: ``client`` bound to ``ldclient.get()``."""
        for _ in range(4):
            symbol = self.resolver.symbol(receiver)
            if symbol is None or symbol.binding is None:
                return receiver
            binding = symbol.binding
            if binding.kind == "call":
                owner = symbol.module.module
                receiver = self.resolver.resolve(owner, binding.value, binding.scope) + "()"
            elif binding.kind == "name":
                receiver = self.resolver.resolve(symbol.module.module, binding.value)
            else:
                return receiver
        return receiver

    def _toggle_binding(self, receiver: str, spelled: str) -> tuple[FileFacts, Binding] | None:
        """Where a toggle object is bound: a name, or a setting (``settings.X.is_enabled()``)."""
        bound = self.resolver.symbol(receiver)
        if bound is not None and bound.binding is not None:
            return (bound.module, bound.binding) if bound.binding.kind == "call" else None
        stored = [(m, b) for m, b in self.settings.by_name(spelled) if b.kind == "call"]
        return stored[0] if len(stored) == 1 else None

    def _toggle_read(
        self, method: str, receiver: str, facts: FileFacts, call: Call, symbol: str
    ) -> tuple[FlagRead, Provider | None] | None:
        if method not in self.table.toggle_read_methods:
            return None
        bound = self._toggle_binding(receiver.removesuffix("()"), call.callee.rpartition(".")[0])
        if bound is None:
            return None
        module, binding = bound
        constructor = self.resolver.resolve(module.module, binding.value, binding.scope)
        provider = self.table.by_toggle(constructor)
        if provider is None or binding.call < 0:
            return None
        ctor_call = module.calls[binding.call]
        key, expression = self._key(module, ctor_call, provider, "")
        read = FlagRead(key, provider.name, facts.path, call.line, call.col + 1, symbol, expression)
        return read, provider

    def _keyed_read(
        self,
        facts: FileFacts,
        call: Call,
        provider: Provider,
        method: str,
        symbol: str,
        index: int = -1,
    ) -> tuple[FlagRead, Provider | None] | None:
        if len(call.args) < max(provider.min_args, provider.key_position(method) + 1) and not any(
            a.keyword for a in call.args
        ):
            return None
        key, expression = self._key(facts, call, provider, method)
        negated = method in provider.negated
        if key is not None and key.startswith("!") and provider.decorators:
            key, negated = key[1:], not negated
        if provider.name == "django-flags" and method == "flag_check":
            state = arg_at(call.args, 1, "state")
            if state is not None and state.kind == "bool" and state.text == "False":
                negated = not negated
        if key is None and not expression:
            return None
        read = FlagRead(
            key, provider.name, facts.path, call.line, call.col + 1, symbol, expression, negated
        )
        if provider.filtered:
            # Read as a boolean: the read says so, or it is tested.
            explicit = self._explicit_boolean(call, provider, method, facts)
            tested = index in self._booleans(facts) and not _presence_cast(facts, call, provider)
            self._filtered[read] = (provider, explicit or tested)
            if explicit:
                self._read_types[read] = "explicit"
            elif (
                method in provider.value_methods
                or any(a.keyword == "cast" and a.text in VALUE_CAST_WORDS for a in call.args)
                or _converted(facts, call)
                or literal_default(call, provider.key_position(method)) == "value"
            ):
                self._read_types[read] = "typed"
        return read, provider

    def _key(
        self, facts: FileFacts, call: Call, provider: Provider, method: str
    ) -> tuple[str | None, str]:
        arg = arg_at(call.args, provider.key_position(method), provider.key_keyword)
        if arg is None:
            return None, ""
        self.note_key_owner(facts, call, provider, arg)
        return self.resolve_arg(facts, call, arg)

    def resolve_arg(self, facts: FileFacts, call: Call, arg: Arg) -> tuple[str | None, str]:
        """A key argument's value, or None and the expression it is spelled as."""
        if arg.kind in ("str", "int"):
            return arg.text, ""
        if arg.kind == "name":
            qualified = self.resolver.resolve(facts.module, arg.text, call.scope)
            binding = self.resolver.literal(qualified)
            if binding is not None and binding.kind in ("str", "int"):
                return binding.value, ""
            # ``switch_is_active(settings.X_SWITCH)``: the key is the string the
            # project's settings give X, when they all give it the same one.
            stored = {(b.kind, b.value) for _, b in self.settings.by_name(arg.text)}
            if len(stored) == 1:
                kind, value = next(iter(stored))
                if kind == "str":
                    return value, ""
            return None, arg.text
        if arg.kind == "fstring":
            return self._fstring(facts, call, arg.text)
        if arg.kind in ("param", "other"):
            return None, arg.text
        return None, ""

    def _fstring(self, facts: FileFacts, call: Call, template: str) -> tuple[str | None, str]:
        """``f"{NAMESPACE}.flag"`` with ``NAMESPACE`` a constant resolves to a key."""
        out: list[str] = []
        for literal, name, _, _ in string.Formatter().parse(template):
            out.append(literal)
            if name is None:
                continue
            qualified = self.resolver.resolve(facts.module, name, call.scope)
            binding = self.resolver.literal(qualified)
            if binding is None or binding.kind not in ("str", "int"):
                return None, f'f"{template}"'
            out.append(binding.value)
        return "".join(out), ""


def _converted(facts: FileFacts, call: Call) -> bool:
    """``int(os.getenv("X", "100"))``: the read is the first argument of a conversion."""
    return any(
        outer.line == call.line
        and outer.callee in VALUE_CONVERSIONS
        and outer.col + len(outer.callee) + 1 == call.col
        for outer in facts.calls
    )


def _presence_cast(facts: FileFacts, call: Call, provider: Provider) -> bool:
    """``bool(os.environ.get("CA_BUNDLE"))`` with no default (or ``None``, ``""``): whether
    the variable is set, which a path or a token is too; ``bool`` never parses "false"."""
    position = provider.key_position(call.callee.rpartition(".")[2])
    for arg in call.args:
        if arg.position == position or (arg.keyword and arg.keyword == provider.key_keyword):
            continue
        if arg.keyword in (None, "default") and (arg.kind, arg.text) not in (
            ("none", "None"),
            ("str", ""),
        ):
            return False
    return any(
        outer.line == call.line and outer.callee == "bool" and outer.col + 5 == call.col
        for outer in facts.calls
    )


def literal_default(call: Call, key_position: int) -> str:
    """What a read's literal default says: "bool", "value" (a string that is no
    boolean word and not empty, like ``"feature_flags.json"``, or a number other
    than 0 and 1), or "".

    The default is the argument right after the key, or ``default=``.
    """
    for arg in call.args:
        if arg.keyword == "default" or (
            arg.keyword is None and arg.position == key_position + 1 and key_position >= 0
        ):
            if arg.kind == "bool":
                return "bool"
            word = arg.text.strip().lower()
            if arg.kind == "str" and word and word not in BOOLEAN_WORDS:
                return "value"
            if arg.kind == "int" and word not in ("0", "1"):
                return "value"  # ``config("ENABLE_UPLOAD_LIMIT", default=20)``
    return ""


# Words of a reader's name that say what it returns (``get_bool_env``, ``env_str``).
BOOLEAN_NAME_WORDS = frozenset({"bool", "boolean"})
VALUE_NAME_WORDS = frozenset({"str", "string", "int", "float", "list", "dict", "json", "path"})


def wrapper_type(target: str, default: str) -> str:
    """Whether a read through a wrapper of an environment reader says it is a boolean
    ("explicit"), a value ("typed"), or nothing (""): the wrapper's name first
    (``get_string("AWS_KEY_ID", False)`` reads a string), then a literal default."""
    words = set(target.rpartition(".")[2].lower().split("_"))
    if words & VALUE_NAME_WORDS:
        return "typed"
    if words & BOOLEAN_NAME_WORDS or default == "bool":
        return "explicit"
    return "typed" if default == "value" else ""
