"""Circuit breakers: which calls dispatch, where they repeat, and what bounds them.

Definitions (the README documents the same):

* A **sink** is a call whose bare name matches a ``sinks`` pattern without a
  dot (``send_order``), or whose qualified name matches one with a dot
  (``smars.gateway.*``). A project function is a sink too when it *always*
  reaches one: some call in its body reaches a sink with no check dominating
  it and no loop around it (so every call of the function dispatches), found
  by iterating to a fixed point over the call graph.
* A sink call runs in a **repeated context** when it sits in a ``while``
  loop, in a ``for`` loop over an endless iterator (``itertools.count()``,
  ``iter(f, sentinel)``) or over an iterator of unknown size whose item does
  not flow into the call's arguments (it sends the same thing every pass), in
  a per-event handler (``handlers`` patterns), or in a function on a cycle of
  the call graph. A loop whose item (the ``for`` variable, or a value received
  with ``queue.get()``-like calls) flows into the arguments dispatches each
  item once and is bounded by its input; ``range(n)`` and literal
  collections are bounded.
* A **bound guard** is a loop condition, an exit (``break``/``return``/
  ``raise``) inside the loop, or a check dominating the sink call (before it
  in its function, ``continue`` and early returns included), whose test
  compares a count with a limit (``sent < limit``, ``filled >= parent.qty``)
  directly or through a project predicate (transitively), or a ``try`` whose
  handler leaves the loop around a project call that raises under such a
  comparison; a call in the loop to such a raising function guards it too.
  Constant predicates and state checks (``job.status != PENDING``) are no
  guards, nor is a raise under a test that names no limit: see ``limits.py``.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from flaglint.callgraph.model import HUB_PREFIX, EdgeKind
from flaglint.facts.model import Call, CallContext, FileFacts, FunctionOutcomes, Loop
from flaglint.rules.base import built, per_project
from flaglint.rules.breakers.builders import constructs
from flaglint.rules.breakers.limits import LimitWords, limit_test, loop_words, state_check
from flaglint.rules.breakers.propagation import propagate
from flaglint.rules.breakers.sinks import tree_patterns

if TYPE_CHECKING:
    from flaglint.project import Project

MAX_DEPTH = 6


@dataclass(frozen=True, slots=True)
class Guard:
    """Something that bounds a repeated sink call."""

    path: str
    line: int
    description: str
    kind: str  # condition | exit | pre-loop | raises | bounded | per-item | once


@dataclass(frozen=True, slots=True)
class Assessment:
    """One sink call in one repeated (or bounded-looking) context."""

    facts: FileFacts
    call: Call
    index: int
    symbol: str  # the enclosing function or module, qualified
    sink: str  # the sink the call reaches, for messages
    via: str  # the project function through which it reaches it ("" when direct)
    kind: str  # loop | handler | recursion
    line: int  # where the context starts
    description: str
    repeated: bool
    guards: tuple[Guard, ...]
    constant_predicates: tuple[str, ...]
    subject: str  # the parameter the call works on (``parent``), if any

    @property
    def unbounded(self) -> bool:
        return self.repeated and not self.guards

    @property
    def key(self) -> tuple[str, str]:
        return self.symbol, self.call.callee.rpartition(".")[2]


class BreakerAnalysis:
    """Sinks, their repeated contexts and guards over one project.

    What it finds is worked out when first asked for: a ``--base`` tree's
    dispatch sites (FL302) need only which calls are sinks, its assessments
    only when the head has an unbounded dispatch that may have lost its bound.
    """

    def __init__(self, project: Project) -> None:
        self.project = project
        self.graph = project.graph
        self.resolver = project.resolver
        config = project.config
        # A --base tree borrows the answers of the head it is the base of (analysed first).
        donor = project.edge_donor
        lender = analysis(donor).sinks if donor is not None and built(analysis, donor) else None
        self.sinks = tree_patterns(project, lender)
        self.sink_name = self.sinks.sink_name
        self.direct_sink = self.sinks.direct_sink  # not remembered: any call
        self.direct_sink_at = self.sinks.at  # call ``index`` of a file, resolved once per tree
        self._handlers = config.handlers
        self._limit_words = LimitWords(config.limit_words)
        self.files = [
            f for f in project.files if f.error is None and f.module not in self.graph.test_modules
        ]
        self._targets: dict[tuple[str, int], list[str]] = {}
        self._predicates: dict[str, str | None] = {}
        self._raisers: dict[str, bool] = {}
        self._check_cache: dict[tuple[str, int], tuple[bool, tuple[str, ...]]] = {}

    @cached_property
    def _contexts(self) -> dict[str, dict[int, CallContext]]:
        files = self.project.files
        return {f.path: {c.call: c for c in f.contexts} for f in files if f.error is None}

    @cached_property
    def _outcomes(self) -> dict[str, tuple[FileFacts, FunctionOutcomes]]:
        found: dict[str, tuple[FileFacts, FunctionOutcomes]] = {}
        for facts in self.project.files:
            if facts.error is None:
                for outcome in facts.outcomes:
                    found[f"{facts.module}.{outcome.qualname}"] = (facts, outcome)
        return found

    @cached_property
    def sink_functions(self) -> dict[str, str]:
        """Project functions that dispatch on every call -> the sink they reach."""
        return propagate(self.project, self.sinks, self._contexts)

    @cached_property
    def _sink_names(self) -> set[str]:
        return {q.rpartition(".")[2] for q in self.sink_functions}

    @cached_property
    def assessments(self) -> list[Assessment]:
        """Every sink call in a repeated (or bounded-looking) context, in file order."""
        return list(self._assess_all())

    # ----------------------------------------------------------------- sinks
    def targets(self, facts: FileFacts, index: int) -> list[str]:
        """Project functions a call may reach (hubs expanded)."""
        key = (facts.path, index)
        found = self._targets.get(key)
        if found is None:
            found = []
            for node, _ in self.graph.targets(facts, facts.calls[index]):
                if node.startswith(HUB_PREFIX):
                    found.extend(sorted(self.graph.successors(node)))
                else:
                    found.append(node)
            self._targets[key] = found
        return found

    def sink_of(self, facts: FileFacts, index: int) -> tuple[str, str] | None:
        """(sink, via) when call ``index`` dispatches, else None."""
        call = facts.calls[index]
        if call.decorator:
            return None
        direct = self.direct_sink_at(facts, index)
        if direct is not None:
            return direct, ""
        if call.callee.rpartition(".")[2] not in self._sink_names:
            return None  # no project sink has this name: skip resolving it
        # Only resolved targets: a method reached through an unknown receiver
        # (``obj.m()`` may be any ``m``) is a sink by its name or not at all.
        for target, _ in self.graph.targets(facts, call):
            reached = self.sink_functions.get(target)
            if reached is not None:
                return reached, target
        return None

    # ------------------------------------------------------------ predicates
    def predicate(self, qualified: str, depth: int = 0) -> str | None:
        """Classify a predicate: "bound" if it compares with a bound, "constant" if it cannot."""
        if qualified in self._predicates:
            return self._predicates[qualified]
        self._predicates[qualified] = None  # cycles resolve to "unknown"
        result: str | None = None
        entry = self._outcomes.get(qualified)
        if entry is not None and depth < MAX_DEPTH:
            facts, outcome = entry
            returns = outcome.returns
            if "bound" in returns:
                result = "bound"
            elif any(self.check_bound(facts, c, depth + 1)[0] for c in outcome.return_checks):
                result = "bound"
            elif any(
                self.predicate(t, depth + 1) == "bound"
                for call in outcome.return_calls
                for t in self.targets(facts, call)
            ):
                result = "bound"
            elif returns and all(r == "constant" for r in returns):
                result = "constant"
        self._predicates[qualified] = result
        return result

    def raises_bound(self, qualified: str, depth: int = 0) -> bool:
        """Whether calling ``qualified`` raises once a limit is reached (transitively)."""
        if qualified in self._raisers:
            return self._raisers[qualified]
        self._raisers[qualified] = result = False
        entry = None if constructs(self.graph, qualified) else self._outcomes.get(qualified)
        if entry is not None and depth < MAX_DEPTH:
            facts, outcome = entry
            result = any(
                self.check_bound(facts, c, depth + 1)[0] and self._limit_named(facts, c)
                for c in outcome.raise_checks
            )
        if not result and depth < MAX_DEPTH and not constructs(self.graph, qualified):
            for target in self.graph.successors(qualified):
                kind = self.graph.edge_kind(qualified, target)
                if kind == EdgeKind.CALL and self.raises_bound(target, depth + 1):
                    result = True
                    break
        self._raisers[qualified] = result
        return result

    def raises_here(self, qualified: str) -> bool:  # itself, not through its callees
        entry = None if constructs(self.graph, qualified) else self._outcomes.get(qualified)
        return entry is not None and any(
            self.check_bound(entry[0], c, 1)[0] and self._limit_named(entry[0], c)
            for c in entry[1].raise_checks
        )

    def check_bound(
        self, facts: FileFacts, check_index: int, depth: int = 0
    ) -> tuple[bool, tuple[str, ...]]:
        """Whether a check compares with a bound; also the constant predicates it tests."""
        key = (facts.path, check_index)
        cached = self._check_cache.get(key)
        if cached is not None:
            return cached
        self._check_cache[key] = (False, ())
        check = facts.checks[check_index]
        bound = (check.bound and not state_check(check.text)) or self._counts(
            facts, check.scope, check.names
        )
        constants: list[str] = []
        if not bound and depth < MAX_DEPTH:
            for call in check.calls:
                for target in self.targets(facts, call):
                    if check.kind == "try":
                        if self.raises_bound(target, depth + 1):
                            bound = True
                        continue
                    kind = self.predicate(target, depth + 1)
                    if kind == "bound":
                        bound = True
                    elif kind == "constant":
                        constants.append(target)
        result = (bound, tuple(sorted(set(constants))))
        self._check_cache[key] = result
        return result

    def _limit_named(self, facts: FileFacts, check_index: int) -> bool:
        """A raise is a breaker under a limit (``sent > limit``), not under validation."""
        text = facts.checks[check_index].text
        return not text or limit_test(text, self._limit_words)

    def _counts(self, facts: FileFacts, scope: str, names: tuple[str, ...]) -> bool:
        """``if not remaining: break`` is a bound when ``remaining`` counts down."""
        if not names or not scope:
            return False
        entry = self._outcomes.get(f"{facts.module}.{scope}")
        return entry is not None and bool(set(names) & set(entry[1].counters))

    def describe_check(self, facts: FileFacts, check_index: int) -> str:
        check = facts.checks[check_index]
        if check.text:
            return f"`{check.text}`"
        if self._counts(facts, check.scope, check.names):
            return " and ".join(f"`{n}`" for n in check.names) + " (a count)"
        names = [facts.calls[c].callee + "()" for c in check.calls]
        if check.kind == "try":
            return "a raise in " + ", ".join(f"`{n}`" for n in names[:2])
        return " and ".join(f"`{n}`" for n in names[:2]) or "a condition"

    # ------------------------------------------------------------- contexts
    @cached_property
    def _cycles(self) -> dict[str, list[str]]:
        return self._recursive_functions()

    def _recursive_functions(self) -> dict[str, list[str]]:
        """Functions on a cycle of direct call edges, with the cycle's members."""
        found: dict[str, list[str]] = {}
        for component in self.graph.call_cycles():
            members = sorted(component)
            # Recursion over data (``for o in orders: self.submit(o)``) or behind
            # any condition ends with its input; only a cycle where every member
            # calls on unconditionally repeats by itself.
            if all(self._calls_on_unconditionally(m, component) for m in members):
                for member in members:
                    found[member] = members
        return found

    def _calls_on_unconditionally(self, qualified: str, cycle: set[str]) -> bool:
        info = self.graph.nodes[qualified]
        facts = info.facts
        local = qualified[len(facts.module) + 1 :]
        contexts = self._contexts[facts.path]
        return any(
            call.scope == local
            and index not in contexts
            and cycle & set(self.targets(facts, index))
            for index, call in enumerate(facts.calls)
        )

    def _is_handler(self, qualified: str, name: str) -> bool:
        return any(fnmatch.fnmatchcase(qualified if "." in p else name, p) for p in self._handlers)

    def _assess_all(self) -> Iterator[Assessment]:
        for facts in self.files:
            contexts = self._contexts[facts.path]
            for index, call in enumerate(facts.calls):
                sink = self.sink_of(facts, index)
                if sink is None or (sink[1] and sink[1] == f"{facts.module}.{call.scope}"):
                    # A function calling itself repeats; the call is not a second sink.
                    continue
                yield from self._assess(facts, index, call, sink, contexts.get(index))

    def _assess(
        self,
        facts: FileFacts,
        index: int,
        call: Call,
        sink: tuple[str, str],
        context: CallContext | None,
    ) -> Iterator[Assessment]:
        symbol = f"{facts.module}.{call.scope}" if call.scope else facts.module
        info = self.graph.nodes.get(symbol)
        definition = info.definition if info is not None else None
        checks = context.checks if context is not None else ()
        dominating = self._bound_checks(facts, checks)
        tested = set(checks)
        for loop_index in context.loops if context is not None else ():
            loop = facts.loops[loop_index]
            tested.update(c for e in loop.exits for c in e.checks)
            if loop.test >= 0:
                tested.add(loop.test)
        constants = tuple(sorted({c for i in tested for c in self.check_bound(facts, i)[1]}))
        subject = self._subject(call, definition.params if definition is not None else ())

        def make(
            kind: str, line: int, text: str, repeated: bool, guards: list[Guard]
        ) -> Assessment:
            return Assessment(
                facts, call, index, symbol, sink[0], sink[1], kind, line, text, repeated,
                tuple(guards), constants, subject,
            )  # fmt: skip

        if context is not None:
            for loop_index in reversed(context.loops):
                loop = facts.loops[loop_index]
                repeated, guards = self._loop_guards(facts, context, loop_index, loop)
                guards.extend(self._pre_loop(dominating, loop))
                words = f"{loop_words(loop)} at line {loop.line}"
                if loop.kind == "for" and loop.shape == "unknown" and repeated:
                    words += ", whose item never reaches the call"
                yield make("loop", loop.line, words, repeated, guards)
        if definition is not None and definition.kind in ("function", "method"):
            if self._is_handler(symbol, definition.name):
                guards = [g for g in dominating]
                guards.extend(self._raising_calls(facts, call.scope, 0, call.line, sink=index))
                yield make("handler", definition.line, f"handler `{definition.name}`", True, guards)
            cycle = self._cycles.get(symbol)  # found on first use: only sink calls ask
            if cycle is not None:
                guards = list(dominating) or self._recursion_guards(facts, symbol, set(cycle))
                names = " -> ".join(c.rpartition(".")[2] for c in cycle)
                yield make("recursion", definition.line, f"recursion through {names}", True, guards)

    def _bound_checks(self, facts: FileFacts, checks: tuple[int, ...]) -> list[Guard]:
        guards = []
        for check_index in checks:
            if self.check_bound(facts, check_index)[0]:
                check = facts.checks[check_index]
                words = self.describe_check(facts, check_index)
                kind = "raises" if check.kind == "try" else "condition"
                guards.append(Guard(facts.path, check.line, f"check {words}", kind))
        return guards

    @staticmethod
    def _pre_loop(dominating: list[Guard], loop: Loop) -> list[Guard]:
        """Checks dominating the call: before the loop they are up-front limit checks."""
        out = []
        for guard in dominating:
            if guard.line < loop.line:
                out.append(Guard(guard.path, guard.line, guard.description, "pre-loop"))
            elif guard.line > loop.line or loop.kind != "while":
                out.append(guard)
        return out

    def _loop_guards(
        self, facts: FileFacts, context: CallContext, loop_index: int, loop: Loop
    ) -> tuple[bool, list[Guard]]:
        path = facts.path
        if loop.kind == "for":
            if loop.shape == "bounded":
                return False, [
                    Guard(path, loop.line, "the `for` over a bounded collection", "bounded")
                ]
            if loop.shape == "unknown" and loop_index in context.items:
                return False, [Guard(path, loop.line, "one dispatch per item", "per-item")]
        elif loop_index in context.items:
            return False, [Guard(path, loop.line, "one dispatch per item received", "per-item")]
        guards: list[Guard] = []
        if loop.test >= 0 and self.check_bound(facts, loop.test)[0]:
            words = self.describe_check(facts, loop.test)
            guards.append(Guard(path, loop.line, f"loop condition {words}", "condition"))
        inside = range(loop.line, loop.end_line + 1)
        for exit_ in loop.exits:
            if exit_.kind == "continue":
                continue
            own = [c for c in exit_.checks if c != loop.test and facts.checks[c].line in inside]
            if not own:
                guards.append(Guard(path, exit_.line, f"unconditional `{exit_.kind}`", "once"))
                continue
            for check_index in own:
                if self.check_bound(facts, check_index)[0]:
                    words = self.describe_check(facts, check_index)
                    line = facts.checks[check_index].line
                    guards.append(Guard(path, line, f"`{exit_.kind}` on {words}", "exit"))
                    break
        guards.extend(self._raising_calls(facts, loop.scope, loop.line, loop.end_line, loop_index))
        return True, guards

    def _raising_calls(
        self, facts: FileFacts, scope: str, first: int, last: int, loop: int = -1, sink: int = -1
    ) -> list[Guard]:
        """Calls in a loop, or in a handler up to its dispatch ``sink``, that raise at a limit.

        In a handler a dispatch counts only by its own raise: its callees validate orders.
        """
        guards = []
        contexts = self._contexts[facts.path]
        for index, call in enumerate(facts.calls):
            if call.scope != scope or not first <= call.line <= last:
                continue
            if loop >= 0:
                context = contexts.get(index)
                if context is None or loop not in context.loops:
                    continue
            own = index == sink or (sink >= 0 and self.direct_sink_at(facts, index) is not None)
            for target in self.targets(facts, index):
                if self.raises_here(target) if own else self.raises_bound(target):
                    text = f"`{call.callee}()` raises at a limit"
                    guards.append(Guard(facts.path, call.line, text, "raises"))
                    break
        return guards

    def _recursion_guards(self, facts: FileFacts, symbol: str, cycle: set[str]) -> list[Guard]:
        """A recursion is bounded when every recursive call of this function is guarded."""
        contexts = self._contexts[facts.path]
        local = symbol[len(facts.module) + 1 :]
        sites = [
            i
            for i, c in enumerate(facts.calls)
            if c.scope == local and cycle & set(self.targets(facts, i))
        ]
        guards: list[Guard] = []
        for index in sites:
            context = contexts.get(index)
            found = self._bound_checks(facts, context.checks) if context is not None else []
            if not found:
                return []
            guards.extend(found)
        return guards

    @staticmethod
    def _subject(call: Call, params: tuple[str, ...]) -> str:
        for arg in call.args:
            if arg.kind == "name" and "." in arg.text:
                head = arg.text.split(".", 1)[0]
                if head in params and head not in ("self", "cls"):
                    return head
        return ""

    # -------------------------------------------------------------- queries
    def unbounded(self) -> Iterator[Assessment]:
        """The first unbounded repeated context of each sink call."""
        seen: set[tuple[str, int]] = set()
        for assessment in self.assessments:
            key = (assessment.facts.path, assessment.index)
            if assessment.unbounded and key not in seen:
                seen.add(key)
                yield assessment

    def functions_with_outcomes(self) -> list[str]:
        return sorted(self._outcomes)


# Computed once per project: FL301 and FL302 (head and base) share it.
analysis = per_project(BreakerAnalysis)
