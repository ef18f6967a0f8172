"""Where Python code renders a template, and whether the context it hands over carries
an entry: ``render(request, "detail.html", {"title": "y"})`` does not carry ``new_widget``,
so that template reads it as false there and cannot be folded on."""

from __future__ import annotations

import ast
from pathlib import Path

from flaglint.codemod.tree import current_texts
from flaglint.facts.parse import parse_source

SUFFIXES = frozenset({".html", ".htm", ".txt", ".jinja", ".jinja2", ".j2", ".sql", ".xml"})

RENDERS = frozenset(
    {"render", "render_to_response", "render_to_string", "TemplateResponse", "get_template"}
)


def render_without(
    root: Path, current: dict[str, bytes], name: str, templates: set[str]
) -> tuple[str, int] | None:
    """(path, line) of a call rendering one of ``templates`` (paths under the root) with a
    context that lacks ``name``: none given, a dict literal without it, or a local only
    ever bound to such dicts. A context flaglint cannot see into counts as carrying it."""
    for _, relative, text in current_texts(root, (".py",), current):
        if not any(Path(t).name.encode() in text for t in templates):
            continue
        try:
            tree = parse_source(text)
        except (SyntaxError, ValueError):
            continue
        scopes = [
            n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
        ]
        for scope in [tree, *scopes]:
            for call in _own_calls(scope):
                rendered = _rendered_template(call)
                if rendered is None or not any(
                    t == rendered or t.endswith("/" + rendered) for t in templates
                ):
                    continue
                context = _context_argument(call, rendered)
                if not _carries(context, name, scope):
                    return relative, call.lineno
    return None


def _own_calls(scope: ast.AST) -> list[ast.Call]:
    """Calls in ``scope``'s own body (not in nested functions)."""
    out: list[ast.Call] = []
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call):
            out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return out


def _rendered_template(call: ast.Call) -> str | None:
    func = call.func
    last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    if last not in RENDERS:
        return None
    for argument in [*call.args, *(k.value for k in call.keywords if k.arg == "template_name")]:
        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
            if Path(argument.value).suffix in SUFFIXES:
                return argument.value
    return None


def _context_argument(call: ast.Call, rendered: str) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg in ("context", "dictionary"):
            return keyword.value
    positional = call.args
    for index, argument in enumerate(positional):
        if isinstance(argument, ast.Constant) and argument.value == rendered:
            return positional[index + 1] if index + 1 < len(positional) else None
    return None


def _carries(context: ast.expr | None, name: str, scope: ast.AST) -> bool:
    if context is None:
        return False
    if isinstance(context, ast.Dict):
        return None in context.keys or any(
            isinstance(k, ast.Constant) and k.value == name for k in context.keys
        )
    if isinstance(context, ast.IfExp):
        return _carries(context.body, name, scope) and _carries(context.orelse, name, scope)
    if isinstance(context, ast.BoolOp):
        return all(_carries(value, name, scope) for value in context.values)
    if not isinstance(context, ast.Name):
        return True  # a call, an attribute: not seen into
    bound: list[ast.expr] = []
    for node in _own_nodes(scope):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == context.id:
                    bound.append(node.value)
                elif (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == context.id
                ):
                    return True  # ``ctx[...] = ...``: may set it
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == context.id
        ):
            return True  # ``ctx.update(...)``: may set it
    if not bound:
        return True  # a parameter or a global: not seen into
    return any(
        _carries(value, name, scope) if not isinstance(value, ast.Name) else True for value in bound
    )


def _own_nodes(scope: ast.AST) -> list[ast.AST]:
    out: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(scope))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        out.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return out
