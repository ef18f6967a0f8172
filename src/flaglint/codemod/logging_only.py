"""What a function returns once logging is set aside: ``return True`` behind ``LOG.info``.

A wrapper that logs the flag's value (``result = client.is_enabled(KEY, ctx);
LOG.info(f"{KEY}: {result}"); return result``) still stands for the flag: a log
line is not behaviour a removal must keep. Logging calls (``LOG.info``,
``logger.debug``, ``logging.warning``...: a receiver whose name has a whole word
``log``/``logger``/``logging``, or a name bound from ``getLogger``; not ``dialog``) whose
arguments call nothing but ``str``/``repr``/``len``/``bool``/``format`` are set aside,
as are locals bound to side-effect-free values; what is left must be a single
``return`` of a boolean literal (or of a local bound to one), after guards
(``if not org_id: return False``) that return the same literal.
"""

from __future__ import annotations

import ast
import re

from flaglint.facts.syntax import dotted

LOG_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
)
HARMLESS_CALLS = frozenset({"str", "repr", "len", "bool", "format", "int", "float"})


LOG_WORDS = frozenset({"log", "logger", "logging"})


def logger_names(tree: ast.Module) -> frozenset[str]:
    """Names the module binds to ``logging.getLogger(...)`` (``audit = getLogger(...)``)."""
    found: set[str] = set()
    for statement in tree.body:
        if not (isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Call)):
            continue
        if dotted(statement.value.func).split(".")[-1] != "getLogger":
            continue
        found.update(t.id for t in statement.targets if isinstance(t, ast.Name))
    return frozenset(found)


def is_logger(receiver: str, loggers: frozenset[str] = frozenset()) -> bool:
    """``receiver`` (a dotted name) is a logger: its last part is a name bound from
    ``getLogger``, or has a whole word ``log``/``logger``/``logging`` (split on ``_`` and
    on case: ``LOG``, ``_logger``, ``audit_log``, ``eventLogger``); ``dialog``, ``catalog``
    and ``blog`` are not."""
    last = receiver.split(".")[-1]
    if last in loggers or receiver in loggers:
        return True
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", last)
    return any(word.lower() in LOG_WORDS for word in words)


def is_log_statement(statement: ast.stmt, loggers: frozenset[str] = frozenset()) -> bool:
    """``LOG.info(f"...")`` alone on its line, calling nothing else."""
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return False
    call = statement.value
    if not (isinstance(call.func, ast.Attribute) and call.func.attr in LOG_METHODS):
        return False
    if not is_logger(dotted(call.func.value), loggers):
        return False
    arguments = [*call.args, *(k.value for k in call.keywords)]
    return all(_harmless(a) for a in arguments)


def _harmless(node: ast.AST) -> bool:
    """Evaluating ``node`` calls nothing but a few builtins."""
    for child in ast.walk(node):
        if isinstance(child, ast.Call):
            if not (isinstance(child.func, ast.Name) and child.func.id in HARMLESS_CALLS):
                return False
        elif isinstance(child, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr, ast.Lambda)):
            return False
    return True


def _plain(test: ast.expr) -> bool:
    """A guard's test made of names and literals only: ``not org_id``, ``x is None``."""
    allowed = (ast.Name, ast.Constant, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.expr_context)
    operators = (ast.Not, ast.And, ast.Or, ast.Is, ast.IsNot, ast.Eq, ast.NotEq)
    return all(isinstance(n, (*allowed, *operators)) for n in ast.walk(test))


def without_logging(body: list[ast.stmt], loggers: frozenset[str] = frozenset()) -> list[ast.stmt]:
    """``body`` without its docstring and its logging statements."""
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    return [s for s in body if not is_log_statement(s, loggers)]


def blocking_statement(
    function: ast.FunctionDef | ast.AsyncFunctionDef, loggers: frozenset[str] = frozenset()
) -> ast.stmt | None:
    """The first statement, logging set aside, that is more than a harmless local."""
    for statement in without_logging(list(function.body), loggers):
        if isinstance(statement, ast.Return):
            continue
        if (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and _harmless(statement.value)
        ):
            continue
        return statement
    return None


def constant_result(
    function: ast.FunctionDef | ast.AsyncFunctionDef, loggers: frozenset[str] = frozenset()
) -> bool | None:
    """The boolean ``function`` always returns, logging set aside; None when not certain."""
    statements = without_logging(list(function.body), loggers)
    if not statements or not isinstance(statements[-1], ast.Return):
        return None
    known: dict[str, bool | None] = {}
    early: set[bool | None] = set()
    for statement in statements[:-1]:
        if (
            isinstance(statement, ast.If)
            and not statement.orelse
            and _plain(statement.test)
            and len(statement.body) == 1
            and isinstance(statement.body[0], ast.Return)
            and statement.body[0].value is not None
        ):
            # ``if not org_id: return False`` before ``return False``: the same either way.
            early.add(_value(statement.body[0].value, known))
            continue
        if not (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and _harmless(statement.value)
        ):
            return None
        known[statement.targets[0].id] = _value(statement.value, known)
    returned = statements[-1].value
    value = None if returned is None else _value(returned, known)
    return value if early <= {value} else None


def _value(node: ast.expr, known: dict[str, bool | None]) -> bool | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Name):
        return known.get(node.id)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "bool"
        and len(node.args) == 1
        and not node.keywords
    ):
        inner = node.args[0]
        if isinstance(inner, ast.Constant) and isinstance(inner.value, bool):
            return inner.value
        return known.get(inner.id) if isinstance(inner, ast.Name) else None
    return None
