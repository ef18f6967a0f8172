"""Calls on a module-level singleton of a project class, or a factory's result.

``FEATURE_FLAGS = FeatureFlags()`` then ``FEATURE_FLAGS.is_x_enabled()``: the call
runs the class's method, which the inventory treats as the wrapper it is once it
is found to be one. Part of :class:`~flaglint.flags.values.ValuesMixin`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from flaglint.facts.model import Call, FileFacts, Shape
from flaglint.flags.model import Wrapper
from flaglint.names.resolve import Resolver

_UNKNOWN = object()


class SingletonsMixin:
    """What a call on a singleton receiver runs (the inventory holds the state)."""

    files: list[FileFacts]
    resolver: Resolver
    _wrappers: dict[str, Wrapper]
    _receiver_methods: dict[tuple[str, int, str], str | None]
    _made_classes: dict[str, str]
    _params_by_scope: dict[str, dict[str, set[str]]]

    if TYPE_CHECKING:

        def _receiver(self, receiver: str) -> str: ...

        def _locals(self, facts: FileFacts) -> dict[tuple[str, str], list[Shape | None]]: ...

    def wrapper_target(self, facts: FileFacts, index: int, target: str) -> str:
        """``target``, or the wrapper method it reaches through a singleton receiver."""
        if target in self._wrappers or "." not in target:
            return target
        # The method is kept, not the answer: which methods are wrappers grows while
        # the inventory builds, and an answer kept from before a method became one
        # made the inventory depend on the order its questions came in.
        method_target = self._receiver_method(facts, index, target)
        if method_target is not None and method_target in self._wrappers:
            return method_target
        return target

    def _receiver_method(self, facts: FileFacts, index: int, target: str) -> str | None:
        """The method ``target`` (``receiver.method``) runs when its receiver is a
        singleton (or a factory's result) of a project class; None otherwise."""
        key = (facts.path, index, target)
        found = self._receiver_methods.get(key, _UNKNOWN)
        if found is _UNKNOWN:
            receiver, _, method = target.rpartition(".")
            klass = self._receiver_class(facts, facts.calls[index], receiver)
            found = None if klass is None else self.resolver.find_method(klass, method)
            self._receiver_methods[key] = found
        return found  # type: ignore[return-value]

    def _receiver_class(self, facts: FileFacts, call: Call, receiver: str) -> str | None:
        """The class whose instance ``receiver`` is: a singleton (``client`` bound to
        ``Client()``), a factory's result (``client()`` returning ``Client()``), or a
        local of the calling function bound to either (``c = client(); c.get(...)``)."""
        bound = self._receiver(receiver)
        if not bound.endswith("()"):
            local = call.callee.rpartition(".")[0]
            if not call.scope or not local.isidentifier():
                return None
            values = self._locals(facts).get((call.scope, local))
            if not values or len(values) != 1 or self._is_param(facts, call.scope, local):
                return None  # bound twice, or once besides what the caller passed
            made = self._call_made(facts, call.scope, values[0])
            if made is None:
                return None
            bound = made + "()"
        return self._instance_of(bound.removesuffix("()"))

    def _is_param(self, facts: FileFacts, scope: str, name: str) -> bool:
        """Whether ``name`` is a parameter of a function ``scope`` defines in ``facts``."""
        # By path: two files may share a module name (path-based fallbacks).
        params = self._params_by_scope.get(facts.path)
        if params is None:
            params = self._params_by_scope[facts.path] = defaultdict(set)
            for definition in facts.definitions:
                params[definition.qualname].update(definition.params)
        found = params.get(scope)
        return found is not None and name in found

    def _call_made(self, facts: FileFacts, scope: str, shape: Shape | None) -> str | None:
        """What the call a value ``shape`` is calls, resolved at ``scope``."""
        if shape is None or shape[0] != "c" or not 0 <= shape[1] < len(facts.flow_calls):
            return None
        name = dotted(facts.flow_calls[shape[1]].func)
        return None if name is None else self.resolver.resolve(facts.module, name, scope)

    def _instance_of(self, made: str) -> str:
        """``made()`` makes an instance of: ``made`` itself, or the one class a project
        factory function returns an instance of (``def client(): return Client()``)."""
        found = self._made_classes.get(made)
        if found is None:
            found = self._made_classes[made] = self._factory_class(made)
        return found

    def _factory_class(self, made: str) -> str:
        symbol = self.resolver.symbol(made)
        definition = symbol.definition if symbol is not None else None
        if symbol is None or definition is None or definition.kind == "class":
            return made
        classes: set[str] = set()
        for flow in symbol.module.flows:
            if flow.scope == definition.qualname and flow.target == ("ret",):
                inner = self._call_made(symbol.module, flow.scope, flow.value)
                if inner is None:
                    return made
                found = self.resolver.symbol(inner)
                if found is None or found.definition is None or found.definition.kind != "class":
                    return made
                classes.add(inner)
        return classes.pop() if len(classes) == 1 else made


def dotted(shape: Shape) -> str | None:
    """``a.b.c`` for a name or attribute shape; None for any other."""
    if shape[0] == "n":
        return str(shape[1])
    if shape[0] == "a":
        base = dotted(shape[1])
        return None if base is None else f"{base}.{shape[2]}"
    return None
