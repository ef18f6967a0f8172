"""The LibCST transformer that folds flags to constants: statements.

Expressions are folded by :class:`ExpressionFolder`; this half decides what becomes
of the statements that test them (``if``/``elif``/``else``, ``while``, ``assert``,
gating decorators, ``name = READ`` bindings) and keeps indentation, comments and
blank lines in order while blocks are flattened or removed."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import libcst as cst

from flaglint.codemod.comments import without_flag_comment
from flaglint.codemod.expressions import ExpressionFolder, bare_test, is_literal
from flaglint.codemod.targets import FileTargets
from flaglint.codemod.unused import bare_pass, drop_orphaned_locals, invert_emptied

# Parameters a framework passes whatever the function does with them.
FRAMEWORK_PARAMETERS = frozenset({"request", "args", "kwargs", "context", "event"})

Statement = cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel


class FlagFolder(ExpressionFolder):
    """Rewrites one module as if each flag were permanently on (or off): ``sides``."""

    def __init__(
        self, targets: FileTargets, sides: Mapping[str, bool], names: frozenset[str] = frozenset()
    ) -> None:
        super().__init__(targets)
        self.sides = sides
        # The keys and the names bound to them: a comment spelling one speaks of the flag.
        self.flag_names = names
        self.elifs: set[int] = set()
        self.assign_nodes: dict[int, tuple[cst.CSTNode, tuple[int, str] | str]] = {}
        # Kept branches that end in return/raise/break/continue: what follows is dead.
        self.exits: dict[int, cst.CSTNode] = {}
        # Comments that closed a flattened block, keyed by its last statement.
        self.trailing: dict[int, tuple[cst.CSTNode, list[cst.EmptyLine]]] = {}
        # Parameters only the removed code used: (def line, "function(parameter)").
        self.unused_params: list[tuple[int, str]] = []
        # Locals only it used, kept for their value (a call), or deleted despite it.
        self.kept_stores: list[tuple[int, str]] = []
        self.dropped_calls: list[tuple[int, str]] = []
        # One entry per enclosing definition: whether it is a class.
        self.in_class: list[bool] = []

    # -------------------------------------------------------------- statements
    def visit_If(self, node: cst.If) -> None:
        if isinstance(node.orelse, cst.If):
            self.elifs.add(id(node.orelse))

    def leave_If(self, original_node: cst.If, updated_node: cst.If) -> Statement:
        node = self._fold_elifs(updated_node)
        test = self._info(node.test)
        if id(original_node) in self.elifs:
            # The enclosing ``if`` decides about this branch; see _fold_elifs.
            if test.cond is not None:
                node = node.with_changes(test=test.cond)
            return bare_test(node, original_node)
        if test.member or test.truth is None:
            node = node.with_changes(test=test.cond) if test.cond is not None else node
            column = self._column(original_node)
            return invert_emptied(original_node, bare_test(node, original_node, column))
        leading = without_flag_comment(node.leading_lines, self.flag_names)
        if test.truth:
            # Comments closing the kept block may sit before ``else:``/``elif``.
            closing = node.orelse.leading_lines if node.orelse is not None else ()
            return self._flatten(node.body, leading, closing)
        if node.orelse is None:
            return cst.RemoveFromParent()
        if isinstance(node.orelse, cst.Else):
            return self._flatten(node.orelse.body, leading)
        return node.orelse.with_changes(leading_lines=leading)

    def _fold_elifs(self, node: cst.If) -> cst.If:
        while isinstance(node.orelse, cst.If):
            branch = node.orelse
            test = self._info(branch.test)
            if test.truth is None or test.member:
                break
            if test.truth:
                node = node.with_changes(orelse=cst.Else(body=branch.body))
                break
            node = node.with_changes(orelse=branch.orelse)
        return node

    def leave_While(self, original_node: cst.While, updated_node: cst.While) -> Statement:
        test = self._info(updated_node.test)
        if test.truth is None or test.member:
            node = (
                updated_node.with_changes(test=test.cond) if test.cond is not None else updated_node
            )
            return bare_test(node, original_node, self._column(original_node))
        if not test.truth:
            if updated_node.orelse is not None:
                return self._flatten(updated_node.orelse.body, updated_node.leading_lines)
            return cst.RemoveFromParent()
        self._leave_for_human(
            original_node,
            self._line(original_node),
            "`while` on a flag that stays on loops until something breaks out; rewrite by hand",
            2,
        )
        return original_node

    def leave_Expr(
        self, original_node: cst.Expr, updated_node: cst.Expr
    ) -> cst.Expr | cst.RemovalSentinel:
        # ``READ and do_x()`` with the flag off does nothing: drop the statement.
        known = self._info(updated_node.value)
        if known.truth is not None and not known.member:
            return cst.RemoveFromParent()
        return updated_node

    def leave_Assert(
        self, original_node: cst.Assert, updated_node: cst.Assert
    ) -> cst.Assert | cst.RemovalSentinel:
        known = self._info(updated_node.test)
        if known.truth is None or known.member:
            if known.cond is not None and not known.member:
                return updated_node.with_changes(test=known.cond)
            return updated_node
        if known.truth:
            return cst.RemoveFromParent()
        self._leave_for_human(
            original_node,
            self._line(original_node),
            "this assertion always fails once the flag is fixed; decide by hand",
            2,
        )
        return original_node

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        span = self._span(original_node.targets[0].target)
        binding: tuple[int, str] | str | None = self.targets.local_assigns.get(span)
        if binding is None:
            binding = self.targets.module_assigns.get(span)
        if binding is None:
            return updated_node
        known = self._info(updated_node.value)
        if known.truth is None or known.member:
            return updated_node
        if isinstance(binding, tuple):
            self.binding_truth[binding] = (known.truth, is_literal(updated_node.value))
        self.assign_nodes[id(updated_node)] = (updated_node, binding)
        return updated_node

    def _flatten(
        self,
        block: cst.BaseSuite,
        leading: Sequence[cst.EmptyLine],
        closing: Sequence[cst.EmptyLine] = (),
    ) -> cst.FlattenSentinel[cst.BaseStatement] | cst.RemovalSentinel:
        """A block's statements, to stand where its compound statement stood."""
        statements: list[cst.BaseStatement]
        if isinstance(block, cst.IndentedBlock):
            statements = list(block.body)
        else:
            assert isinstance(block, cst.SimpleStatementSuite)
            statements = [
                cst.SimpleStatementLine(
                    body=block.body, trailing_whitespace=block.trailing_whitespace
                )
            ]
        # A kept ``else: pass`` says nothing once it stands alone.
        statements = [s for s in statements if not bare_pass(s)]
        if not statements:
            return cst.RemoveFromParent()
        first = statements[0]
        statements[0] = first.with_changes(leading_lines=[*leading, *leading_lines(first)])
        last = statements[-1]
        if isinstance(last, cst.SimpleStatementLine) and isinstance(
            last.body[-1], (cst.Return, cst.Raise, cst.Break, cst.Continue)
        ):
            self.exits[id(last)] = last
        footer = [*closing, *(block.footer if isinstance(block, cst.IndentedBlock) else ())]
        comments = [line for line in footer if line.comment is not None]
        if comments:
            # Statements carry only the lines above them: the parent block hands these on.
            self.trailing[id(last)] = (last, comments)
        return cst.FlattenSentinel(statements)

    def _hand_on_trailing(
        self, body: list[cst.BaseStatement]
    ) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
        """Comments that closed a flattened block, moved above the next statement.

        What follows the last statement of the body is returned for the footer.
        """
        out: list[cst.BaseStatement] = []
        pending: list[cst.EmptyLine] = []
        for stmt in body:
            if pending:
                stmt = stmt.with_changes(leading_lines=[*pending, *leading_lines(stmt)])
                pending = []
            entry = self.trailing.get(id(stmt))
            if entry is not None and entry[0] is stmt:
                pending = list(entry[1])
            out.append(stmt)
        return out, pending

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body, pending = self._hand_on_trailing(list(updated_node.body))
        if pending:
            updated_node = updated_node.with_changes(
                body=body, footer=[*pending, *updated_node.footer]
            )
        elif body != list(updated_node.body):
            updated_node = updated_node.with_changes(body=body)
        for index, stmt in enumerate(body):
            entry = self.exits.get(id(stmt))
            if entry is stmt and index + 1 < len(body):
                updated_node = updated_node.with_changes(body=body[: index + 1])
                break
        if updated_node.body:
            return updated_node
        return updated_node.with_changes(body=[cst.SimpleStatementLine(body=[cst.Pass()])])

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.in_class.append(True)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.in_class.append(False)

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef | cst.RemovalSentinel:
        self.in_class.pop()
        node = updated_node
        folded = self._fold_decorators(
            original_node.decorators, node.decorators, node.lines_after_decorators
        )
        if folded is not None:
            node = node.with_changes(decorators=folded[0], lines_after_decorators=folded[1])
        body = node.body
        if isinstance(body, cst.IndentedBlock):
            kept = _drop_unused_bindings(body.body, self.assign_nodes)
            if len(kept) != len(body.body):
                node = node.with_changes(
                    body=self.leave_IndentedBlock(body, body.with_changes(body=kept))
                )
        if not original_node.deep_equals(node):
            line = self._line(original_node.name)
            node, params, stores, calls = drop_orphaned_locals(original_node, node)
            self.kept_stores.extend((line, f"{node.name.value}: {name}") for name in stores)
            self.dropped_calls.extend((line, f"{node.name.value}: {name}") for name in calls)
            if self.in_class and self.in_class[-1] and only_delegates(node):
                # What is left only calls the parent's method: the override has no purpose.
                return cst.RemoveFromParent()
            if not (self.in_class and self.in_class[-1]):
                # A method keeps its signature for its overrides; a view keeps ``request``.
                params = [p for p in params if p not in FRAMEWORK_PARAMETERS]
                self.unused_params.extend((line, f"{node.name.value}({p})") for p in params)
        return node

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        self.in_class.pop()
        folded = self._fold_decorators(
            original_node.decorators, updated_node.decorators, updated_node.lines_after_decorators
        )
        if folded is None:
            return updated_node
        return updated_node.with_changes(decorators=folded[0], lines_after_decorators=folded[1])

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body, pending = self._hand_on_trailing(list(updated_node.body))
        kept = _drop_unused_bindings(body, self.assign_nodes)
        return updated_node.with_changes(body=kept, footer=[*pending, *updated_node.footer])

    def _fold_decorators(
        self,
        original: Sequence[cst.Decorator],
        updated: Sequence[cst.Decorator],
        after_decorators: Sequence[cst.EmptyLine],
    ) -> tuple[list[cst.Decorator], list[cst.EmptyLine]] | None:
        """The decorators left once gating ones that always pass are gone (None: no change)."""
        kept: list[cst.Decorator] = []
        carried: list[cst.EmptyLine] = []
        changed = False
        for index, decorator in enumerate(updated):
            leaf = self.targets.leaves.get(self._span(original[index].decorator))
            if leaf is None or leaf.kind != "decorator":
                moved = [*carried, *decorator.leading_lines]
                kept.append(decorator.with_changes(leading_lines=moved))
                carried = []
                continue
            if leaf.truth:
                carried.extend(decorator.leading_lines)
                changed = True
                continue
            state = "on" if self.sides.get(leaf.key, True) else "off"
            self._leave_for_human(
                decorator,
                leaf.line,
                f"gating decorator makes this unreachable with the flag {state}; delete it by hand",
                2,
            )
            kept.append(decorator)
        if not changed:
            return None
        return kept, [*carried, *after_decorators]


def _drop_unused_bindings(
    body: Sequence[cst.BaseStatement],
    assign_nodes: dict[int, tuple[cst.CSTNode, tuple[int, str] | str]],
) -> list[cst.BaseStatement]:
    """Remove ``name = <folded flag>`` statements once nothing else mentions the name."""
    drops: list[tuple[int, str]] = []
    for index, stmt in enumerate(body):
        if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
            continue
        entry = assign_nodes.get(id(stmt.body[0]))
        if entry is None or entry[0] is not stmt.body[0]:
            continue
        binding = entry[1]
        drops.append((index, binding if isinstance(binding, str) else binding[1]))
    if not drops:
        return list(body)
    counter = _NameCounter()
    for stmt in body:
        stmt.visit(counter)
    dropped = {i for i, name in drops if counter.counts.get(name, 0) <= 1}
    kept: list[cst.BaseStatement] = []
    carried: list[cst.EmptyLine] = []
    for i, stmt in enumerate(body):
        if i in dropped:
            carried = merge_leading(carried, leading_lines(stmt))
            continue
        if carried:
            stmt = stmt.with_changes(leading_lines=merge_leading(carried, leading_lines(stmt)))
            carried = []
        kept.append(stmt)
    return kept


def leading_lines(stmt: cst.BaseStatement) -> Sequence[cst.EmptyLine]:
    """The comment and blank lines above a statement (every statement kind has them)."""
    lines: Sequence[cst.EmptyLine] = getattr(stmt, "leading_lines", ())
    return lines


def merge_leading(
    first: Sequence[cst.EmptyLine], second: Sequence[cst.EmptyLine]
) -> list[cst.EmptyLine]:
    """The lines of a removed statement handed on to the next, without piling up blanks."""
    if any(line.comment is not None for line in first):
        return [*first, *second]
    blanks = 0
    for line in second:
        if line.comment is not None:
            break
        blanks += 1
    return [*first[: max(0, len(first) - blanks)], *second]


class _NameCounter(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, int] = {}

    def visit_Name(self, node: cst.Name) -> None:
        self.counts[node.value] = self.counts.get(node.value, 0) + 1


def only_delegates(function: cst.FunctionDef) -> bool:
    """``def get(self, request, **kwargs): return super().get(request, **kwargs)``.

    The body (a docstring aside) passes its own parameters, in order and
    unchanged, to the parent's method of the same name; nothing decorates it.
    """
    if function.decorators or not isinstance(function.body, cst.IndentedBlock):
        return False
    body = [s for s in function.body.body if not _docstring(s)]
    if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine):
        return False
    statement = body[0].body
    if len(statement) != 1 or not isinstance(statement[0], cst.Return):
        return False
    call = statement[0].value
    if not (
        isinstance(call, cst.Call)
        and isinstance(call.func, cst.Attribute)
        and call.func.attr.value == function.name.value
        and isinstance(call.func.value, cst.Call)
        and isinstance(call.func.value.func, cst.Name)
        and call.func.value.func.value == "super"
        and not call.func.value.args
    ):
        return False
    params = function.params
    if params.posonly_params or params.kwonly_params or not params.params:
        return False
    if any(p.default is not None for p in params.params):
        return False
    expected = [("", p.name.value) for p in params.params[1:]]
    if isinstance(params.star_arg, cst.Param):
        expected.append(("*", params.star_arg.name.value))
    if params.star_kwarg is not None:
        expected.append(("**", params.star_kwarg.name.value))
    passed = [
        (a.star, a.value.value)
        for a in call.args
        if isinstance(a.value, cst.Name) and a.keyword is None
    ]
    return len(passed) == len(call.args) and passed == expected


def _docstring(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def trimmed_block(
    original: cst.IndentedBlock, updated: cst.IndentedBlock, removed: Collection[int]
) -> cst.IndentedBlock:
    """A block some statements (``id`` of the original in ``removed``) were taken from:
    ``pass`` when none is left, and no blank line under the ``def``/``class`` line when
    the first one went."""
    if len(updated.body) == len(original.body):
        return updated
    body = list(updated.body)
    if not body:
        return updated.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
    if id(original.body[0]) in removed:
        kept = [line for line in leading_lines(body[0]) if line.comment is not None]
        body[0] = body[0].with_changes(leading_lines=kept)
    return updated.with_changes(body=body)


def sole_assignment(
    line: cst.SimpleStatementLine,
) -> tuple[cst.BaseAssignTargetExpression, cst.BaseExpression] | None:
    """(target, value) of ``target = value`` alone on its line, else None."""
    if len(line.body) != 1:
        return None
    small = line.body[0]
    if not (isinstance(small, cst.Assign) and len(small.targets) == 1):
        return None
    return small.targets[0].target, small.value
