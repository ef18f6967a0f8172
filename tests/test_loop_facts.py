"""Loop, check, exit and outcome facts that the circuit-breaker rules read."""

from __future__ import annotations

import re

from flaglint.facts import build_facts

NO_COMMENTS = re.compile(b"(?!)")


def _facts(source: str):
    return build_facts("m.py", source.encode(), "m", False, frozenset(), NO_COMMENTS)


def test_loop_shapes_and_item_flow() -> None:
    facts = _facts(
        "import itertools\n"
        "def f(orders, q, feed):\n"
        "    while True:\n"
        "        order = q.get()\n"
        "        send_order(order)\n"
        "    for _ in itertools.count():\n"
        "        pass\n"
        "    for o in range(3):\n"
        "        pass\n"
        "    for o in feed:\n"
        "        send_order(o.symbol)\n"
        "    while len(orders) > 2:\n"
        "        pass\n"
    )
    assert [(loop.kind, loop.line, loop.shape) for loop in facts.loops] == [
        ("while", 3, "infinite"),
        ("for", 6, "infinite"),
        ("for", 8, "bounded"),
        ("for", 10, "unknown"),
        ("while", 12, "conditional"),
    ]
    sends = {
        facts.calls[c.call].line: c for c in facts.contexts if "send" in facts.calls[c.call].callee
    }
    assert sends[5].loops == sends[5].items == (0,)
    assert sends[11].loops == sends[11].items == (3,)
    assert facts.checks[facts.loops[4].test].bound


def test_exits_checks_and_outcomes() -> None:
    facts = _facts(
        "def reached(self):\n"
        "    return self.sent >= self.limit\n"
        "def never():\n"
        "    return False\n"
        "def guard(n, limit):\n"
        "    if n > limit:\n"
        "        raise ValueError(n)\n"
        "def run(self):\n"
        "    while True:\n"
        "        if self.reached():\n"
        "            break\n"
    )
    outcomes = {o.qualname: o for o in facts.outcomes}
    assert outcomes["reached"].returns == ("bound",)
    assert outcomes["never"].returns == ("constant",)
    [raise_check] = outcomes["guard"].raise_checks
    assert facts.checks[raise_check].bound and facts.checks[raise_check].text == "n > limit"
    [exit_] = facts.loops[0].exits
    assert exit_.kind == "break" and exit_.line == 11
    tested = facts.checks[exit_.checks[-1]]
    assert [facts.calls[c].callee for c in tested.calls] == ["self.reached"]
