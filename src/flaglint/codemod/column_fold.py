"""A test's parameter that carried the flag's value, replaced by the kept value and folded.

When the rows of a parametrized test (pytest's ``parametrize``, ddt's ``data``) that
set the removed value are gone, the column that set the flag holds one value in
every run left. A test that also reads the column further (``if enabled and rows:``,
``helper(enabled=enabled)``) reads that one value: each read of the parameter is
replaced by the kept literal and folded as flag reads are (``if True and rows:``
becomes ``if rows:``, the branch of the removed value goes). Each run of the test
that is left does what it did.

Only when every row of the removed value has a twin of the kept value (the same in
every other column): a row that sets the removed value beside other cases would take
those cases with it. Left for a human, with the reason: a parameter rebound in the test (``enabled =
not enabled``) or read through ``locals()``/``vars()``; a read the folder cannot
decide (``assert result == enabled`` would become ``== True``); a local that only
the removed branch read whose value calls something (``log = mocker.patch(...)``:
dropping it changes what the test sets up, keeping it leaves a dead store).
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider, ScopeProvider

from flaglint.codemod.patches import _boolean
from flaglint.codemod.rewrite import _node_ids
from flaglint.codemod.targets import FileTargets, Leaf
from flaglint.codemod.transform import FlagFolder

_READS_LOCALS = frozenset({"locals", "vars"})


def twinned(rows: Sequence[Sequence[cst.BaseExpression]], column: int, keep_on: bool) -> bool:
    """Whether every row with the removed value in ``column`` has a twin with the kept
    value: the same code in every other column.

    Only then does dropping those rows drop nothing but the removed side: a row that
    sets the removed value beside other cases (a permission, an input) tests those
    cases too, and a test reading the column further expects that value of them.
    """
    code = cst.Module(body=()).code_for_node

    def rest(row: Sequence[cst.BaseExpression]) -> tuple[str, ...]:
        return tuple(code(cell).strip() for i, cell in enumerate(row) if i != column)

    kept = {rest(row) for row in rows if _boolean(row[column]) is keep_on}
    return all(rest(row) in kept for row in rows if _boolean(row[column]) is (not keep_on))


class _LocalsCall(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value in _READS_LOCALS:
            self.found = True


def fold_parameter(
    function: cst.FunctionDef, param: str, value: bool, key: str
) -> tuple[cst.FunctionDef, str]:
    """``function`` with every read of ``param`` replaced by ``value`` and folded, and "";
    or ``function`` unchanged and why it could not be done.

    ``function`` still takes ``param``: the reads are those its scopes resolve to it.
    """
    finder = _LocalsCall()
    function.body.visit(finder)
    if finder.found:
        return function, "the test may read it through locals() or vars()"
    wrapper = MetadataWrapper(cst.Module(body=[function]))
    tree = wrapper.module.body[0]
    assert isinstance(tree, cst.FunctionDef)
    scopes = wrapper.resolve(ScopeProvider)
    positions = wrapper.resolve(PositionProvider)
    if not isinstance(tree.body, cst.IndentedBlock) or not tree.body.body:
        return function, "the test has no body to fold"
    scope = scopes[tree.body.body[0]]
    if scope is None:
        return function, "the test's scope is unknown"
    bindings = scope.assignments[param]
    if [a for a in bindings if not isinstance(a.node, cst.Param)]:
        return function, "the test also assigns it"
    if not bindings:
        return function, "it is not a parameter of the test"
    reads = [access.node for binding in bindings for access in binding.references]
    leaves = {}
    for node in reads:
        where = positions[node]
        span = (where.start.line, where.start.column, where.end.line, where.end.column)
        leaves[span] = Leaf("read", where.start.line, truth=value, exact=True, key=key)
    targets = FileTargets("<test>", leaves)
    folder = FlagFolder(targets, {key: value})
    folded = wrapper.visit(folder)
    surviving = _node_ids(folded)
    notes = sorted((n.line, n.reason) for i, (_, n) in folder.unresolved.items() if i in surviving)
    if notes:
        return function, f"once it is {value}: {notes[0][1]}"
    if folder.kept_stores or folder.dropped_calls:
        names = sorted({w.partition(": ")[2] for _, w in folder.kept_stores + folder.dropped_calls})
        return function, f"only the removed branch read {', '.join(names)}, set by a call"
    result = folded.body[0]
    if not isinstance(result, cst.FunctionDef):
        return function, "the test folds away"
    return result, ""
