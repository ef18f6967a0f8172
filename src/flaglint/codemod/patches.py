"""Recognising ``patch(...)`` of a now-constant wrapper, and what dropping it takes.

``FunctionPlan`` reads one test function: which of its decorators and
``with`` statements patch a wrapper, what each makes it return (``return_value=``
or the injected mock's ``return_value = ...`` line), and the parameter each
injects. ``patched_tests`` decides from that whether to edit or delete the test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from flaglint.codemod.transform import leading_lines


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


def patch_call(
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


class FunctionPlan:
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
            patch = patch_call(call, constants, modules) if isinstance(call, cst.Call) else None
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
                patch = patch_call(call, self.constants, self.modules)
                if patch is None or not patch.name:
                    continue
                self.calls.append(call)
                if patch.problem:
                    self._fail(patch.problem)
                elif item.asname is not None:
                    self._fail("the patch's mock is named with `as`")
                elif patch.value is None:
                    self._fail("patched without a constant return_value")
                else:
                    # One item of several: only that item goes, the others stay.
                    self.withs.add(id(statement) if len(statement.items) == 1 else id(item))
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
    """``with patch(...):`` blocks replaced by their bodies; items of ``withs`` dropped."""

    def __init__(self, withs: set[int]) -> None:
        super().__init__()
        self.withs = withs

    def leave_With(
        self, original_node: cst.With, updated_node: cst.With
    ) -> cst.BaseStatement | cst.FlattenSentinel[cst.BaseStatement]:
        if any(id(item) in self.withs for item in original_node.items):
            items = [
                new
                for old, new in zip(original_node.items, updated_node.items, strict=True)
                if id(old) not in self.withs
            ]
            if items:
                items[-1] = items[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                return updated_node.with_changes(items=items)
            # Every item went: the block stands alone.
            self.withs.add(id(original_node))
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
