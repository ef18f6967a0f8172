"""Project wrappers around a flag read: when a call to one stands for the flag.

``def is_x_enabled(account): return client.is_enabled("x", ...)`` stands for
the flag exactly. A wrapper that does more is folded with the flag fixed, the
same rewrite as everywhere else (locals that only prepared the read's
arguments go with it); when nothing but ``return True`` (or ``False``) is
left, its calls are the flag too. Otherwise the reason names what is left.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping

from flaglint.codemod.logging_only import (
    blocking_statement,
    constant_result,
    logger_names,
    without_logging,
)
from flaglint.facts.model import FileFacts
from flaglint.facts.parse import parse_source
from flaglint.facts.syntax import definition_path, dotted
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


def fixed_state(sides: Mapping[str, bool]) -> str:
    """How the report says what the flags are fixed to: ``the flag on``, ``the flags off``."""
    values = set(sides.values())
    if len(sides) == 1:
        return f"the flag {'on' if values.pop() else 'off'}"
    if len(values) == 1:
        return f"the flags {'on' if values.pop() else 'off'}"
    return "the flags fixed"


def wrapper_verdict(
    project: Project, target: str, sides: Mapping[str, bool], fold: Fold | None = None
) -> tuple[bool, bool] | str:
    """(truth, exact) of a call to wrapper ``target``, or why it is not certain.

    ``sides`` maps each key removed to the value it keeps (True: on).
    """
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
        verdict = _returns_verdict(project, facts, function, target, sides)
        if isinstance(verdict, str) and fold is not None:
            state = fixed_state(sides)
            return _folded_verdict(facts.path, qualname, target, state, fold, verdict)
        return verdict
    return f"cannot find wrapper {target}"


def _returns_verdict(
    project: Project,
    facts: FileFacts,
    function: ast.FunctionDef | ast.AsyncFunctionDef,
    target: str,
    sides: Mapping[str, bool],
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
        if read is None or read.key not in sides or read.provider.startswith("wrapper:"):
            return not_exact
        truth = (sides[read.key] != read.negated) != (flips % 2 == 1)
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
    path: str, qualname: str, target: str, state: str, fold: Fold, reason: str
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
    loggers = logger_names(tree)
    value = constant_result(function, loggers)
    if value is not None:
        return value, True
    body = without_logging(list(function.body), loggers)
    doing = blocking_statement(function, loggers)
    if isinstance(doing, ast.If) and not doing.orelse and isinstance(doing.body[0], ast.Return):
        # ``if not org_id: return False``: a guard the flag does not decide.
        value = doing.body[0].value
        return (
            f"wrapper {target} does more than return the flag: with {state} it "
            f"still returns {ast.unparse(value) if value else 'None'} when "
            f"`{ast.unparse(doing.test)[:60]}`"
        )
    if doing is not None:
        return (
            f"wrapper {target} does more than return the flag: with {state} it "
            f"still runs `{ast.unparse(doing).splitlines()[0][:60]}`"
        )
    returned = next((s for s in body if isinstance(s, ast.Return)), None)
    what = ast.unparse(returned.value) if returned is not None and returned.value else "None"
    return f"wrapper {target} does more than return the flag: with {state} it returns {what}"


def find_function(tree: ast.Module, qualname: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The one function named ``qualname`` (``Class.method``) at the top of ``tree``."""
    path = definition_path(tree, qualname)
    if not path or not all(isinstance(n, ast.ClassDef) for n in path[:-1]):
        return None
    found = path[-1]
    return found if isinstance(found, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


def derived_wrappers(
    project: Project, sides: Mapping[str, bool], folded: dict[str, bytes]
) -> dict[str, tuple[bool | None, str]]:
    """Functions that read a key of ``sides`` and return it, unknown to the inventory as wrappers.

    ``res = client.is_enabled(KEY, ctx); if res: log(...); return res``: each
    is judged on its rewritten file (``folded``, by path). A function left as
    ``return True`` (or False) stands for the flag: (truth, ""). One that
    returns the flag but still does something else: (None, why).
    """
    known = {r.provider.removeprefix("wrapper:") for r in project.inventory.reads}
    found: dict[str, tuple[bool | None, str]] = {}
    state = fixed_state(sides)
    if len(sides) == 1:
        state = "it " + state.rpartition(" ")[2]
    for path, after in sorted(folded.items()):
        facts = project.by_path.get(path)
        if facts is None or facts.error is not None or not facts.definitions:
            continue
        starts = {
            (r.line, r.column - 1)
            for r in project.inventory.reads
            if r.key in sides and r.path == path
        }
        lines = [line for line, _ in starts]
        try:
            tree_after = parse_source(after)
            tree_before = parse_source((project.config.root / path).read_bytes())
        except (OSError, SyntaxError, ValueError):
            continue
        for definition in facts.definitions:
            target = f"{facts.module}.{definition.qualname}"
            if definition.kind == "class" or target in known:
                continue
            if not any(definition.line <= line <= definition.end_line for line in lines):
                continue
            original = find_function(tree_before, definition.qualname)
            if original is None or not _returns_its_read(original, starts):
                continue
            function = find_function(tree_after, definition.qualname)
            if function is None:
                continue
            loggers = logger_names(tree_after)
            value = constant_result(function, loggers)
            if value is not None:
                found[target] = (value, "")
                continue
            doing = blocking_statement(function, loggers)
            where = f"; it still runs: {ast.unparse(doing)[:60]}" if doing is not None else ""
            found[target] = (
                None,
                f"wrapper {target} does more than return the flag with {state}{where}",
            )
    return found


def _returns_its_read(
    function: ast.FunctionDef | ast.AsyncFunctionDef, starts: set[tuple[int, int]]
) -> bool:
    """Every ``return`` gives back a read of the flag itself, or a local bound to one.

    ``return context`` where ``context = {"switch": READ, ...}`` is not a wrapper.
    """
    bound: set[str] = set()
    nodes = own_nodes(function)
    for node in nodes:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and _is_read(node.value, starts)
        ):
            bound.add(node.targets[0].id)
    returns = [n for n in nodes if isinstance(n, ast.Return)]
    if not returns:
        return False
    for node in returns:
        value = node.value
        if isinstance(value, ast.Name) and value.id in bound:
            continue
        if value is not None and _is_read(value, starts):
            continue
        return False
    return True


def _is_read(node: ast.AST, starts: set[tuple[int, int]]) -> bool:
    """The read itself, or ``not``/``bool()``/``await`` of it."""
    while True:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            node = node.operand
        elif isinstance(node, ast.Await):
            node = node.value
        elif isinstance(node, ast.Call) and dotted(node.func) == "bool" and len(node.args) == 1:
            node = node.args[0]
        else:
            break
    return isinstance(node, ast.Call) and (node.lineno, node.col_offset) in starts


def calling_files(project: Project, targets: dict[str, tuple[bool | None, str]]) -> list[str]:
    """Paths with a call that resolves to one of ``targets``."""
    names = {t.rpartition(".")[2] for t in targets}
    found: set[str] = set()
    resolver = project.inventory.resolver
    for facts in project.files:
        if facts.error is not None:
            continue
        for call in facts.calls:
            if call.callee.rpartition(".")[2] in names and (
                resolver.call_target(facts, call) in targets
            ):
                found.add(facts.path)
                break
    return sorted(found)
