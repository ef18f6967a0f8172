"""Conditions: what must hold for an expression to be truthy, as flag-read atoms.

The collector calls :meth:`ConditionFactsMixin._cond` on every ``if``, ``while``,
ternary, boolean operator, comprehension filter and ``match`` subject; the
result is a pair of gate tuples (when truthy, when falsy) over atoms, the
calls and names that a flag read may turn out to be once the project is known.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flaglint.facts.model import Atom, Branch, Call, Gate, record
from flaglint.facts.syntax import (
    dotted,
    is_truthy_literal,
    plain_dotted,
    string_method_receiver,
)

Gates = tuple[Gate, ...]
# Casts to bool by name (the settings mixin's list, kept here to import one way).
CASTS = frozenset({"bool", "strtobool", "distutils.util.strtobool", "str2bool", "to_bool"})
NO_GATES: Gates = ()


class ConditionFactsMixin:
    """Atoms and gates for conditions; the collector provides the state named below."""

    branches: list[Branch]
    _gates: Gates

    if TYPE_CHECKING:

        def visit(self, node: ast.AST) -> None: ...

        def _note_test(self, node: ast.expr) -> None: ...

    def _note_branch(self, line: int, test: ast.expr, first_atom: int) -> Gates:
        """A test that decides which code runs (see :class:`Branch`); its gates when truthy.

        ``first_atom`` is the first atom made while the test was walked: atoms of
        operands that hold on neither side (``a or FLAG``) are the branch's ``mixed``.
        """
        on, off = self._cond(test)
        certain = {g.atom for g in on}
        mixed = [g for g in off if g.atom not in certain]
        certain.update(g.atom for g in off)
        mixed.extend(
            Gate(index, True)
            for index in range(first_atom, len(self.atoms))
            if index not in certain and self.atoms[index].kind != "param"
        )
        if on or mixed:
            self.branches.append(Branch(line, on, tuple(mixed)))
        return on

    def _test(self, test: ast.expr, line: int) -> tuple[Gates, Gates]:
        """Walk a branch's test and note it: its gates when truthy and when falsy."""
        first_atom = len(self.atoms)
        self.visit(test)
        self._note_test(test)
        self._note_branch(line, test, first_atom)
        return self._cond(test)

    def visit_BoolOp(self, node: ast.BoolOp) -> None:
        # ``flag and do_x()``: each operand runs only when the ones before it
        # were truthy (``and``) or falsy (``or``).
        saved = self._gates
        for value in node.values:
            self.visit(value)
            on, off = self._cond(value)
            self._gates = self._gates + (on if isinstance(node.op, ast.And) else off)
        self._gates = saved

    def visit_IfExp(self, node: ast.IfExp) -> None:
        on, off = self._test(node.test, node.lineno)
        saved = self._gates
        self._gates = saved + on
        self.visit(node.body)
        self._gates = saved + off
        self.visit(node.orelse)
        self._gates = saved

    # ------------------------------------------------------- literal returns
    def _returns_enter(self) -> None:
        self._literal_returns.append(([], []))
        self._entry_gates.append(len(self._gates))

    def _literal_return(self, value: ast.expr) -> None:
        """``return True`` under ``if v == "true":``: the function's truth carries that test."""
        if not (isinstance(value, ast.Constant) and isinstance(value.value, bool)):
            return
        inside = self._gates[self._entry_gates[-1] :]
        self._literal_returns[-1][0 if value.value else 1].append(inside)

    def _returns_leave(self) -> tuple[Gates, Gates]:
        """What every ``return True`` holds under, and what every ``return False`` does."""
        self._entry_gates.pop()
        truthy, falsy = self._literal_returns.pop()
        return _common(truthy), _common(falsy)

    atoms: list[Atom]
    calls: list[Call]
    _call_index: dict[int, int]
    _cond_cache: dict[int, tuple[Gates, Gates]]
    _local_reads: list[dict[str, tuple[Gates, Gates]]]
    _scope_kinds: list[str]
    _params: list[frozenset[str]]
    _literal_returns: list[tuple[list[Gates], list[Gates]]]
    _entry_gates: list[int]

    def _atom(self, kind: str, node: ast.AST, call: int = -1, name: str = "") -> int:
        self.atoms.append(
            record(
                Atom, (kind, getattr(node, "lineno", 0), getattr(node, "col_offset", 0), call, name)
            )
        )
        return len(self.atoms) - 1

    def _cond(self, node: ast.expr) -> tuple[Gates, Gates]:
        """What must hold for ``node`` to be truthy, and for it to be falsy."""
        cached = self._cond_cache.get(id(node))
        if cached is None:
            cached = self._cond_uncached(node)
            self._cond_cache[id(node)] = cached
        return cached

    def _cond_uncached(self, node: ast.expr) -> tuple[Gates, Gates]:
        kind = node.__class__  # by exact class: calls and names are most conditions
        if kind is ast.Call or kind is ast.Subscript:
            receiver = string_method_receiver(node) if kind is ast.Call else None  # type: ignore[arg-type]
            if receiver is not None:
                return self._cond(receiver)
            index = self._call_index.get(id(node))
            if index is None:
                return (
                    self._item_cond(node)  # type: ignore[arg-type]
                    if kind is ast.Subscript
                    else (NO_GATES, NO_GATES)
                )
            if kind is ast.Call and self.calls[index].callee in CASTS and node.args:  # type: ignore[attr-defined]
                # ``bool(v)``, ``str2bool(v)``: truthy exactly when the value reads as true.
                return self._cond(node.args[0])  # type: ignore[attr-defined]
            atom = self._atom("call", node, call=index)
            return (Gate(atom, True),), (Gate(atom, False),)
        if kind is ast.Name or kind is ast.Attribute:
            return self._name_cond(node)  # type: ignore[arg-type]
        if kind is ast.UnaryOp:
            if node.op.__class__ is ast.Not:  # type: ignore[attr-defined]
                on, off = self._cond(node.operand)  # type: ignore[attr-defined]
                return off, on
            return NO_GATES, NO_GATES
        if kind is ast.BoolOp:
            parts = [self._cond(v) for v in node.values]  # type: ignore[attr-defined]
            if node.op.__class__ is ast.And:  # type: ignore[attr-defined]
                return tuple(g for on, _ in parts for g in on), _single(parts, 1)
            return _single(parts, 0), tuple(g for _, off in parts for g in off)
        if kind is ast.Await or kind is ast.NamedExpr:
            return self._cond(node.value)  # type: ignore[attr-defined]
        if kind is ast.Compare:
            return self._compare_cond(node)  # type: ignore[arg-type]
        if kind is ast.BinOp and node.op.__class__ is ast.BitAnd:  # type: ignore[attr-defined]
            members = [m for m in (node.left, node.right) if isinstance(m, ast.Attribute)]  # type: ignore[attr-defined]
            gates = [self._member(m) for m in members]
            return tuple(Gate(a, True) for a in gates), tuple(Gate(a, False) for a in gates)
        return NO_GATES, NO_GATES

    def _name_cond(self, node: ast.Name | ast.Attribute) -> tuple[Gates, Gates]:
        if isinstance(node, ast.Name):
            for reads in reversed(self._local_reads):
                if node.id in reads:
                    return reads[node.id]
                if self._scope_kinds[-1] != "function":
                    break
            if node.id in self._params[-1]:
                if node.id in ("self", "cls"):
                    return NO_GATES, NO_GATES
                atom = self._atom("param", node, name=node.id)
                return (Gate(atom, True),), (Gate(atom, False),)
        name = plain_dotted(node)
        if name is None:
            return NO_GATES, NO_GATES
        atom = self._atom("name", node, name=name)
        return (Gate(atom, True),), (Gate(atom, False),)

    def _item_cond(self, node: ast.Subscript) -> tuple[Gates, Gates]:
        """``settings.FEATURES["X"]``, ``current_app.config["X"]``: a keyed setting."""
        base = plain_dotted(node.value)
        key = node.slice
        if base is None or not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return NO_GATES, NO_GATES
        atom = self._atom("item", node, name=f"{base}[{key.value}]")
        return (Gate(atom, True),), (Gate(atom, False),)

    def _member(self, node: ast.Attribute) -> int:
        return self._atom("member", node, name=plain_dotted(node) or dotted(node))

    def _compare_cond(self, node: ast.Compare) -> tuple[Gates, Gates]:
        if len(node.ops) != 1:
            return NO_GATES, NO_GATES
        op = node.ops[0]
        left, right = node.left, node.comparators[0]
        negate = isinstance(op, (ast.NotEq, ast.IsNot, ast.NotIn))
        if isinstance(op, (ast.In, ast.NotIn)):
            # ``OrderFlags.X in msg.flags`` / ``client.variation(...) in ("a", "b")``
            if isinstance(left, ast.Attribute) and plain_dotted(left):
                atom = self._member(left)
                return polar(atom, not negate, None)
            on, _ = self._cond(left)
            return flip(on, negate, None)
        # Equality and identity: a member on either side, or a read compared with a literal.
        for side in (right, left):
            if isinstance(side, ast.Attribute) and plain_dotted(side) and looks_like_member(side):
                atom = self._member(side)
                return polar(atom, not negate, None)
        for side, other in ((left, right), (right, left)):
            truthy = is_truthy_literal(other)
            if truthy is None:
                continue
            on, _ = self._cond(side)
            if not on:
                continue
            value = repr(other.value) if isinstance(other, ast.Constant) else None
            return flip(on, negate != (not truthy), value)
        on, _ = self._cond(left)
        return flip(on, negate, None)


def polar(atom: int, on: bool, value: str | None) -> tuple[Gates, Gates]:
    return (Gate(atom, on, value),), (Gate(atom, not on, value),)


def flip(gates: Gates, negate: bool, value: str | None) -> tuple[Gates, Gates]:
    if not gates:
        return NO_GATES, NO_GATES
    on = tuple(Gate(g.atom, g.on != negate, value) for g in gates)
    off = tuple(Gate(g.atom, not g.on, value) for g in on) if len(gates) == 1 else NO_GATES
    return on, off


def _common(returns: list[Gates]) -> Gates:
    """The gates every one of ``returns`` holds under (by atom and polarity)."""
    if not returns:
        return NO_GATES
    common = {(g.atom, g.on) for g in returns[0]}
    for gates in returns[1:]:
        common &= {(g.atom, g.on) for g in gates}
    return tuple(g for g in returns[0] if (g.atom, g.on) in common)


def _single(parts: list[tuple[Gates, Gates]], which: int) -> Gates:
    """For ``and``'s falsy side (or ``or``'s truthy side) only one operand is certain."""
    return parts[0][which] if len(parts) == 1 else NO_GATES


def looks_like_member(node: ast.Attribute) -> bool:
    """``Mode.LIVE`` or ``enums.Mode.LIVE``: a capitalised class before the member."""
    owner = node.value
    owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
    return bool(owner_name) and owner_name[:1].isupper()


def pattern_polarity(pattern: ast.pattern) -> tuple[bool, str] | None:
    if isinstance(pattern, ast.MatchValue) and isinstance(pattern.value, ast.Constant):
        return bool(pattern.value.value), repr(pattern.value.value)
    if isinstance(pattern, ast.MatchSingleton):
        return bool(pattern.value), repr(pattern.value)
    return None
