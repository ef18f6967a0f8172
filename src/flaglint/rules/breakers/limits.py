"""What a limit check is, read from ``ast`` expressions.

A **limit check** compares a quantity with a bound: a counter, a sum, a
``len(...)`` or a limit-like name (``limit``, ``max_*``, ``quota``, ...) on
one side, with an ordering or with a number. Comparisons of state with
constants (strings, ``None``, booleans, enum members, module constants such as
``job.status != PENDING``) are state checks, not limits, and so are
emptiness tests (``len(batch) > 0``).
"""

from __future__ import annotations

import ast
import fnmatch
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

_WORD_SPLIT = re.compile(r"[_\W]+|(?<=[a-z])(?=[A-Z])")
_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)

if TYPE_CHECKING:
    from flaglint.facts.model import Loop


@dataclass(frozen=True, slots=True)
class Limit:
    """One limit check that guards a dispatch."""

    text: str  # the comparison as written (normalised by ``ast.unparse``)
    terms: frozenset[str]  # the limit-like names and counted things it compares
    cumulative: bool  # a sum compared with the bound (``sent + n > limit``)
    path: str
    line: int
    via: tuple[str, ...] = ()  # helpers it was found in, outermost first
    once: bool = False  # a flag true on one pass only (``self.first_iteration``)

    @property
    def compares(self) -> bool:
        """A written comparison, rather than a call named like a limit check."""
        return any(op in self.text for op in ("<", ">", "==", "!="))

    def kept_by(self, other: Limit) -> bool:
        """Whether ``other`` enforces this check (same test, or the same bound not weakened)."""
        if other.text == self.text or other.once:
            return True
        if not self.terms & other.terms:
            return False
        return other.cumulative or not self.cumulative

    def where(self) -> str:
        helpers = " -> ".join(f"`{v}`" for v in self.via)
        return f"{self.path}:{self.line}" + (f", in {helpers}" if helpers else "")


class LimitWords:
    """Decides which identifiers name a limit, from a word list."""

    def __init__(self, words: tuple[str, ...], once_gates: tuple[str, ...] = ()) -> None:
        self.words = frozenset(w.lower() for w in words)
        self.once_gates = once_gates

    def once(self, identifier: str) -> bool:
        return any(fnmatch.fnmatchcase(identifier, p) for p in self.once_gates)

    def limit_like(self, identifier: str) -> bool:
        parts = name_words(identifier)
        return any(p in self.words or p.rstrip("s") in self.words for p in parts)

    def terms(self, expr: ast.expr, counters: frozenset[str]) -> set[str]:
        """Limit-like names, counters and ``len(...)`` arguments used in ``expr``."""
        found: set[str] = set()
        for node in ast.walk(expr):
            if isinstance(node, ast.Name) and (node.id in counters or self.limit_like(node.id)):
                found.add(node.id)
            elif isinstance(node, ast.Attribute) and self.limit_like(node.attr):
                found.add(node.attr)
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and node.value.isidentifier()
                and self.limit_like(node.value)
            ):
                found.add(node.value)  # config["max_open_trades"]
            elif _is_len(node):
                assert isinstance(node, ast.Call)
                found.add(f"len({unparse(node.args[0])})")
        return found

    def compares_limit(self, node: ast.Compare, counters: frozenset[str]) -> bool:
        operands = [node.left, *node.comparators]
        if not all(isinstance(op, (*_ORDERING, ast.Eq, ast.NotEq)) for op in node.ops):
            return False  # is / in: identity and membership are state checks
        if any(self._state_constant(o) for o in operands):
            return False
        if all(isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops) and any(
            _enum_member(o) for o in operands
        ):
            return False  # ``order_type == OrderType.LIMIT``: a kind of order, not a limit
        if any(_distinct_count(o) for o in operands) and any(_small(o) for o in operands):
            return False  # ``len(set(symbols)) > 1``: all the same or not, no limit
        if any(_zero(o) for o in operands) and not any(
            isinstance(o, (ast.Name, ast.Attribute, ast.Subscript)) and self.terms(o, counters)
            for o in operands
        ):
            return False  # emptiness (``len(x) > 0``), not a limit
        quantity = any(_is_len(o) or isinstance(o, ast.BinOp) for o in operands)
        return quantity or bool(self.terms(node, counters))

    def _state_constant(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return node.value is None or isinstance(node.value, (str, bytes, bool))
        name = (
            node.id
            if isinstance(node, ast.Name)
            else node.attr
            if isinstance(node, ast.Attribute)
            else ""
        )
        # PENDING, Status.ACTIVE: constants that name a state, unless they name a limit.
        return len(name) > 1 and name.isupper() and not self.limit_like(name)


def _enum_member(node: ast.expr) -> bool:
    """``Order.OrderType.LIMIT``: an upper-case member of a class-like (CamelCase) owner."""
    if not (isinstance(node, ast.Attribute) and node.attr.isupper() and len(node.attr) > 1):
        return False
    owner = node.value
    owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
    return owner_name[:1].isupper() and not owner_name.isupper()


def _distinct_count(node: ast.expr) -> bool:
    """``len(set(x))``, ``len({...})``: how many different values, not how many."""
    if not _is_len(node):
        return False
    assert isinstance(node, ast.Call)
    arg = node.args[0]
    return isinstance(arg, (ast.Set, ast.SetComp)) or (
        isinstance(arg, ast.Call) and getattr(arg.func, "id", "") == "set"
    )


def _small(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Constant)
        and node.value in (0, 1, 2)
        and not isinstance(node.value, bool)
    )


def name_words(identifier: str) -> list[str]:
    """The lower-case words of a name, split at ``_`` and case changes."""
    return [p.lower() for p in _WORD_SPLIT.split(identifier) if p]


def is_sum(node: ast.Compare) -> bool:
    return any(
        isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.Add)
        for operand in (node.left, *node.comparators)
        for sub in ast.walk(operand)
    )


def _is_len(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "len"
        and len(node.args) == 1
    )


def _zero(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value == 0 and not isinstance(node.value, bool)


def unparse(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except (ValueError, RecursionError):  # pragma: no cover - ast.unparse is total on parsed trees
        return "?"


def limit_test(text: str, words: LimitWords) -> bool:
    """Whether a test's source holds a limit comparison (``sent + n > daily_limit``)."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return False
    return any(
        isinstance(sub, ast.Compare) and words.compares_limit(sub, frozenset())
        for sub in ast.walk(node)
    )


def state_check(text: str) -> bool:
    """Whether a test's source compares state with a constant (``job.status != PENDING``)."""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError):
        return False
    if not isinstance(node, ast.Compare):
        return False
    if any(isinstance(op, (ast.Is, ast.IsNot, ast.In, ast.NotIn)) for op in node.ops):
        return True
    words = _STATE_WORDS
    return any(words._state_constant(o) for o in (node.left, *node.comparators))


_STATE_WORDS = LimitWords(("limit", "max", "min", "quota", "count", "total", "threshold"))


def call_name(call: ast.Call) -> str:
    """The bare name a call is made by: ``f`` for ``f(x)``, ``m`` for ``a.b.m(x)``."""
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def loop_words(loop: Loop) -> str:
    """How a message names a loop: ``while True`` loop, ``for`` loop over an endless iterator."""
    if loop.kind == "while":
        return "`while True` loop" if loop.shape == "infinite" else "`while` loop"
    if loop.shape == "infinite":
        return "`for` loop over an endless iterator"
    return "`for` loop"
