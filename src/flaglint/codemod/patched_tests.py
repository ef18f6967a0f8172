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
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from flaglint.codemod.imports import drop_orphaned_imports
from flaglint.codemod.transform import leading_lines
from flaglint.facts.parse import parse_source

SKIPPED_DIRS = frozenset({".git", "node_modules", "__pycache__", ".tox", ".venv", "venv"})
LARGEST = 2_000_000


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
    for node in tree.body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        body = list(node.body)
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]
        value = None
        if len(body) == 1 and isinstance(body[0], ast.Return):
            returned = body[0].value
            if isinstance(returned, ast.Constant) and isinstance(returned.value, bool):
                value = returned.value
        out[node.name] = value
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
    for file in _python_files(root):
        relative = file.relative_to(root).as_posix()
        text = current.get(relative)
        if text is None:
            try:
                if file.stat().st_size > LARGEST:
                    continue
                text = file.read_bytes()
            except OSError:
                continue
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


def _python_files(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(folder) / name


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else ""
    return ""


def _string(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _boolean(node: cst.BaseExpression) -> bool | None:
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


@dataclass(frozen=True)
class _Patch:
    """One ``patch(...)`` call: whether it injects a mock, and what it makes the target return."""

    name: str  # the wrapper it patches, "" when it patches something else
    injects: bool
    value: bool | None  # from return_value=; None when not given
    problem: str  # why it cannot be followed, "" when it can


def _patch_call(
    call: cst.Call, constants: dict[str, bool], modules: frozenset[str]
) -> _Patch | None:
    """What ``call`` patches, or None when it is not ``patch``/``patch.object``."""
    func = _dotted(call.func)
    last = func.split(".")[-1] if func else ""
    is_object = func.endswith("patch.object")
    if last != "patch" and not is_object:
        return None
    positional = [a for a in call.args if a.keyword is None and not a.star]
    keywords = {a.keyword.value: a.value for a in call.args if a.keyword is not None}
    target_index, new_index = (1, 2) if is_object else (0, 1)
    name = ""
    if len(positional) > target_index:
        target = _string(positional[target_index].value)
        if target is not None:
            if is_object:
                name = target if target in constants else ""
            else:
                owner, _, attr = target.rpartition(".")
                name = attr if attr in constants and owner in modules else ""
    injects = len(positional) <= new_index and "new" not in keywords
    if not name:
        return _Patch("", injects, None, "")
    problem = ""
    if any(a.star for a in call.args):
        problem = "patched with unpacked arguments"
    elif not injects:
        problem = "patched with new="
    elif "side_effect" in keywords or "new_callable" in keywords:
        problem = "patched with side_effect= or new_callable="
    value = None
    if "return_value" in keywords:
        value = _boolean(keywords["return_value"])
        if value is None:
            problem = problem or "patched with a computed return_value"
    return _Patch(name, injects, value, problem)


class _Uses(cst.CSTVisitor):
    """Every use of one name in a function body, and the ``name.return_value = X`` lines."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.count = 0

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.count += 1


def _return_value_line(stmt: cst.BaseStatement, name: str) -> bool | None | str:
    """The value of ``name.return_value = True/False``; "" when ``stmt`` is not that."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return ""
    small = stmt.body[0]
    if not isinstance(small, cst.Assign) or len(small.targets) != 1:
        return ""
    target = small.targets[0].target
    if not (
        isinstance(target, cst.Attribute)
        and isinstance(target.value, cst.Name)
        and target.value.value == name
        and target.attr.value == "return_value"
    ):
        return ""
    return _boolean(small.value)


def _count_uses(node: cst.CSTNode, name: str) -> int:
    uses = _Uses(name)
    node.visit(uses)
    return uses.count


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
                patch = _patch_call(call, self.constants, self.modules)
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
        if len(updated_node.body) == len(original_node.body):
            return updated_node
        body = list(updated_node.body)
        if not body:
            return updated_node.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        if id(original_node.body[0]) in self.removed:
            # The first statement went: no blank line under the ``class`` line.
            kept = [line for line in leading_lines(body[0]) if line.comment is not None]
            body[0] = body[0].with_changes(leading_lines=kept)
        return updated_node.with_changes(body=body)

    def visit_Call(self, node: cst.Call) -> None:
        if id(node) in self.handled:
            return
        patch = _patch_call(node, self.constants, self.modules)
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
        self.handled.update(id(c) for c in _FunctionPlan(node, self.constants, self.modules).calls)
        return True

    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef | cst.RemovalSentinel:
        qualname = ".".join(self.scope)
        self.scope.pop()
        plan = _FunctionPlan(updated_node, self.constants, self.modules)
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


class _FunctionPlan:
    """The patches of one function that target now-constant wrappers, and how to drop them."""

    def __init__(
        self, node: cst.FunctionDef, constants: dict[str, bool], modules: frozenset[str]
    ) -> None:
        self.constants = constants
        self.modules = modules
        self.calls: list[cst.Call] = []
        self.values: list[tuple[str, bool]] = []
        self.problem = ""
        self.drop_decorators: set[int] = set()
        self.drop_params: set[str] = set()
        self.withs: set[int] = set()
        injecting: list[tuple[cst.Decorator, _Patch]] = []
        for decorator in node.decorators:
            call = decorator.decorator
            patch = _patch_call(call, constants, modules) if isinstance(call, cst.Call) else None
            if patch is None:
                continue
            if patch.injects:
                injecting.append((decorator, patch))
            if patch.name and isinstance(call, cst.Call):
                self.calls.append(call)
                if not patch.injects:
                    self._fail(patch.problem or "patched without a mock")
        params = list(node.params.params)
        for position, (decorator, patch) in enumerate(injecting):
            if not patch.name:
                continue
            self.drop_decorators.add(id(decorator))
            if patch.problem:
                self._fail(patch.problem)
                continue
            if isinstance(node.params.star_arg, cst.Param) or len(params) < len(injecting):
                self._fail("cannot tell which parameter receives the mock")
                continue
            # The bottom decorator's mock comes first after the test's own parameters.
            param = params[len(params) - 1 - position].name.value
            self.drop_params.add(param)
            value = patch.value
            settings = {_return_value_line(s, param) for s in node.body.body} - {""}
            if value is None:
                if len(settings) != 1 or None in settings:
                    self._fail(f"the value the mock {param} returns is not one constant")
                    continue
                value = bool(settings.pop())
            elif settings:
                self._fail(f"the mock {param} is set up further")
                continue
            lines = sum(1 for s in node.body.body if _return_value_line(s, param) != "")
            if _count_uses(node.body, param) != lines:
                self._fail(f"the mock {param} is used further")
                continue
            self.values.append((patch.name, value))
        self._withs(node)

    def _fail(self, problem: str) -> None:
        self.problem = self.problem or problem

    def _withs(self, node: cst.FunctionDef) -> None:
        finder = _WithFinder()
        node.body.visit(finder)
        for statement in finder.found:
            for item in statement.items:
                call = item.item
                if not isinstance(call, cst.Call):
                    continue
                patch = _patch_call(call, self.constants, self.modules)
                if patch is None or not patch.name:
                    continue
                self.calls.append(call)
                if patch.problem:
                    self._fail(patch.problem)
                elif len(statement.items) != 1:
                    self._fail("patched in a `with` of several items")
                elif item.asname is not None:
                    self._fail("the patch's mock is named with `as`")
                elif patch.value is None:
                    self._fail("patched without a constant return_value")
                else:
                    self.withs.add(id(statement))
                    self.values.append((patch.name, patch.value))

    def apply(self, node: cst.FunctionDef) -> cst.FunctionDef:
        decorators = [d for d in node.decorators if id(d) not in self.drop_decorators]
        params = [p for p in node.params.params if p.name.value not in self.drop_params]
        if params and len(params) != len(node.params.params):
            last = params[-1]
            original_last = node.params.params[-1]
            params[-1] = last.with_changes(comma=original_last.comma)
        body = [
            s
            for s in node.body.body
            if not any(_return_value_line(s, p) != "" for p in self.drop_params)
        ]
        new = node.with_changes(
            decorators=decorators,
            params=node.params.with_changes(params=params),
            body=node.body.with_changes(body=body or [cst.SimpleStatementLine([cst.Pass()])]),
        )
        if self.withs:
            new = new.visit(_WithUnwrapper(self.withs))  # type: ignore[assignment]
        return new


class _WithFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[cst.With] = []

    def visit_With(self, node: cst.With) -> None:
        self.found.append(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False


class _WithUnwrapper(cst.CSTTransformer):
    """``with patch(...):`` blocks replaced by their bodies."""

    def __init__(self, withs: set[int]) -> None:
        super().__init__()
        self.withs = withs

    def leave_With(
        self, original_node: cst.With, updated_node: cst.With
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        if id(original_node) not in self.withs or not isinstance(
            updated_node.body, cst.IndentedBlock
        ):
            return updated_node
        body: Sequence[cst.BaseStatement] = list(updated_node.body.body)
        first = body[0]
        body = [
            first.with_changes(leading_lines=[*updated_node.leading_lines, *leading_lines(first)]),
            *body[1:],
        ]
        return cst.FlattenSentinel(body)
