"""A project's own test helper that sets a flag, recognised by what its body does.

``def toggle_switch(name, active=True)`` in a test package, whose body creates or
updates django-waffle's model for its ``name`` parameter with its ``active``
parameter (``Switch.objects.get_or_create(name=name, defaults={"active": active})``,
``switch.active = active``, ``.update(active=active)``), or hands both
parameters to waffle's or Open edX's override helpers, sets the flag its first
argument names to the value its second gives. Only functions in test-side files
count, and only top-level ones: a call to one with the removed flag's key can
then be edited like ``override_switch`` (see ``overrides``).

The helper's name says nothing here: a look-alike that does something else (or
nothing) is not a setter, and its calls stay for a human.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from flaglint.callgraph.roots import matches
from flaglint.codemod.imports import from_imports
from flaglint.codemod.patches import _dotted
from flaglint.facts.parse import parse_source
from flaglint.facts.syntax import dotted

# django-waffle's models, and the ``Model.objects`` methods that create or select a row.
MODELS = frozenset({"Switch", "Flag", "Sample"})
MANAGER_METHODS = frozenset({"get_or_create", "update_or_create", "create", "filter", "get"})
# Fields of those models that say whether the flag is on.
VALUE_FIELDS = frozenset({"active", "everyone"})
OVERRIDES = frozenset(
    {
        "override_switch",
        "override_flag",
        "override_sample",
        "override_waffle_flag",
        "override_waffle_switch",
    }
)


@dataclass(frozen=True)
class Setter:
    """Where a setter takes the flag's name and value, and the value's default."""

    name_index: int
    name_param: str
    value_index: int
    value_param: str
    default: bool | None  # the value parameter's literal default, None when none
    # It returns waffle's override (a decorator or a ``with``), rather than setting the flag.
    factory: bool = False


def is_test_path(path: str, tests: Sequence[str]) -> bool:
    """A test module: a path the project's ``tests`` globs match (as the call graph
    decides it), never a production module whose name merely starts with ``test``."""
    return matches(path, tuple(tests))


def setter_of(function: ast.FunctionDef | ast.AsyncFunctionDef) -> Setter | None:
    """The setter ``function`` is, or None when its body does not set a flag from its
    parameters."""
    if function.args.vararg or function.args.kwarg:
        return None
    params = [a.arg for a in [*function.args.posonlyargs, *function.args.args]]
    names: set[str] = set()
    value_param = ""
    factory = False
    rows = _model_rows(function)
    for node in _own_nodes(function):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Call):
            # ``return override_switch(name, active)``: used as a decorator or a ``with``.
            found = _override_call(node.value, params)
            if found is not None:
                factory = True
                names.add(found[0])
                value_param = found[1]
        elif isinstance(node, ast.Call):
            found = _model_write(node, params)
            if found is None and isinstance(node.func, ast.Attribute):
                if node.func.attr == "enable" and isinstance(node.func.value, ast.Call):
                    # ``override_switch(name, active).enable()`` sets it until disabled.
                    found = _override_call(node.func.value, params)
            if found is None:
                # ``Switch.objects.filter(name=name).update(active=active)``
                value_param = _value_keyword(node, params) or value_param
                continue
            names.add(found[0])
            value_param = found[1] or value_param
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if (
                    isinstance(target, ast.Attribute)
                    and target.attr in VALUE_FIELDS
                    and isinstance(target.value, ast.Name)
                    and target.value.id in rows
                    and isinstance(node.value, ast.Name)
                    and node.value.id in params
                ):
                    # ``switch.active = active`` on the row the model call gave, only.
                    value_param = node.value.id
    if len(names) != 1:
        return None
    name_param = names.pop()
    if not name_param or not value_param or name_param == value_param:
        return None
    defaults = function.args.defaults
    offset = len(params) - len(defaults)
    index = params.index(value_param)
    default = None
    if index >= offset:
        literal = defaults[index - offset]
        if isinstance(literal, ast.Constant) and isinstance(literal.value, bool):
            default = literal.value
    return Setter(params.index(name_param), name_param, index, value_param, default, factory)


def _model_rows(function: ast.AST) -> set[str]:
    """Locals bound to a waffle model's row: ``switch = Switch.objects.get(...)``,
    ``switch, _ = Switch.objects.get_or_create(...)``."""
    rows: set[str] = set()
    for node in _own_nodes(function):
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
            continue
        parts = dotted(node.value.func).split(".")
        if len(parts) < 3 or parts[-3] not in MODELS or parts[-2] != "objects":
            continue
        for target in node.targets:
            first = target.elts[0] if isinstance(target, ast.Tuple) and target.elts else target
            if isinstance(first, ast.Name):
                rows.add(first.id)
    return rows


def _model_write(call: ast.Call, params: list[str]) -> tuple[str, str] | None:
    """(name parameter, value parameter or "") of ``Switch.objects.<method>(name=p, ...)``."""
    func = dotted(call.func)
    parts = func.split(".") if func else []
    if len(parts) < 3 or parts[-3] not in MODELS or parts[-2] != "objects":
        return None
    if parts[-1] not in MANAGER_METHODS:
        return None
    name = next(
        (k.value.id for k in call.keywords if k.arg == "name" and isinstance(k.value, ast.Name)),
        "",
    )
    if name not in params:
        return None
    value = ""
    for keyword in call.keywords:
        if keyword.arg in VALUE_FIELDS and isinstance(keyword.value, ast.Name):
            value = keyword.value.id
        elif keyword.arg == "defaults" and isinstance(keyword.value, ast.Dict):
            for k, v in zip(keyword.value.keys, keyword.value.values, strict=True):
                if (
                    isinstance(k, ast.Constant)
                    and k.value in VALUE_FIELDS
                    and isinstance(v, ast.Name)
                ):
                    value = v.id
    return name, value if value in params else ""


def _value_keyword(call: ast.Call, params: list[str]) -> str:
    """The parameter a waffle model's query chain sets the value from, else ""."""
    parts = set(dotted(call.func).split("."))
    if "objects" not in parts or not parts & MODELS:
        return ""
    return next(
        (
            k.value.id
            for k in call.keywords
            if k.arg in VALUE_FIELDS and isinstance(k.value, ast.Name) and k.value.id in params
        ),
        "",
    )


def _override_call(call: ast.Call, params: list[str]) -> tuple[str, str] | None:
    """(name parameter, value parameter) of ``override_switch(p, active=q)`` and the like."""
    func = dotted(call.func)
    if not func or func.rpartition(".")[2] not in OVERRIDES:
        return None
    positional = [a for a in call.args if not isinstance(a, ast.Starred)]
    keywords = {k.arg: k.value for k in call.keywords if k.arg is not None}
    first = positional[0] if positional else keywords.get("name")
    second = positional[1] if len(positional) > 1 else keywords.get("active")
    if not (isinstance(first, ast.Name) and isinstance(second, ast.Name)):
        return None
    if first.id not in params or second.id not in params:
        return None
    return first.id, second.id


def _own_nodes(function: ast.AST) -> list[ast.AST]:
    out: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        out.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return out


class SetterFinder:
    """Setters by where they are defined, each module read once."""

    def __init__(
        self,
        root: Path,
        modules: Mapping[str, str],
        current: Mapping[str, bytes],
        tests: Sequence[str],
    ):
        self.root = root
        self.tests = tuple(tests)
        self.modules = modules
        self.current = current
        self._found: dict[str, dict[str, Setter]] = {}

    def in_module(self, module: str) -> dict[str, Setter]:
        """The top-level setters of ``module`` (a dotted name), by function name."""
        if module not in self._found:
            path = self.modules.get(module)
            self._found[module] = (
                self._read(path) if path and is_test_path(path, self.tests) else {}
            )
        return self._found[module]

    def in_text(self, path: str, text: bytes) -> dict[str, Setter]:
        return self._setters(text) if is_test_path(path, self.tests) else {}

    def _read(self, path: str) -> dict[str, Setter]:
        text = self.current.get(path)
        if text is None:
            try:
                text = (self.root / path).read_bytes()
            except OSError:
                return {}
        return self._setters(text)

    @staticmethod
    def _setters(text: bytes) -> dict[str, Setter]:
        if b"def " not in text:
            return {}
        try:
            tree = parse_source(text)
        except (SyntaxError, ValueError):
            return {}
        found: dict[str, Setter] = {}
        for statement in tree.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                setter = setter_of(statement)
                if setter is not None:
                    found[statement.name] = setter
        return found


def setter_names(
    module: cst.Module, path: str, text: bytes, finder: SetterFinder, modules: Mapping[str, str]
) -> dict[str, Setter]:
    """The project's setter helpers ``module`` defines or imports, by local name."""
    found = dict(finder.in_text(path, text))
    own = next((m for m, p in modules.items() if p == path), "")
    package = own if path.endswith("__init__.py") else own.rpartition(".")[0]
    for small, alias in from_imports(module):
        source = _dotted(small.module) if small.module is not None else ""
        if small.relative:
            base = package
            for _ in range(len(small.relative) - 1):
                base = base.rpartition(".")[0]
            source = ".".join(p for p in (base, source) if p)
        name = _dotted(alias.name)
        setter = finder.in_module(source).get(name)
        if setter is None:
            # ``from package import module`` is not a function.
            continue
        asname = alias.asname.name if alias.asname is not None else None
        found[asname.value if isinstance(asname, cst.Name) else name] = setter
    return found
