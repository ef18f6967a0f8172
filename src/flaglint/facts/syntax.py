"""Small questions about ``ast`` expressions and statements that the collectors share."""

from __future__ import annotations

import ast
from collections.abc import Sequence

from flaglint.facts.walker import FIELDS, child_fields

EXITS = (ast.Return, ast.Raise, ast.Continue, ast.Break)


def names_in(node: ast.AST) -> list[str]:
    """The ids of every ``Name`` in ``node``, in ``ast.walk``'s order.

    A breadth-first walk like ``ast.walk`` without its generator and its
    visits of contexts and operators (which hold no names): targets and
    arguments are walked for every assignment and every call in a loop.
    """
    base = node
    while base.__class__ is ast.Attribute:  # ``self.total``: a target's usual shape
        base = base.value  # type: ignore[attr-defined]
    if base.__class__ is ast.Name:
        return [base.id]  # type: ignore[attr-defined]
    found: list[str] = []
    todo = [node]
    for item in todo:  # grows while it is read: breadth first
        kind = item.__class__
        if kind is ast.Name:
            found.append(item.id)  # type: ignore[attr-defined]
            continue
        for field in FIELDS.get(kind) or child_fields(kind):
            value = getattr(item, field, None)
            if value.__class__ is list:
                todo.extend(child for child in value if isinstance(child, ast.AST))
            elif isinstance(value, ast.AST):
                todo.append(value)
    return found


def dotted(node: ast.expr) -> str:
    """A call-chain spelling of an expression: ``ldclient.get().variation``."""
    # ``name`` and ``name.attr`` are most callees: answered without the loop.
    kind = node.__class__
    if kind is ast.Name:
        return node.id  # type: ignore[attr-defined,no-any-return]
    if kind is ast.Attribute and node.value.__class__ is ast.Name:  # type: ignore[attr-defined]
        return f"{node.value.id}.{node.attr}"  # type: ignore[attr-defined]
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            parts.append("()")
            node = node.func
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            break
        elif isinstance(node, ast.Subscript):
            parts.append("[]")
            node = node.value
        else:
            parts.append("?")
            break
    out = ""
    for part in reversed(parts):
        if part in ("()", "[]"):
            out += part
        else:
            out = f"{out}.{part}" if out else part
    return out


def plain_dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else None."""
    parts: list[str] = []
    while node.__class__ is ast.Attribute:
        parts.append(node.attr)  # type: ignore[attr-defined]
        node = node.value  # type: ignore[attr-defined]
    if node.__class__ is not ast.Name:
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def literal_arg(node: ast.expr) -> tuple[str, str] | None:
    if node.__class__ is ast.Constant:
        value = node.value  # type: ignore[attr-defined]
        kind = value.__class__  # a constant's value is never of a subclass
        if kind is bool:
            return "bool", str(value)
        if kind is str:
            return "str", value
        if kind is int:
            return "int", str(value)
        if value is None:
            return "none", "None"
    return None


def const_int(node: ast.expr) -> int | None:
    """Evaluate integer arithmetic on literals (``1 << 3``, ``0x10 | 0x01``)."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = const_int(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.BinOp):
        left, right = const_int(node.left), const_int(node.right)
        if left is None or right is None:
            return None
        op = node.op
        if isinstance(op, ast.LShift) and 0 <= right < 256:
            return left << right
        if isinstance(op, ast.BitOr):
            return left | right
        if isinstance(op, ast.Add):
            return left + right
        if isinstance(op, ast.Sub):
            return left - right
        if isinstance(op, ast.Mult):
            return left * right
    return None


# Flag values compared as strings: "0" and "off" mean off, though Python finds them truthy.
FALSY_WORDS = frozenset({"", "0", "false", "no", "off", "disabled", "none"})


def is_truthy_literal(node: ast.expr) -> bool | None:
    """How a literal compared with a flag read counts: ``== "0"`` tests for off."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            return node.value.strip().lower() not in FALSY_WORDS
        return bool(node.value)
    return None


def ends_in_exit(stmts: Sequence[ast.stmt]) -> bool:
    """The last statement of ``stmts`` leaves: ``return``, ``raise``, ``continue``, ``break``."""
    return bool(stmts) and isinstance(stmts[-1], EXITS)


def always_exits(stmts: Sequence[ast.stmt]) -> bool:
    """True when control never falls off the end of ``stmts``."""
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, EXITS):
        return True
    if isinstance(last, ast.If):
        return always_exits(last.body) and always_exits(last.orelse)
    return False


def fstring_template(node: ast.JoinedStr) -> str | None:
    """``f"{NS}.flag"`` -> ``{NS}.flag`` when every hole is a plain dotted name."""
    parts: list[str] = []
    for value in node.values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            parts.append(value.value.replace("{", "{{").replace("}", "}}"))
        elif (
            isinstance(value, ast.FormattedValue)
            and value.format_spec is None
            and value.conversion == -1
            and plain_dotted(value.value) is not None
        ):
            parts.append("{" + (plain_dotted(value.value) or "") + "}")
        else:
            return None
    return "".join(parts)


def parameters(args: ast.arguments) -> tuple[str, ...]:
    names = [a.arg for a in (*args.posonlyargs, *args.args)]
    if args.vararg:
        names.append(args.vararg.arg)
    names.extend(a.arg for a in args.kwonlyargs)
    if args.kwarg:
        names.append(args.kwarg.arg)
    return tuple(names)


def decorator_name(node: ast.expr) -> str:
    return dotted(node.func) if isinstance(node, ast.Call) else dotted(node)


def docstring(body: list[ast.stmt]) -> str:
    if body and isinstance(body[0], ast.Expr):
        value = body[0].value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return value.value.strip()[:500]
    return ""


def string_list(node: ast.expr) -> list[str]:
    if isinstance(node, (ast.List, ast.Tuple)):
        return [
            e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        ]
    return []


def is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def bitor_members(node: ast.expr) -> list[str] | None:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = bitor_members(node.left), bitor_members(node.right)
        if left is None or right is None:
            return None
        return left + right
    name = plain_dotted(node)
    return [name] if name is not None else None


# ``os.getenv("X", "").lower() == "true"``: the read is the call under these.
STRING_METHODS = frozenset({"lower", "upper", "strip", "casefold", "lstrip", "rstrip", "title"})


def string_method_receiver(node: ast.Call) -> ast.expr | None:
    """``x.lower()`` -> ``x`` for the string methods a boolean parse goes through, and
    ``str(x)`` -> ``x``: ``str(os.getenv("X", "false")).lower() == "true"`` parses X."""
    func = node.func
    kind = func.__class__
    if kind is ast.Attribute:
        if func.attr in STRING_METHODS and not node.args:  # type: ignore[attr-defined]
            return func.value  # type: ignore[attr-defined,no-any-return]
    elif (
        kind is ast.Name
        and func.id == "str"  # type: ignore[attr-defined]
        and len(node.args) == 1
        and not node.keywords
        and node.args[0].__class__ is not ast.Starred
    ):
        return node.args[0]
    return None


def is_boolean_expression(node: ast.expr) -> bool:
    """A value that can only be a boolean: a comparison, ``not x``, ``bool(x)``."""
    kind = node.__class__
    if kind is ast.Compare:
        return True
    if kind is ast.UnaryOp:
        return node.op.__class__ is ast.Not  # type: ignore[attr-defined]
    return (
        kind is ast.Call
        and node.func.__class__ is ast.Name  # type: ignore[attr-defined]
        and node.func.id == "bool"  # type: ignore[attr-defined]
        and len(node.args) == 1  # type: ignore[attr-defined]
    )


def definition_path(
    tree: ast.Module, qualname: str
) -> list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] | None:
    """The definitions ``qualname`` names, outermost first (``C.m``: the class, then the method).

    Each part must be the one function or class of that name directly in the
    body above it; None when a part is missing or defined twice.
    """
    scope: list[ast.stmt] = tree.body
    path: list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef] = []
    for part in qualname.split("."):
        matches = [
            n
            for n in scope
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and n.name == part
        ]
        if len(matches) != 1:
            return None
        path.append(matches[0])
        scope = matches[0].body
    return path


def prefixed_param(node: ast.expr, params: frozenset[str]) -> str | None:
    """``("APP_" + name, f"OLD_{name}", name)``: the parameter every element spells.

    A helper that tries a key under fixed prefixes or suffixes
    (``for key in (...): os.environ.get(key)``) reads the key its caller
    passes; the bare parameter must be one of the names tried.
    """
    if not isinstance(node, (ast.Tuple, ast.List)) or not node.elts:
        return None
    found: set[str] = set()
    bare = False
    for element in node.elts:
        if isinstance(element, ast.Name):
            found.add(element.id)
            bare = True
            continue
        parts: list[ast.expr] = []
        if isinstance(element, ast.BinOp) and isinstance(element.op, ast.Add):
            parts = [element.left, element.right]
        elif isinstance(element, ast.JoinedStr):
            parts = [
                v.value if isinstance(v, ast.FormattedValue) and v.conversion == -1 else v
                for v in element.values
                if not (isinstance(v, ast.FormattedValue) and v.format_spec is not None)
            ]
            if len(parts) != len(element.values):
                return None
        names = [p.id for p in parts if isinstance(p, ast.Name)]
        texts = [p for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str)]
        if len(names) != 1 or len(names) + len(texts) != len(parts):
            return None
        found.add(names[0])
    if not bare or len(found) != 1 or not found <= params:
        return None
    return found.pop()
