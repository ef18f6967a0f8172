"""Project wrappers around a flag read: when a call to one stands for the flag.

``def is_x_enabled(account): return client.is_enabled("x", ...)`` stands for
the flag exactly. A wrapper that does more is folded with the flag fixed, the
same rewrite as everywhere else (locals that only prepared the read's
arguments go with it); when nothing but ``return True`` (or ``False``) is
left, its calls are the flag too. Otherwise the reason names what is left.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from flaglint.facts.model import FileFacts
from flaglint.facts.parse import parse_source
from flaglint.facts.syntax import dotted
from flaglint.project import Project

# Rewrites one file with the flag fixed: its path -> the new bytes, or None when
# the rewrite left something in it for a human (or is already under way).
Fold = Callable[[str], "bytes | None"]

# Reads whose result is exactly True or False, so a literal can replace them anywhere.
BOOLEAN_METHODS = frozenset(
    {
        "is_enabled",
        "flag_is_active",
        "switch_is_active",
        "sample_is_active",
        "flag_enabled",
        "flag_disabled",
        "is_feature_enabled",
        "is_on",
        "is_off",
        "isOn",
        "isOff",
        "feature_enabled",
        "get_boolean_value",
        "get_boolean_value_async",
    }
)


def wrapper_verdict(
    project: Project, target: str, key: str, keep_on: bool, fold: Fold | None = None
) -> tuple[bool, bool] | str:
    """(truth, exact) of a call to wrapper ``target``, or why it is not certain."""
    for facts in project.files:
        if facts.error is not None or not target.startswith(facts.module + "."):
            continue
        qualname = target[len(facts.module) + 1 :]
        definition = next(
            (d for d in facts.definitions if d.qualname == qualname and d.kind != "class"), None
        )
        if definition is None:
            continue
        try:
            tree = parse_source((project.config.root / facts.path).read_bytes())
        except (OSError, SyntaxError, ValueError):
            return f"cannot read wrapper {target}"
        function = next(
            (
                n
                for n in ast.walk(tree)
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                and n.lineno == definition.line
            ),
            None,
        )
        if function is None:
            return f"cannot find wrapper {target}"
        verdict = _returns_verdict(project, facts, function, target, key, keep_on)
        if isinstance(verdict, str) and fold is not None:
            return _folded_verdict(facts.path, qualname, target, keep_on, fold, verdict)
        return verdict
    return f"cannot find wrapper {target}"


def _returns_verdict(
    project: Project,
    facts: FileFacts,
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    target: str,
    key: str,
    keep_on: bool,
) -> tuple[bool, bool] | str:
    not_exact = f"wrapper {target} does more than return the flag"
    if not function.body or not isinstance(function.body[-1], ast.Return):
        return not_exact
    verdicts: set[tuple[bool, bool]] = set()
    for node in own_nodes(function):
        if not isinstance(node, ast.Return):
            continue
        value, flips, wrapped = node.value, 0, False
        while True:
            if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not):
                value, flips, wrapped = value.operand, flips + 1, True
            elif (
                isinstance(value, ast.Call)
                and dotted(value.func) == "bool"
                and len(value.args) == 1
            ):
                value, wrapped = value.args[0], True
            else:
                break
        if not isinstance(value, ast.Call):
            return not_exact
        callee = dotted(value.func)
        index = next(
            (
                i
                for i, c in enumerate(facts.calls)
                if (c.line, c.col, c.callee) == (value.lineno, value.col_offset, callee)
            ),
            None,
        )
        read = None if index is None else project.inventory.call_read(facts, index)
        if read is None or read.key != key or read.provider.startswith("wrapper:"):
            return not_exact
        truth = (keep_on != read.negated) != (flips % 2 == 1)
        exact = wrapped or callee.rpartition(".")[2] in BOOLEAN_METHODS
        verdicts.add((truth, exact))
    if len(verdicts) != 1:
        return not_exact
    return verdicts.pop()


SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def own_nodes(function: ast.AST) -> list[ast.AST]:
    """Nodes of a function body, not descending into nested scopes."""
    out: list[ast.AST] = []
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        out.append(node)
        if not isinstance(node, SCOPES):
            stack.extend(ast.iter_child_nodes(node))
    return out


def _folded_verdict(
    path: str, qualname: str, target: str, keep_on: bool, fold: Fold, reason: str
) -> tuple[bool, bool] | str:
    """What the wrapper returns once its own file is rewritten with the flag fixed."""
    after = fold(path)
    if after is None:
        return reason
    try:
        tree = parse_source(after)
    except (SyntaxError, ValueError):
        return reason
    function = find_function(tree, qualname)
    if function is None:
        return reason
    body = list(function.body)
    if body and _docstring(body[0]):
        body = body[1:]
    state = "on" if keep_on else "off"
    if len(body) == 1 and isinstance(body[0], ast.Return):
        value = body[0].value
        if isinstance(value, ast.Constant) and isinstance(value.value, bool):
            return value.value, True
    doing = next((s for s in body if not isinstance(s, ast.Return)), None)
    if doing is not None:
        return (
            f"wrapper {target} does more than return the flag: with the flag {state} it "
            f"still runs line {doing.lineno} of the rewritten {path}"
        )
    returned = next((s for s in body if isinstance(s, ast.Return)), None)
    what = ast.unparse(returned.value) if returned is not None and returned.value else "None"
    return (
        f"wrapper {target} does more than return the flag: with the flag {state} it returns {what}"
    )


def find_function(tree: ast.Module, qualname: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The one function named ``qualname`` (``Class.method``) at the top of ``tree``."""
    scope: list[ast.stmt] = tree.body
    parts = qualname.split(".")
    found: ast.AST | None = None
    for index, part in enumerate(parts):
        matches = [
            n
            for n in scope
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and n.name == part
        ]
        if len(matches) != 1:
            return None
        found = matches[0]
        if index + 1 < len(parts):
            if not isinstance(found, ast.ClassDef):
                return None
            scope = found.body
    return found if isinstance(found, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def _docstring(statement: ast.stmt) -> bool:
    return (
        isinstance(statement, ast.Expr)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
    )
