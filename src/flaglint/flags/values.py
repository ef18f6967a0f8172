"""Flag values that travel before they are tested: into parameters, onto ``self``, via singletons.

Three shapes real code writes, each followed one level:

- a project function tests its parameter (``def resolve(env_value): return
  env_value in ("1", "true")``, ``def sync(force): if force: ...``) and a caller
  passes a flag's value for it: the test is a test of that flag;
- a method stores a flag's value on the instance (``self.enabled =
  settings.ENABLE_X``) and another method of the class tests ``self.enabled``;
- a wrapper method called through a module-level singleton of its class
  (``FEATURE_FLAGS = FeatureFlags()``, ``FEATURE_FLAGS.is_x_enabled()``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from flaglint.facts.model import (
    Atom,
    AttributeWrite,
    Call,
    Definition,
    FileFacts,
    FlowCall,
    Gate,
    Shape,
)
from flaglint.flags.model import FlagCondition, Wrapper, scope_at
from flaglint.flags.singletons import SingletonsMixin, dotted
from flaglint.names.resolve import Resolver

# How many hops (a parameter to its callers, a local to its value) one test follows.
MAX_FLOW_DEPTH = 4
# Parameters whose value is the receiver, never an argument a caller writes.
RECEIVERS = ("self", "cls")
# A call site with the function it calls: (file, call index, target).
Site = tuple[FileFacts, int, str]
# Calls by the function they reach (a wrapper method, for a call on a singleton).
Groups = dict[str, list[tuple[FileFacts, int]]]


class ValuesMixin(SingletonsMixin):
    """Value flow for :class:`~flaglint.flags.inventory.Inventory`, which holds the state."""

    files: list[FileFacts]
    resolver: Resolver
    _wrappers: dict[str, Wrapper]
    _decorator_wrappers: dict[str, tuple[Wrapper, bool]]
    _kept: set[str] | None

    if TYPE_CHECKING:

        def expand(self, facts: FileFacts, gate: Gate) -> tuple[FlagCondition, ...]: ...

        def _expand_atom(
            self, facts: FileFacts, atom: Atom, on: bool
        ) -> tuple[FlagCondition, ...]: ...

        def call_read(self, facts: FileFacts, index: int) -> object: ...

    def _values_init(self) -> None:
        # Per-file indexes are keyed by path: two files may share a module name.
        self._flow_calls: dict[str, dict[int, FlowCall]] = {}
        self._attribute_index: dict[tuple[str, str], list[tuple[FileFacts, AttributeWrite]]] = (
            defaultdict(list)
        )
        for facts in self.files:
            for write in facts.attribute_writes:
                self._attribute_index[(f"{facts.module}.{write.cls}", write.attr)].append(
                    (facts, write)
                )
        # Per name: where its calls on singletons went when grouped, and the groups.
        self._callers: dict[str, tuple[tuple[str, ...], Groups]] = {}
        # Per name: each call with the function it calls, and those on singletons
        # (a function of the files).
        self._resolved_sites: dict[str, tuple[list[Site], list[Site]]] = {}
        self._calls_by_name: dict[str, list[tuple[FileFacts, int]]] | None = None
        # The method a call on a singleton receiver runs, per (path, call, target).
        self._receiver_methods: dict[tuple[str, int, str], str | None] = {}
        self._local_flows: dict[str, dict[tuple[str, str], list[Shape | None]]] = {}
        self._flow_depth = 0
        self._param_memo: dict[tuple[object, ...], tuple[FlagCondition, ...]] = {}
        # What ``made()`` makes an instance of, per callee (a factory's returns read once).
        self._made_classes: dict[str, str] = {}
        self._params_by_scope: dict[str, dict[str, set[str]]] = {}

    def _shed_indexes(self) -> None:
        """Forget the indexes the inventory's build made over every file.

        Each is a function of the files alone (or, for ``_callers``, of them and
        the wrappers found), so a question asked later builds the same index
        again. Until then they would only hold memory: every call of the program
        by name, each file's flows and parameters. On Django that was 68 MB of
        the peak of ``check --base`` (two inventories), on koku 17 MB. The memo
        whose answers depend on the state the build was in when they were asked
        (``_param_memo``) is kept, and the singleton methods (``_receiver_methods``).
        """
        self._calls_by_name = None
        self._callers = {}
        self._resolved_sites = {}
        self._flow_calls = {}
        self._local_flows = {}
        self._params_by_scope = {}

    # ------------------------------------------------------- arguments in
    def _argument(self, facts: FileFacts, index: int, name: str, position: int) -> Shape | None:
        """The shape of the argument call ``index`` passes for parameter ``name``."""
        flow = self._flow_calls_of(facts).get(index)
        if flow is None:
            return None
        for keyword, shape in flow.keywords:
            if keyword == name:
                return shape
        if 0 <= position < len(flow.args):
            return flow.args[position]
        return None

    def _flow_calls_of(self, facts: FileFacts) -> dict[int, FlowCall]:
        """The argument shapes of ``facts``'s calls, by call index."""
        by_call = self._flow_calls.get(facts.path)
        if by_call is None:
            by_call = {c.call: c for c in facts.flow_calls if c.call >= 0}
            self._flow_calls[facts.path] = by_call
        return by_call

    def _argument_conditions(
        self, facts: FileFacts, call: Call, shape: Shape | None, on: bool
    ) -> tuple[FlagCondition, ...]:
        """What testing the argument ``shape`` (truthy when ``on``) says about flags."""
        if shape is None:
            return ()
        if shape[0] == "c" and 0 <= shape[1] < len(facts.flow_calls):
            inner = facts.flow_calls[shape[1]].call
            if inner < 0:
                return ()
            spelled = facts.calls[inner]
            atom = Atom("call", spelled.line, spelled.col, call=inner)
            return self._expand_atom(facts, atom, on)
        if shape[0] == "n" and call.scope:
            local = self._local_value(facts, call, shape[1], on)
            if local is not None:
                return local
        if shape[0] == "s" and isinstance(shape[2], str) and shape[2].startswith("str:"):
            base = dotted(shape[1])
            if base is None:
                return ()
            item = Atom("item", call.line, call.col, name=f"{base}[{shape[2][4:]}]")
            return self._expand_atom(facts, item, on)
        name = dotted(shape)
        if name is None or name.partition(".")[0] in RECEIVERS:
            return ()
        atom = Atom("name", call.line, call.col, name=name)
        return self._expand_atom(facts, atom, on)

    def _local_value(
        self, facts: FileFacts, call: Call, name: str, on: bool
    ) -> tuple[FlagCondition, ...] | None:
        """A local or parameter of the caller passed on: its one assigned value, or its callers.

        None when ``name`` is neither (a module-level name, resolved as such).
        """
        if self._flow_depth >= MAX_FLOW_DEPTH:
            return ()
        symbol = self.resolver.symbol(f"{facts.module}.{call.scope}")
        definition = symbol.definition if symbol is not None else None
        self._flow_depth += 1
        try:
            if definition is not None and name in definition.params:
                atom = Atom("param", call.line, call.col, name=name)
                return self.param_conditions(facts, atom, on)
            values = self._locals(facts).get((call.scope, name))
            if values is None:
                return None
            if len(values) != 1 or values[0] is None:
                return ()
            return self._argument_conditions(facts, call, values[0], on)
        finally:
            self._flow_depth -= 1

    def _locals(self, facts: FileFacts) -> dict[tuple[str, str], list[Shape | None]]:
        found = self._local_flows.get(facts.path)
        if found is None:
            found = defaultdict(list)
            for flow in facts.flows:
                if flow.scope and flow.target[0] == "n":
                    found[(flow.scope, flow.target[1])].append(flow.value)
            self._local_flows[facts.path] = found
        return found

    def value_conditions(
        self, facts: FileFacts, index: int, wrapper: Wrapper, on: bool
    ) -> tuple[FlagCondition, ...]:
        """A call of a value wrapper tested: the flags its arguments carry."""
        found: list[FlagCondition] = []
        call = facts.calls[index]
        for name, position, polarity in wrapper.value_on if on else wrapper.value_off:
            shape = self._argument(facts, index, name, position)
            found.extend(self._argument_conditions(facts, call, shape, polarity))
        return tuple(dict.fromkeys(found))

    def value_argument_calls(self, facts: FileFacts, index: int, wrapper: Wrapper) -> list[int]:
        """The argument calls a value wrapper call tests (to count their reads as boolean)."""
        found: list[int] = []
        for name, position, _ in wrapper.value_on + wrapper.value_off:
            shape = self._argument(facts, index, name, position)
            if shape is not None and shape[0] == "c" and 0 <= shape[1] < len(facts.flow_calls):
                inner = facts.flow_calls[shape[1]].call
                if inner >= 0:
                    found.append(inner)
        return found

    # ------------------------------------------------------ parameters tested
    def param_conditions(self, facts: FileFacts, atom: Atom, on: bool) -> tuple[FlagCondition, ...]:
        """``if force:`` in ``f(force)``: the flags callers of ``f`` pass for ``force``."""
        scope = scope_at(facts, atom.line)
        symbol = self.resolver.symbol(f"{facts.module}.{scope}") if scope else None
        definition = symbol.definition if symbol is not None else None
        if definition is None or atom.name not in definition.params or atom.name in RECEIVERS:
            return ()
        # Asked again for each recursive call and each caller passing it on, at every
        # depth: DefectDojo's user_has_permission (a dozen self-calls, hundreds of
        # callers) was followed exponentially. The answer holds for one depth and
        # one state of the wrappers and kept keys (both grow while the inventory builds).
        memo_key = (
            facts.module,
            scope,
            atom.name,
            on,
            self._flow_depth,
            len(self._wrappers),
            len(self._decorator_wrappers),
            self._kept is None,
        )
        memo = self._param_memo.get(memo_key)
        if memo is not None:
            return memo
        memo = self._param_memo[memo_key] = self._param_conditions(
            facts, atom, on, definition, scope
        )
        return memo

    def _param_conditions(
        self, facts: FileFacts, atom: Atom, on: bool, definition: Definition, scope: str
    ) -> tuple[FlagCondition, ...]:
        positional = [p for p in definition.params if p not in RECEIVERS]
        position = positional.index(atom.name)
        target = f"{facts.module}.{scope}"
        if definition.name == "__init__":
            target = target.rpartition(".")[0]  # ``Class(flag)`` calls ``__init__``
        found: list[FlagCondition] = []
        for caller, index in self._callers_of(definition.name).get(target, []):
            shape = self._argument(caller, index, atom.name, position)
            found.extend(self._argument_conditions(caller, caller.calls[index], shape, on))
        return tuple(dict.fromkeys(found))

    def _callers_of(self, name: str) -> Groups:
        """Call sites of functions named ``name``, by resolved target.

        Calls are grouped by their last name once (string work only); a group is
        resolved when first asked for: resolving every call of a big project
        would cost more than the rest of the inventory.
        """
        if self._calls_by_name is None:
            # Only the calls that pass some argument a flag could be in: a caller is
            # asked for the argument it passes (``_argument``), and a call passing
            # none, or only literals and other values no flag is read from, answers
            # nothing. On Django that leaves a third of the calls to resolve.
            by_name: dict[str, list[tuple[FileFacts, int]]] = defaultdict(list)
            for facts in self.files:
                by_call = self._flow_calls_of(facts)
                for index, call in enumerate(facts.calls):
                    flow = by_call.get(index)
                    if flow is not None and _may_pass_flag(flow):
                        by_name[call.callee.rpartition(".")[2]].append((facts, index))
            self._calls_by_name = by_name
        sites = self._resolved_sites.get(name)
        if sites is None:
            sites = self._resolved_sites[name] = self._resolve_sites(name)
        # A call on a singleton goes to the wrapper method it reaches only once that
        # method is found to be one: grouped again when such a call's target moves.
        calls, singletons = sites
        moved = tuple(
            self.wrapper_target(facts, index, target) for facts, index, target in singletons
        )
        kept = self._callers.get(name)
        if kept is not None and kept[0] == moved:
            return kept[1]
        found: Groups = defaultdict(list)
        for facts, index, target in calls:
            found[self.wrapper_target(facts, index, target)].append((facts, index))
        self._callers[name] = (moved, found)
        return found

    def _resolve_sites(self, name: str) -> tuple[list[Site], list[Site]]:
        """The calls named ``name`` (``__init__``: of every class), each with its target;
        and those of them on a singleton receiver whose class has a method of the name."""
        assert self._calls_by_name is not None
        sites = list(self._calls_by_name.get(name, ()))
        if name == "__init__":  # ``Class(flag)`` runs ``__init__``
            classes = {d.name for f in self.files for d in f.definitions if d.kind == "class"}
            sites = [
                site
                for called, group in self._calls_by_name.items()
                if called in classes
                for site in group
            ]
        resolved: list[Site] = []
        for facts, index in sites:
            target = self.resolver.call_target(facts, facts.calls[index])
            if name == "__init__":  # ``Sub(flag)`` runs the ``__init__`` ``Sub`` inherits
                inherited = self.resolver.find_method(target, "__init__")
                target = inherited.rpartition(".")[0] if inherited else target
            resolved.append((facts, index, target))
        singletons = [
            (facts, index, target)
            for facts, index, target in resolved
            if "." in target and self._receiver_method(facts, index, target) is not None
        ]
        return resolved, singletons

    # --------------------------------------------------------- self.attr
    def attribute_conditions(
        self, facts: FileFacts, atom: Atom, on: bool
    ) -> tuple[FlagCondition, ...]:
        """``self.enabled`` tested where a method of the class stored a flag's value in it."""
        head, _, attr = atom.name.partition(".")
        if head not in RECEIVERS or "." in attr or not self._attribute_index:
            return ()
        scope = scope_at(facts, atom.line)
        owner = self.resolver.enclosing_class(facts.module, scope) if scope else None
        if owner is None:
            return ()
        found: list[FlagCondition] = []
        for klass in self.resolver.mro(f"{facts.module}.{owner}"):
            for module, write in self._attribute_index.get((klass, attr), []):
                gates = write.true_gates if on else write.false_gates
                found.extend(c for g in gates for c in self.expand(module, g))
        return tuple(dict.fromkeys(found))


# The argument shapes ``_argument_conditions`` reads a flag from: a call, a name, an
# attribute, a subscript. Literals have no shape; the rest (a lambda, an object made
# on the spot, a union of branches) answer nothing there.
_CARRIERS = frozenset("cnas")


def _may_pass_flag(flow: FlowCall) -> bool:
    """Whether a call passes any argument ``_argument_conditions`` could find a flag in."""
    for shape in flow.args:
        if shape is not None and shape[0] in _CARRIERS:
            return True
    for _, shape in flow.keywords:
        if shape is not None and shape[0] in _CARRIERS:
            return True
    return False
