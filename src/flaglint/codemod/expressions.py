"""Folding expressions once a flag is fixed: the bottom half of the codemod.

Every node put back into the tree is exactly equivalent in value to the one it
replaces; what is known only about an expression's truth (``READ and x`` is as
truthy as ``x`` when the flag is on) travels beside the tree in :class:`Known`,
for the statements that only test truth (:mod:`.transform`).

Anything that cannot be decided is put back untouched and remembered with a
reason; whichever of those nodes survive in the final tree are reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst
from libcst.metadata import PositionProvider

from flaglint.codemod.targets import BOOLEAN_METHODS, FileTargets, Leaf, Span

TRUTHY_WORDS = frozenset({"1", "true", "yes", "on", "y", "t", "enabled", "enable"})
FALSY_WORDS = frozenset({"", "0", "false", "no", "off", "n", "f", "disabled", "disable", "none"})


@dataclass(frozen=True)
class Known:
    """What is known about an expression once the flag is fixed.

    ``truth`` is its truth value when certain. ``cond`` is a simpler expression
    with the same truth value (not the same value), usable where only truth
    matters. ``member`` marks an enum member whose comparison decides the flag.
    """

    truth: bool | None = None
    cond: cst.BaseExpression | None = None
    member: bool = False


@dataclass(frozen=True)
class Unresolved:
    """A node put back untouched, and why; the highest priority per line is reported."""

    line: int
    reason: str
    priority: int = 0


class ExpressionFolder(cst.CSTTransformer):
    """Folds the expressions that read the flag; statements are left to subclasses."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, targets: FileTargets) -> None:
        super().__init__()
        self.targets = targets
        # Keyed by id() of nodes placed in the new tree; the node is kept alive with it.
        self.known: dict[int, tuple[cst.CSTNode, Known]] = {}
        self.unresolved: dict[int, tuple[cst.CSTNode, Unresolved]] = {}
        self.matched: set[Span] = set()
        # Truth and exactness of ``name = READ`` bindings, filled in by the statements.
        self.binding_truth: dict[tuple[int, str], tuple[bool, bool]] = {}

    # ---------------------------------------------------------------- helpers
    def _span(self, node: cst.CSTNode) -> Span:
        pos = self.get_metadata(PositionProvider, node)
        return (pos.start.line, pos.start.column, pos.end.line, pos.end.column)

    def _line(self, node: cst.CSTNode) -> int:
        return int(self.get_metadata(PositionProvider, node).start.line)

    def _column(self, node: cst.CSTNode) -> int:
        return int(self.get_metadata(PositionProvider, node).start.column)

    def _info(self, node: cst.CSTNode) -> Known:
        entry = self.known.get(id(node))
        return entry[1] if entry is not None and entry[0] is node else Known()

    def _mark(self, node: cst.CSTNode, known: Known) -> None:
        self.known[id(node)] = (node, known)

    def _leave_for_human(
        self, node: cst.CSTNode, line: int, reason: str, priority: int = 0
    ) -> None:
        self.unresolved[id(node)] = (node, Unresolved(line, reason, priority))

    def _literal(self, truth: bool) -> cst.Name:
        node = cst.Name("True" if truth else "False")
        self._mark(node, Known(truth=truth))
        return node

    def _carry(self, whole: cst.BaseExpression, part: cst.BaseExpression) -> cst.BaseExpression:
        """``part`` standing in for ``whole``: keeps whole's parentheses unless part is atomic."""
        moved = _in_parentheses_of(whole, part)
        if moved is not part:
            self._mark(moved, self._info(part))
        return moved

    # ------------------------------------------------------------------ leaves
    def _leaf(
        self, original: cst.BaseExpression, updated: cst.BaseExpression
    ) -> cst.BaseExpression:
        span = self._span(original)
        leaf = self.targets.leaves.get(span)
        if leaf is None:
            return updated
        self.matched.add(span)
        if leaf.kind == "decorator":
            return updated
        if leaf.kind == "member":
            self._mark(updated, Known(truth=leaf.truth, member=True))
            self._leave_for_human(updated, leaf.line, "enum member used outside a comparison")
            return updated
        truth, exact = self._leaf_value(leaf)
        if truth is None:
            if leaf.kind != "local":
                self._leave_for_human(updated, leaf.line, leaf.reason or "value not certain")
            return updated
        if exact:
            return self._carry(original, self._literal(truth))
        self._mark(updated, Known(truth=truth))
        self._leave_for_human(updated, leaf.line, leaf.use)
        return updated

    def _leaf_value(self, leaf: Leaf) -> tuple[bool | None, bool]:
        if leaf.kind == "local":
            assert leaf.binding is not None
            found = self.binding_truth.get(leaf.binding)
            return found if found is not None else (None, False)
        return leaf.truth, leaf.exact

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        return self._leaf(original_node, updated_node)

    def leave_Await(self, original_node: cst.Await, updated_node: cst.Await) -> cst.BaseExpression:
        return self._leaf(original_node, updated_node)

    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.BaseExpression:
        return self._leaf(original_node, updated_node)

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.BaseExpression:
        return self._leaf(original_node, updated_node)

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        return self._leaf(original_node, updated_node)

    # ------------------------------------------------------------- operators
    def leave_UnaryOperation(
        self, original_node: cst.UnaryOperation, updated_node: cst.UnaryOperation
    ) -> cst.BaseExpression:
        if not isinstance(updated_node.operator, cst.Not):
            return updated_node
        inner = self._info(updated_node.expression)
        if inner.truth is not None and not inner.member:
            return self._carry(updated_node, self._literal(not inner.truth))
        if inner.cond is not None:
            return updated_node.with_changes(expression=inner.cond)
        return updated_node

    def leave_BooleanOperation(
        self, original_node: cst.BooleanOperation, updated_node: cst.BooleanOperation
    ) -> cst.BaseExpression:
        left, right = updated_node.left, updated_node.right
        lk, rk = self._info(left), self._info(right)
        if lk.member or rk.member:
            return updated_node
        is_and = isinstance(updated_node.operator, cst.And)
        # The operand that decides the result when it has this truth value.
        deciding = not is_and
        if lk.truth is not None:
            if lk.truth == deciding:
                node = left if is_literal(left) else updated_node
                if node is updated_node:
                    self._mark(node, Known(truth=deciding))
                return self._carry(updated_node, node) if node is left else node
            return self._carry(updated_node, right)
        if rk.truth is not None:
            if rk.truth == deciding:
                # ``x and False`` is falsy, ``x or True`` truthy, once x is evaluated.
                if _pure(left) and is_boolean(left):
                    # ... and exactly False (True) when x is a bool with no effects.
                    return self._carry(updated_node, self._literal(deciding))
                if _pure(left):
                    self._mark(updated_node, Known(truth=deciding))
                    return updated_node
                self._leave_for_human(
                    original_node,
                    self._line(original_node),
                    "the rest of the condition has side effects that run before the flag",
                    1,
                )
                return original_node
            if is_boolean(left):
                # ``x > 1 and True`` is ``x > 1``: the operand goes, never ``and True``.
                return self._carry(updated_node, left)
            # The condition may replace the whole test: it keeps the whole's parentheses,
            # which a test spread over several lines needs to parse.
            self._mark(updated_node, Known(cond=_in_parentheses_of(updated_node, lk.cond or left)))
            return updated_node
        if lk.cond is not None or rk.cond is not None:
            cond = updated_node.with_changes(left=lk.cond or left, right=rk.cond or right)
            self._mark(updated_node, Known(cond=cond))
        return updated_node

    def leave_Comparison(
        self, original_node: cst.Comparison, updated_node: cst.Comparison
    ) -> cst.BaseExpression:
        if len(updated_node.comparisons) != 1:
            return updated_node
        target = updated_node.comparisons[0]
        operator = target.operator
        negate = isinstance(operator, (cst.NotEqual, cst.IsNot, cst.NotIn))
        sides = (updated_node.left, target.comparator)
        for side in sides:
            known = self._info(side)
            if known.member and known.truth is not None:
                if isinstance(operator, (cst.In, cst.NotIn)) and side is not sides[0]:
                    continue
                return self._carry(updated_node, self._literal(known.truth != negate))
        if not isinstance(operator, (cst.Equal, cst.NotEqual, cst.Is, cst.IsNot)):
            return updated_node
        for side, other in (sides, sides[::-1]):
            known = self._info(side)
            if known.truth is None or known.member:
                continue
            verdict = _compare(known.truth, is_literal(side), other)
            if isinstance(verdict, str):
                self._leave_for_human(updated_node, self._line(original_node), verdict, 1)
                return updated_node
            return self._carry(updated_node, self._literal(verdict != negate))
        return updated_node

    def leave_BinaryOperation(
        self, original_node: cst.BinaryOperation, updated_node: cst.BinaryOperation
    ) -> cst.BaseExpression:
        if isinstance(updated_node.operator, cst.BitAnd):
            for side in (updated_node.left, updated_node.right):
                known = self._info(side)
                if known.member and known.truth is not None:
                    # ``flags & Flags.X``: truthy exactly when the bit is set.
                    self._mark(updated_node, Known(truth=known.truth))
        return updated_node

    def leave_IfExp(self, original_node: cst.IfExp, updated_node: cst.IfExp) -> cst.BaseExpression:
        test = self._info(updated_node.test)
        if test.truth is not None and not test.member:
            return self._carry(
                updated_node, updated_node.body if test.truth else updated_node.orelse
            )
        if test.cond is not None:
            return updated_node.with_changes(test=test.cond)
        return updated_node

    def leave_CompIf(self, original_node: cst.CompIf, updated_node: cst.CompIf) -> cst.CompIf:
        test = self._info(updated_node.test)
        if test.truth is None or test.member:
            return (
                updated_node.with_changes(test=test.cond) if test.cond is not None else updated_node
            )
        if test.truth:
            # Always true: leave_CompFor drops it.
            self._mark(updated_node, test)
            return updated_node
        self._leave_for_human(
            original_node,
            self._line(original_node),
            "this comprehension filters everything out once the flag is fixed; simplify by hand",
            2,
        )
        return original_node

    def leave_CompFor(self, original_node: cst.CompFor, updated_node: cst.CompFor) -> cst.CompFor:
        ifs = [f for f in updated_node.ifs if self._info(f).truth is not True]
        if len(ifs) == len(updated_node.ifs):
            return updated_node
        return updated_node.with_changes(ifs=ifs)


def _compare(truth: bool, exact: bool, other: cst.BaseExpression) -> bool | str:
    """Whether ``flag == other`` holds, or why that is not certain."""
    if isinstance(other, cst.Name) and other.value in ("True", "False", "None"):
        if other.value == "None":
            return False if truth else "the flag may be off by being unset or by a value"
        if not exact:
            return f"compares a non-boolean flag value with {other.value}"
        return truth == (other.value == "True")
    word: str | None = None
    if isinstance(other, cst.SimpleString):
        evaluated = other.evaluated_value
        word = evaluated.strip().lower() if isinstance(evaluated, str) else None
    elif isinstance(other, cst.Integer):
        word = other.value
    if word is None or exact:
        return "compares the flag with something that is not a plain on/off literal"
    if word in TRUTHY_WORDS:
        return truth
    if word in FALSY_WORDS:
        return False if truth else "the flag may be off by being unset or by this value"
    return f"compares the flag with {word!r}: which value counts as on is not certain"


def is_literal(node: cst.CSTNode) -> bool:
    return isinstance(node, cst.Name) and node.value in ("True", "False")


# Calls whose result is always True or False, whatever they are given.
BOOLEAN_BUILTINS = frozenset(
    {"bool", "isinstance", "issubclass", "hasattr", "callable", "any", "all"}
)


def is_boolean(node: cst.CSTNode) -> bool:
    """Whether this expression's value is certainly True or False (not merely truthy)."""
    if is_literal(node) or isinstance(node, cst.Comparison):
        return True
    if isinstance(node, cst.UnaryOperation):
        return isinstance(node.operator, cst.Not)
    if isinstance(node, cst.BooleanOperation):
        return is_boolean(node.left) and is_boolean(node.right)
    if isinstance(node, cst.Call):
        func = node.func
        if isinstance(func, cst.Name):
            return func.value in BOOLEAN_BUILTINS
        if isinstance(func, cst.Attribute):
            return func.attr.value in BOOLEAN_METHODS
    return False


# Tests that read the same without parentheses (never a yield, a tuple or a lambda).
_BARE_TESTS = (
    cst.BooleanOperation,
    cst.Comparison,
    cst.UnaryOperation,
    cst.BinaryOperation,
    cst.Name,
    cst.Attribute,
    cst.Call,
    cst.Subscript,
)


def bare_test(
    statement: cst.If | cst.While, original: cst.If | cst.While, column: int = -1
) -> cst.If | cst.While:
    """``if (x):`` as ``if x:`` when the rewrite changed the test and it fits on one line.

    The parentheses carried a test spread over lines, or an operand that is gone;
    a test the flag did not change keeps its parentheses as written. ``column`` is where
    the statement starts: a test broken only at its ``and``/``or`` is joined when the
    line then fits in 79 columns, as black and ruff's formatter would write it.
    """
    test = statement.test
    if not isinstance(test, _BARE_TESTS) or not test.lpar or test.deep_equals(original.test):
        return statement
    bare = test.with_changes(lpar=(), rpar=())
    code = cst.Module(body=()).code_for_node(bare)
    if "\n" in code and column >= 0:
        # Spread over lines only at its ``and``/``or``: joined when it now fits in 79 columns.
        joiner = _OperatorJoiner()
        joined = bare.visit(joiner)
        line = cst.Module(body=()).code_for_node(joined)
        keyword = "if " if isinstance(statement, cst.If) else "while "
        if not joiner.refused and column + len(keyword) + len(line) + 1 <= JOINED_WIDTH:
            bare, code = joined, line  # type: ignore[assignment]
    if "\n" in code or code.count("#") != cst.Module(body=()).code_for_node(test).count("#"):
        # Still spread over lines, or a comment inside the parentheses would go with them.
        return statement
    space = statement.whitespace_before_test
    if isinstance(space, cst.SimpleWhitespace) and not space.value:
        space = cst.SimpleWhitespace(" ")
    return statement.with_changes(test=bare, whitespace_before_test=space)


JOINED_WIDTH = 79


class _OperatorJoiner(cst.CSTTransformer):
    """Line breaks around ``and``/``or`` as single spaces; ``refused`` when one carries a
    comment or another line break is left."""

    def __init__(self) -> None:
        super().__init__()
        self.refused = False

    def _space(self, white: cst.BaseParenthesizableWhitespace) -> cst.BaseParenthesizableWhitespace:
        if not isinstance(white, cst.ParenthesizedWhitespace):
            return white
        lines = [white.first_line, *white.empty_lines]
        if any(getattr(line, "comment", None) is not None for line in lines):
            self.refused = True
            return white
        return cst.SimpleWhitespace(" ")

    def leave_BooleanOperation(
        self, original_node: cst.BooleanOperation, updated_node: cst.BooleanOperation
    ) -> cst.BooleanOperation:
        operator = updated_node.operator
        return updated_node.with_changes(
            operator=operator.with_changes(
                whitespace_before=self._space(operator.whitespace_before),
                whitespace_after=self._space(operator.whitespace_after),
            )
        )


def _in_parentheses_of(whole: cst.BaseExpression, part: cst.BaseExpression) -> cst.BaseExpression:
    """``part`` wearing ``whole``'s parentheses, unless it is atomic or has its own."""
    lpar = getattr(whole, "lpar", ())
    commented = "#" in "".join(cst.Module(body=()).code_for_node(p) for p in lpar)
    if lpar and (commented or not _atomic(part)) and not getattr(part, "lpar", ()):
        return part.with_changes(lpar=lpar, rpar=getattr(whole, "rpar", ()))
    return part


def _atomic(node: cst.CSTNode) -> bool:
    return isinstance(
        node,
        (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.SimpleString, cst.Integer),
    ) or bool(getattr(node, "lpar", ()))


def _pure(node: cst.CSTNode) -> bool:
    """Evaluating this expression has no effect worth keeping (no calls)."""
    if isinstance(node, (cst.Name, cst.SimpleString, cst.Integer, cst.Float)):
        return True
    if isinstance(node, cst.Attribute):
        return _pure(node.value)
    if isinstance(node, cst.UnaryOperation):
        return _pure(node.expression)
    if isinstance(node, (cst.BooleanOperation, cst.BinaryOperation)):
        return _pure(node.left) and _pure(node.right)
    if isinstance(node, cst.Comparison):
        return _pure(node.left) and all(_pure(c.comparator) for c in node.comparisons)
    return False
