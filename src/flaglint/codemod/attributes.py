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
from flaglint.codemod.transform import sole_assignment

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
        assignment = sole_assignment(updated_node)
        if assignment is None:
            return updated_node
        target = assignment[0]
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


PROPERTY_DECORATORS = frozenset({"property", "cached_property"})


def inline_constant_properties(
    root: Path, before: dict[str, bytes], after: dict[str, bytes]
) -> tuple[dict[str, bytes], list[tuple[str, int, str]]]:
    """Properties the rewrite left as ``return <literal>``: their ``self.x`` uses get the literal.

    Only when every spelling of the name under the root is the definition or a
    ``self.x`` inside the same class, so no subclass, other object or string
    can still ask for it; the property then goes (listed: path, line, qualified name).
    """
    out: dict[str, bytes] = {}
    gone: list[tuple[str, int, str]] = []
    for path, text in sorted(after.items()):
        old = before.get(path)
        if old is None or not path.endswith(".py"):
            continue
        try:
            module = cst.parse_module(text)
            old_module = cst.parse_module(old)
        except cst.ParserSyntaxError:
            continue
        was = _constant_properties(old_module)
        found = {k: v for k, v in _constant_properties(module).items() if k not in was}
        if not found:
            continue
        spelled = spellings(root, {name for _, name in found}, after)
        usable: dict[tuple[str, str], cst.BaseExpression] = {}
        for (owner, name), value in found.items():
            places = spelled.get(name, [])
            uses = len(re.findall(rb"\bself\." + re.escape(name.encode()) + rb"\b", text))
            if all(p[0] == path for p in places) and len(places) == uses + 1 and uses:
                usable[(owner, name)] = value
        if not usable:
            continue
        inliner = _PropertyInliner(usable)
        new_module = module.visit(inliner)
        if inliner.inlined == sum(
            len(re.findall(rb"\bself\." + re.escape(n.encode()) + rb"\b", text)) for _, n in usable
        ):
            out[path] = drop_orphaned_imports(module, new_module).bytes
            for owner, name in sorted(usable):
                definition = re.search(rb"def " + re.escape(name.encode()) + rb"\b", old)
                line = old.count(b"\n", 0, definition.start()) + 1 if definition else 1
                gone.append((path, line, f"{owner}.{name}"))
    return out, gone


def _constant_properties(module: cst.Module) -> dict[tuple[str, str], cst.BaseExpression]:
    found: dict[tuple[str, str], cst.BaseExpression] = {}
    for stmt in module.body:
        if not isinstance(stmt, cst.ClassDef) or not isinstance(stmt.body, cst.IndentedBlock):
            continue
        for member in stmt.body.body:
            if not isinstance(member, cst.FunctionDef) or len(member.decorators) != 1:
                continue
            decorator = member.decorators[0].decorator
            name = decorator.attr.value if isinstance(decorator, cst.Attribute) else ""
            name = decorator.value if isinstance(decorator, cst.Name) else name
            if name not in PROPERTY_DECORATORS or not isinstance(member.body, cst.IndentedBlock):
                continue
            body = list(member.body.body)
            if len(body) != 1 or not isinstance(body[0], cst.SimpleStatementLine):
                continue
            small = body[0].body[0] if len(body[0].body) == 1 else None
            value = small.value if isinstance(small, cst.Return) else None
            if isinstance(value, (cst.SimpleString, cst.Integer, cst.Float)) or (
                isinstance(value, cst.Name) and value.value in ("True", "False", "None")
            ):
                found[(stmt.name.value, member.name.value)] = value
    return found


class _PropertyInliner(cst.CSTTransformer):
    """In each class, ``self.<property>`` replaced by its literal, and the property removed."""

    def __init__(self, properties: dict[tuple[str, str], cst.BaseExpression]) -> None:
        super().__init__()
        self.properties = properties
        self.classes: list[str] = []
        self.inlined = 0

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.classes.append(node.name.value)
        return True

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        owner = self.classes.pop()
        if not isinstance(updated_node.body, cst.IndentedBlock):
            return updated_node
        body = [
            s
            for s in updated_node.body.body
            if not (isinstance(s, cst.FunctionDef) and (owner, s.name.value) in self.properties)
        ]
        if len(body) == len(updated_node.body.body):
            return updated_node
        return updated_node.with_changes(body=updated_node.body.with_changes(body=body))

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.BaseExpression:
        if not (isinstance(updated_node.value, cst.Name) and updated_node.value.value == "self"):
            return updated_node
        owner = self.classes[-1] if self.classes else ""
        value = self.properties.get((owner, updated_node.attr.value))
        if value is None:
            return updated_node
        self.inlined += 1
        return value.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)
