"""Project decorator factories that take a flag's key: ``@run_if_enabled("X")``.

A project writes its own gating decorator around a flag API::

    def skip_if_flag_disabled(flag_name):
        def decorator(func):
            def inner(*args, **kwargs):
                if flag_state(flag_name):
                    return func(*args, **kwargs)
            return inner
        return decorator

The read inside sees only the factory's parameter; each ``@factory("KEY")`` line is
the read of ``KEY``, and the decorated function runs on the side of the flag under
which ``inner`` calls the decorated function (``func``). A factory whose inner
function calls the decorated function on both sides (one that only logs the flag)
gates nothing and stays a dynamic read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flaglint.facts.model import Arg, Call, Definition, FileFacts
from flaglint.flags.model import FlagRead, Wrapper, arg_at, base_provider, symbol_of
from flaglint.flags.providers import Provider
from flaglint.names.resolve import Resolver


class DecoratorWrappersMixin:
    """Finds decorator factories; :class:`~flaglint.flags.inventory.Inventory` holds the state."""

    files: list[FileFacts]
    resolver: Resolver
    _wrappers: dict[str, Wrapper]
    _call_cache: dict[tuple[str, int], tuple[FlagRead, Provider | None] | None]
    _filtered: dict[FlagRead, tuple[Provider, bool]]
    # factory's qualified name -> (wrapper of its key parameter, the side it runs on)
    _decorator_wrappers: dict[str, tuple[Wrapper, bool]]
    # symbols of the inner functions whose dynamic read the factory's call sites resolve
    _decorator_inner: set[str]

    if TYPE_CHECKING:

        def _call_read(
            self, facts: FileFacts, index: int
        ) -> tuple[FlagRead, Provider | None] | None: ...

        def wrapper_target(self, facts: FileFacts, index: int, target: str) -> str: ...

    def _find_decorator_wrappers(self) -> None:
        for facts in self.files:
            nested = [d for d in facts.definitions if "." in d.qualname and d.kind == "function"]
            if not nested:
                continue
            for index, call in enumerate(facts.calls):
                if call.scope.count(".") < 2 or call.decorator:
                    continue
                found = self._factory_read(facts, index, call)
                if found is not None:
                    qualified, wrapper, on = found
                    self._decorator_wrappers.setdefault(qualified, (wrapper, on))
                    self._decorator_inner.add(symbol_of(facts, call.scope))
        self._call_cache.clear()

    def _factory_read(
        self, facts: FileFacts, index: int, call: Call
    ) -> tuple[str, Wrapper, bool] | None:
        """(factory, wrapper of its parameter, side) when ``call`` reads the factory's key."""
        found = self._call_read(facts, index)
        if found is None:
            return None
        read, provider = found
        if read.key is not None or read in self._filtered:
            return None
        arg = self._key_arg(facts, index, call, provider)
        if arg is None or arg.kind != "name":
            return None
        definitions = {d.qualname: d for d in facts.definitions}
        factory = _enclosing_with_param(call.scope, arg.text, definitions)
        if factory is None:
            return None
        # The decorated function: a parameter of a function between the factory and the read.
        decorated = {
            p
            for name, d in definitions.items()
            if name.startswith(factory + ".") and call.scope.startswith(name)
            for p in d.params
        }
        sides = {
            gate.on != read.negated
            for other in facts.calls
            if other.callee in decorated and other.scope == call.scope
            for gate in other.gates
            if facts.atoms[gate.atom].call == index
        }
        if len(sides) != 1:
            return None
        params = [p for p in definitions[factory].params if p not in ("self", "cls")]
        if arg.text not in params:
            return None
        wrapper = Wrapper((), arg.text, params.index(arg.text), base_provider(read.provider))
        return f"{facts.module}.{factory}", wrapper, sides.pop()

    def _key_arg(
        self, facts: FileFacts, index: int, call: Call, provider: Provider | None
    ) -> Arg | None:
        if provider is not None:
            method = call.callee.rpartition(".")[2]
            return arg_at(call.args, provider.key_position(method), provider.key_keyword)
        # A project wrapper of the key passed in (``is_on(name)``).
        target = self.resolver.call_target(facts, call)
        wrapper = self._wrappers.get(self.wrapper_target(facts, index, target))
        if wrapper is None or wrapper.param is None:
            return None
        return arg_at(call.args, wrapper.param_index, wrapper.param)


def _enclosing_with_param(scope: str, name: str, definitions: dict[str, Definition]) -> str | None:
    """The nearest function around ``scope`` (not ``scope`` itself) with parameter ``name``."""
    parts = scope.split(".")
    for size in range(len(parts) - 1, 0, -1):
        qualname = ".".join(parts[:size])
        definition = definitions.get(qualname)
        if definition is not None and name in definition.params:
            return qualname
    return None
