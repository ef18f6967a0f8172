"""Repeated dispatches that are bounded by what the loop receives or by a once-only flag.

FL301 reads these from each function's ``ast`` after the facts-based analysis
calls a context unbounded:

* ``async for``: an asynchronous iterator hands over what arrives, one item
  per pass;
* a loop refreshed by a receiving call (``receivers`` patterns: ``msg = await
  receive()``, ``batch = q.poll()``, ``while (job := queue.get())``): it
  dispatches at the pace of its input, as servers, consumers and ASGI
  lifespans do (``get`` counts only without positional arguments, as a
  queue's does, not a dict's);
* a loop that breaks once a read comes back empty (``if not
  get_queued().exists(): break``, a ``get_*`` or receiving call in the test),
  or whose pass starts by waiting for work (``while not
  queued().exists(): sleep(5)``);
* a ``for`` loop whose item the body uses (in a test, a ``match``, the
  arguments): one dispatch per item of a finite collection;
* a retry loop whose test is refreshed by the dispatch's own result
  (``while order is None: order = place(...)``) with no handler in the loop
  that swallows errors: it ends when the dispatch answers or fails;
* a call in an inner ``for`` over a collection the pass assigned (it handles
  what this pass produced);
* a call in a ``finally`` inside the loop: it cleans up after one pass
  (``finally: task.cancel()`` in a reconnect loop);
* a call to a sink named for a target order (``order`` right before
  ``target``: ``order_target_percent``; or ``set_target_volume``): it orders
  the difference to a position, nothing once the position is there;
* a dispatch that leaves the loop after it (``insert_order(...); break``):
  once per loop, not once per pass;
* a close of a position (``self.position.close()``, or a sell of the quantity
  it holds), and an entry right after a close in the same block (a reversal):
  see ``flats.py``;
* in a handler, a dispatch whose result is checked right after with a raise
  once it went through (a test of a refused order): see ``refusals.py``;
* a dispatch sized from the money left (``order_value(s, portfolio.cash * 0.3)``,
  see ``budgets.py``);
* a dispatch only while no position is open (``if not self.position:``,
  ``position-words``), or the exit in the other arm of that test, when the
  test is inside what repeats (the loop, or the handler);
* a dispatch under a once-only flag (``once-gates``: ``self.first_iteration``);
* a dispatch under a latch that its branch closes (``if not self.placed: buy();
  self.placed = True``) and a ``while`` that drains a collection (``while
  targets: t = targets.pop()``): see ``latches.py``.
"""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Callable
from typing import TYPE_CHECKING

from flaglint.callgraph.model import HUB_PREFIX, EdgeKind
from flaglint.rules.breakers.analysis import analysis
from flaglint.rules.breakers.budgets import sized_from_budget
from flaglint.rules.breakers.builders import builds_only
from flaglint.rules.breakers.flats import (
    closes_position,
    enters_from_flat,
    orders_to_target,
    sells_what_is_held,
)
from flaglint.rules.breakers.guard_flow import FunctionGuards
from flaglint.rules.breakers.latches import (
    drains,
    enclosing_branches,
    latched,
    own_walk,
    while_flat,
)
from flaglint.rules.breakers.leaves import leaves_after
from flaglint.rules.breakers.limits import LimitWords, call_name
from flaglint.rules.breakers.pages import pages
from flaglint.rules.breakers.refusals import expects_refusal
from flaglint.rules.breakers.retries import retries_until_answer
from flaglint.rules.breakers.sources import FunctionNode, ParsedSources
from flaglint.rules.breakers.throttles import throttle_at

if TYPE_CHECKING:
    from flaglint.project import Project
    from flaglint.rules.breakers.analysis import Assessment

_LOOPS = (ast.While, ast.For, ast.AsyncFor)


class QuietContexts:
    """Decides, per unbounded assessment, whether the code shows a bound the facts missed."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.sources = ParsedSources(project)
        self.receivers = project.config.receivers
        self.words = LimitWords(project.config.limit_words, project.config.once_gates)
        self.position_words = frozenset(w.lower() for w in project.config.position_words)
        self._sink_functions: frozenset[str] | None = None

    def why_quiet(self, assessment: Assessment) -> str:
        """Why the context is bounded after all ("" when it is not)."""
        try:
            return self._why_quiet(assessment)
        except RecursionError:  # absurdly nested code: report it as the facts say
            return ""

    def _why_quiet(self, assessment: Assessment) -> str:
        function = self.sources.code_of(assessment.facts.path, assessment.call.scope)
        if function is None:
            return ""
        line = assessment.call.line
        guards = FunctionGuards(
            function, assessment.facts.path, self.words, lambda _c: [], lambda _q, _d: ()
        )
        checks = guards.at_lines({line}).get(line)
        if checks is not None and any(c.limit.once for c in checks.checks):
            return "once-only flag"
        if not assessment.via and self._builder(assessment):
            return "the call builds an object and sends nothing"
        helper = self._helper(assessment.via)
        if orders_to_target(assessment.sink):
            return "sets a position to a target"
        if not assessment.via and closes_position(assessment.call.callee, self.position_words):
            return "closes a position: the target is flat"
        # In a loop the position does not change until fills arrive: every pass
        # would close, re-enter or sell the held quantity again. Only per event.
        handler = assessment.kind == "handler"
        if handler and enters_from_flat(function, line, self.position_words):
            return "enters from flat: the position is closed just before"
        if handler and self._sells_what_is_held(assessment, function, helper):
            return "sells what the position holds"
        if assessment.kind == "handler" and expects_refusal(function, line):
            return "raises once a dispatch goes through: it expects a refusal"
        if assessment.kind == "handler" and latched(function, line, assessment.sink, helper):
            return "a latch the dispatch closes"
        sinks = analysis(self.project)
        loop = _loop_at(function, assessment.line) if assessment.kind == "loop" else None
        # A check counts only inside what repeats: the loop, or the handler's whole body.
        span = (loop.lineno, loop.end_lineno or loop.lineno) if loop is not None else None
        if (assessment.kind != "loop" or span is not None) and while_flat(
            function, line, self.position_words, sinks.sink_name, span
        ):
            return "only while no position is open"
        repeats = assessment.kind != "loop" or span is not None
        if repeats and sized_from_budget(function, line, assessment.call.callee, span):
            return "sized from the money left"
        if loop is None or span is None:
            return ""
        if latched(function, line, assessment.sink, helper, span, persistent=False):
            return "a latch the dispatch closes"
        if leaves_after(loop, line):
            return "leaves the loop after dispatching"
        if isinstance(loop, ast.While) and drains(loop, self._method_of(assessment)):
            return "drains a finite collection"
        if isinstance(loop, ast.AsyncFor):
            return "asynchronous iterator"
        if _in_finally(loop, line):
            return "cleanup in `finally`"
        if _over_fresh_items(loop, line):
            return "one pass over what this pass built"
        if self._receives(loop):
            return "receives its input"
        if self._drains(loop):
            return "drains what it reads"
        if isinstance(loop, ast.While) and pages(loop, line, self._dispatches_by_name):
            return "pages through what it reads"
        if self._waits_for_work(loop, line):
            return "waits until there is work"
        if isinstance(loop, ast.For) and _item_used(loop):
            return "one pass per item"
        if isinstance(loop, ast.While) and retries_until_answer(loop, line):
            return "retries until the dispatch answers"
        return ""

    def throttles(self, assessment: Assessment) -> list[str]:
        """The tests of the time throttles that are a repeated dispatch's only guards."""
        if not assessment.repeated or not assessment.guards:
            return []
        if any(g.kind != "condition" for g in assessment.guards):
            return []
        function = self.sources.code_of(assessment.facts.path, assessment.call.scope)
        if function is None:
            return []
        line = assessment.call.line
        found = [throttle_at(function, line, g.line) for g in assessment.guards]
        if not all(found):
            return []
        # Another test on the object's state (``status == "ACTIVE"``, ``not hasattr(self,
        # "placed")``) may be the stop that a fill handler sets: not only a throttle then.
        lines = {g.line for g in assessment.guards}
        for test, _branch, _holds in enclosing_branches(function, line):
            if test.lineno not in lines and any(
                isinstance(n, ast.Name) and n.id in ("self", "cls") for n in ast.walk(test)
            ):
                return []
        return found

    def _sells_what_is_held(
        self, assessment: Assessment, function: FunctionNode, helper: FunctionNode | None
    ) -> bool:
        """The dispatch, or every dispatch of the helper it goes through, closes a position."""
        is_sink = analysis(self.project).sink_name
        if assessment.via:
            return helper is not None and sells_what_is_held(helper, is_sink, self.position_words)
        if sells_what_is_held(function, is_sink, self.position_words, assessment.call.line):
            return True
        # A project function configured as a sink (``self._submit_sell()``): read its body.
        callee = self._definite_callee(assessment)
        return callee is not None and sells_what_is_held(callee, is_sink, self.position_words)

    def _dispatches_by_name(self, bare: str) -> bool:
        """A sink pattern matches ``bare``, or a project function of that name is a sink."""
        if self._sink_functions is None:
            found = analysis(self.project).sink_functions
            self._sink_functions = frozenset(q.rpartition(".")[2] for q in found)
        return bare in self._sink_functions or analysis(self.project).sink_name(bare)

    def _builder(self, assessment: Assessment) -> bool:
        """The sink's name matched, but the call resolves to one project function that builds."""
        function = self._definite_callee(assessment)
        return function is not None and builds_only(function, analysis(self.project).sink_name)

    def _definite_callee(self, assessment: Assessment) -> FunctionNode | None:
        """The one project function the call resolves to, parsed.

        Only a definite edge counts: a call on a receiver of unknown type reaches
        every project method of that name through a hub (``may``), and one
        function among them says nothing about the receiver's own method.
        """
        facts = assessment.facts
        edges = self.project.graph.targets(facts, facts.calls[assessment.index])
        definite = {
            node
            for node, kind in edges
            if kind == EdgeKind.CALL and not node.startswith(HUB_PREFIX)
        }
        return self._helper(definite.pop()) if len(definite) == 1 else None

    def _method_of(self, assessment: Assessment) -> Callable[[str], FunctionNode | None]:
        """Finds a method of the class the dispatching function belongs to."""
        owner = assessment.call.scope.rpartition(".")[0]
        path = assessment.facts.path
        return lambda name: self.sources.function(path, f"{owner}.{name}") if owner else None

    def _helper(self, via: str) -> FunctionNode | None:
        """The project function a dispatch goes through, parsed (None when direct)."""
        info = self.project.graph.nodes.get(via) if via else None
        if info is None:
            return None
        return self.sources.function(info.facts.path, via[len(info.facts.module) + 1 :])

    def _receiving(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Await):
            node = node.value
        if not isinstance(node, ast.Call):
            return False
        func = node.func
        name = call_name(node)
        if name == "get" and (node.args or not isinstance(func, ast.Attribute)):
            return False  # dict.get(key), not queue.get()
        return any(fnmatch.fnmatchcase(name, p) for p in self.receivers)

    def _receives(self, loop: ast.While | ast.For | ast.AsyncFor) -> bool:
        if isinstance(loop, ast.For) and self._receiving(loop.iter):
            return True
        heads = [loop.test] if isinstance(loop, ast.While) else []
        for node in [*heads, *(n for s in loop.body for n in own_walk(s))]:
            value = None
            if isinstance(node, (ast.Assign, ast.AnnAssign, ast.NamedExpr)):
                value = node.value
            elif isinstance(node, ast.AsyncWith | ast.With):
                if any(self._receiving(item.context_expr) for item in node.items):
                    return True
            if value is not None and self._receiving(value):
                return True
        return False

    def _drains(self, loop: ast.While | ast.For | ast.AsyncFor) -> bool:
        """``if not get_queued().exists(): break``: it stops once what it reads is empty."""
        for node in (n for s in loop.body for n in own_walk(s)):
            if isinstance(node, ast.If) and node.body and isinstance(node.body[-1], ast.Break):
                if self._reads_work(node.test):
                    return True
        return False

    def _waits_for_work(self, loop: ast.While | ast.For | ast.AsyncFor, line: int) -> bool:
        """``while not queued().exists(): sleep(5)`` before the call: one pass per batch of work.

        A wait on anything else (``while not gateway.connected(): sleep(1)``) does
        not bound what the pass then sends.
        """
        for stmt in loop.body:
            if not isinstance(stmt, ast.While) or (stmt.end_lineno or stmt.lineno) >= line:
                continue
            test = stmt.test
            waits = all(isinstance(s, (ast.Expr, ast.Pass)) for s in stmt.body) and any(
                call_name(c) in ("sleep", "wait")
                for s in stmt.body
                for c in ast.walk(s)
                if isinstance(c, ast.Call)
            )
            if waits and isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                if self._reads_work(test.operand):
                    return True
        return False

    def _reads_work(self, test: ast.expr) -> bool:
        """A test that reads pending work: a ``get_*`` or receiving call, or ``.exists()``."""
        for call in (c for c in ast.walk(test) if isinstance(c, ast.Call)):
            name = call_name(call)
            if name.startswith("get_") or name == "exists" or self._receiving(call):
                return True
        return False


def _loop_at(function: FunctionNode, line: int) -> ast.While | ast.For | ast.AsyncFor | None:
    for node in own_walk(function):
        if isinstance(node, _LOOPS) and node.lineno == line:
            return node
    return None


def _in_finally(loop: ast.While | ast.For | ast.AsyncFor, line: int) -> bool:
    """The call cleans up after one pass (``finally: task.cancel()``): once per pass."""
    return any(
        isinstance(node, ast.Try)
        and any(s.lineno <= line <= (s.end_lineno or s.lineno) for s in node.finalbody)
        for node in (n for s in loop.body for n in own_walk(s))
    )


def _over_fresh_items(loop: ast.While | ast.For | ast.AsyncFor, line: int) -> bool:
    """The call is in an inner ``for`` over a collection this pass assigned.

    ``while True: done, pending = await wait(tasks); for t in pending: t.cancel()``
    handles what each pass produced; ``for child in children`` over a collection
    from outside the loop sends the same children again on every pass.
    """
    nodes = [n for s in loop.body for n in own_walk(s)]
    assigned = {
        name.id
        for node in nodes
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign))
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        for name in ast.walk(target)
        if isinstance(name, ast.Name)
    }
    for node in nodes:
        if isinstance(node, (ast.For, ast.AsyncFor)) and node.lineno < line <= (
            node.end_lineno or node.lineno
        ):
            names = {n.id for n in ast.walk(node.iter) if isinstance(n, ast.Name)}
            if names and names <= assigned:
                return True
    return False


def _item_used(loop: ast.For) -> bool:
    names = {n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)}
    names.discard("_")
    return any(
        isinstance(n, ast.Name) and n.id in names and isinstance(n.ctx, ast.Load)
        for s in loop.body
        for n in ast.walk(s)
    )
