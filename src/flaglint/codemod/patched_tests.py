"""Tests that patch a wrapper the rewrite made constant: edited as the real removals do.

A test that patches ``pkg.mod.is_x_enabled`` (``@patch``, ``with patch(...)``,
``patch.object(mod, "is_x_enabled", ...)``) to return the value the flag keeps
loses the patch, the mock parameter it injected and the ``mock.return_value =``
line that set it. A test that patches it to the removed value exercised code
that no longer exists: it is deleted, and listed. Anything else (a computed
value, a mock used further, ``new=``, ``side_effect=``, a class-level patch, a
patch outside a decorator or ``with``) is left as it is and listed for a human,
and the wrapper then stays, since a string still names it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from flaglint.codemod.imports import drop_orphaned_imports
from flaglint.codemod.logging_only import constant_result, logger_names
from flaglint.codemod.patches import FunctionPlan, patch_call
from flaglint.codemod.transform import trimmed_block
from flaglint.codemod.tree import current_texts
from flaglint.facts.parse import parse_source


@dataclass(frozen=True, order=True)
class DeletedTest:
    """A test function deleted because it patched a wrapper to the removed value."""

    path: str
    line: int
    qualname: str
    reason: str


@dataclass(frozen=True, order=True)
class PatchLeftover:
    """A patch of a now-constant wrapper that was not edited, and why."""

    path: str
    line: int
    reason: str


def constant_functions(before: dict[str, bytes], after: dict[str, bytes]) -> dict[str, bool]:
    """Module functions the rewrite turned into ``return True`` (or ``False``): name -> value.

    A name made constant with both values in different files is left out.
    """
    found: dict[str, set[bool]] = {}
    for path, text in after.items():
        old = before.get(path)
        if old is None:
            continue
        was = _constant_bodies(old)
        for name, value in _constant_bodies(text).items():
            if value is not None and was.get(name) is None:
                found.setdefault(name, set()).add(value)
    return {name: values.pop() for name, values in found.items() if len(values) == 1}


def _constant_bodies(text: bytes) -> dict[str, bool | None]:
    try:
        tree = parse_source(text)
    except (SyntaxError, ValueError):
        return {}
    out: dict[str, bool | None] = {}
    loggers = logger_names(tree)
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        out[node.name] = constant_result(node, loggers)
    return out


def edit_tests(
    root: Path,
    constants: dict[str, bool],
    modules: frozenset[str],
    current: dict[str, bytes],
) -> tuple[dict[str, bytes], list[DeletedTest], list[PatchLeftover]]:
    """Every Python file under ``root`` that patches one of ``constants``, edited.

    ``modules`` are the project's module names: ``patch("pkg.mod.name")`` is a
    patch of the wrapper only when ``pkg.mod`` is one of them.
    """
    edited: dict[str, bytes] = {}
    deleted: list[DeletedTest] = []
    leftovers: list[PatchLeftover] = []
    if not constants:
        return edited, deleted, leftovers
    spelled = [name.encode() for name in sorted(constants)]
    for _, relative, text in current_texts(root, (".py",), current):
        if not any(name in text for name in spelled):
            continue
        try:
            module = cst.parse_module(text)
        except cst.ParserSyntaxError:
            continue
        editor = _TestEditor(relative, constants, modules)
        wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
        new_module = wrapper.visit(editor)
        leftovers.extend(editor.leftovers)
        deleted.extend(editor.deleted)
        if new_module.code != module.code:
            new_module = drop_orphaned_imports(module, new_module)
            edited[relative] = new_module.bytes
    return edited, sorted(deleted), sorted(set(leftovers))


class _TestEditor(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (cst.metadata.PositionProvider,)

    def __init__(self, path: str, constants: dict[str, bool], modules: frozenset[str]) -> None:
        super().__init__()
        self.path = path
        self.constants = constants
        self.modules = modules
        self.scope: list[str] = []
        self.deleted: list[DeletedTest] = []
        self.leftovers: list[PatchLeftover] = []
        self.handled: set[int] = set()
        # Functions deleted (ids of the original nodes).
        self.removed: set[int] = set()

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(cst.metadata.PositionProvider, node).start.line

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        for decorator in node.decorators:
            call = decorator.decorator
            if isinstance(call, cst.Call):
                patch = patch_call(call, self.constants, self.modules)
                if patch is not None and patch.name:
                    self.handled.add(id(call))
                    self.leftovers.append(
                        PatchLeftover(
                            self.path,
                            self._line(decorator),
                            f"class {node.name.value} patches {patch.name} for every test; "
                            "edit it by hand",
                        )
                    )
        self.scope.append(node.name.value)
        return True

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        self.scope.pop()
        return updated_node

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        return trimmed_block(original_node, updated_node, self.removed)

    def visit_Call(self, node: cst.Call) -> None:
        if id(node) in self.handled:
            return
        patch = patch_call(node, self.constants, self.modules)
        if patch is not None and patch.name:
            self.leftovers.append(
                PatchLeftover(
                    self.path,
                    self._line(node),
                    f"patches {patch.name} outside a decorator or `with`; edit it by hand",
                )
            )

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.scope.append(node.name.value)
        # Its patches are judged as a whole when it is left, not one call at a time.
        self.handled.update(id(c) for c in FunctionPlan(node, self.constants, self.modules).calls)
        return True

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef | cst.RemovalSentinel:
        qualname = ".".join(self.scope)
        self.scope.pop()
        plan = FunctionPlan(updated_node, self.constants, self.modules)
        if not plan.calls:
            return updated_node
        line = self._line(original_node)
        if plan.problem:
            self.leftovers.append(
                PatchLeftover(self.path, line, f"{qualname}: {plan.problem}; edit it by hand")
            )
            return updated_node
        removed = [name for name, value in plan.values if value != self.constants[name]]
        if removed:
            if not original_node.name.value.startswith("test"):
                reason = f"{qualname} patches {removed[0]} to the removed value; edit it by hand"
                self.leftovers.append(PatchLeftover(self.path, line, reason))
                return updated_node
            value = not self.constants[removed[0]]
            reason = f"it patched {removed[0]} to {value}, the removed value"
            self.deleted.append(DeletedTest(self.path, line, qualname, reason))
            self.removed.add(id(original_node))
            return cst.RemoveFromParent()
        return plan.apply(updated_node)
