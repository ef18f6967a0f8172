"""Attributes only the flag read used: ``self.flag_context = {...}`` goes with the read.

The local cleanup (``unused``) drops a local computed for the removed code
alone; an object attribute set for the read's arguments is the same thing one
scope out. The assignment goes only when the attribute's name is spelled
nowhere else under the root once the rewrite is made (any file, any object,
strings, templates and files that cannot be parsed included), the same test
by name as the cascade's.
"""

from __future__ import annotations

import re
from pathlib import Path

import libcst as cst

from flaglint.codemod.cascade import spellings
from flaglint.codemod.imports import drop_orphaned_imports

SELF_READ = re.compile(rb"\bself\.([A-Za-z_][A-Za-z0-9_]*)\b")


def drop_orphaned_attributes(
    root: Path, before: dict[str, bytes], after: dict[str, bytes]
) -> dict[str, bytes]:
    """The rewritten files without ``self.x = ...`` whose every other use the rewrite removed."""
    lost: dict[str, set[str]] = {}
    for path, text in after.items():
        old = before.get(path)
        if old is None or not path.endswith(".py"):
            continue
        counts_before = _counts(old)
        counts_after = _counts(text)
        for name, count in counts_before.items():
            # Still assigned, no longer read: one spelling left, down from two or more.
            if count > 1 and counts_after.get(name, 0) == 1:
                lost.setdefault(path, set()).add(name)
    if not lost:
        return {}
    spelled = spellings(root, set().union(*lost.values()), after)
    out: dict[str, bytes] = {}
    for path, names in sorted(lost.items()):
        alone = {n for n in names if len(spelled.get(n, [])) == 1 and spelled[n][0][0] == path}
        if not alone:
            continue
        try:
            module = cst.parse_module(after[path])
        except cst.ParserSyntaxError:
            continue
        remover = _AssignmentRemover(alone)
        trimmed = module.visit(remover)
        if remover.removed:
            out[path] = drop_orphaned_imports(module, trimmed).bytes
    return out


def _counts(text: bytes) -> dict[str, int]:
    counts: dict[str, int] = {}
    for match in SELF_READ.finditer(text):
        counts[match.group(1).decode()] = counts.get(match.group(1).decode(), 0) + 1
    return counts


class _AssignmentRemover(cst.CSTTransformer):
    """Removes ``self.<name> = value`` statements for these names."""

    def __init__(self, names: set[str]) -> None:
        super().__init__()
        self.names = names
        self.removed = 0

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        if len(updated_node.body) != 1:
            return updated_node
        small = updated_node.body[0]
        if not (isinstance(small, cst.Assign) and len(small.targets) == 1):
            return updated_node
        target = small.targets[0].target
        if (
            isinstance(target, cst.Attribute)
            and isinstance(target.value, cst.Name)
            and target.value.value == "self"
            and target.attr.value in self.names
        ):
            self.removed += 1
            return cst.RemoveFromParent()
        return updated_node

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if updated_node.body:
            return updated_node
        return updated_node.with_changes(body=[cst.SimpleStatementLine(body=[cst.Pass()])])
