"""Comments that described the decision a flag made, once the decision is gone.

``# If the switch is active, handle both versions`` above ``if switch_is_active(X):``
says nothing true once the ``if`` is folded away. Only the comment lines right
above the folded statement (no blank line between) are judged, and only when one
of them speaks of a flag (a switch, a toggle, waffle...): a comment about what the
kept code does, or one further up, stays.
A comment counts when it names a flag and a state of it (``active``,
``enabled``, ``is on``, ``otherwise``...): "the flag check" alone is kept.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

import libcst as cst

from flaglint.facts.parse import parse_source

FLAG_WORDS = re.compile(
    r"\b(switch(es)?|flags?|waffle|toggles?|unleash|feature[- ]gate|kill[- ]switch)\b",
    re.IGNORECASE,
)

STATE_WORDS = re.compile(
    r"\b(active|inactive|enabled?|disabled?|is (on|off)|turned (on|off)|otherwise)\b",
    re.IGNORECASE,
)


def speaks_of_a_flag(text: str) -> bool:
    """A flag and its state are named: ``# If the switch is active, ...``."""
    return FLAG_WORDS.search(text) is not None and STATE_WORDS.search(text) is not None


def without_flag_comment(lines: Sequence[cst.EmptyLine]) -> list[cst.EmptyLine]:
    """``lines`` (the blank and comment lines above a statement) without the comment
    block right above it when that block speaks of a flag."""
    start = len(lines)
    while start > 0 and lines[start - 1].comment is not None:
        start -= 1
    block = lines[start:]
    if not any(line.comment is not None and speaks_of_a_flag(line.comment.value) for line in block):
        return list(lines)
    return list(lines[:start])


def stale_docstrings(
    read_lines: dict[str, set[int]],
    names: frozenset[str],
    before: dict[str, bytes],
    after: dict[str, bytes],
) -> list[tuple[str, int, str]]:
    """Functions of rewritten files whose docstring, left as it was, still describes the
    flag: it read the flag and its docstring speaks of a flag, or its docstring spells
    the key or a name of it (``names``). (path, line in ``after``, qualname)."""
    found: list[tuple[str, int, str]] = []
    for path, text in sorted(after.items()):
        lines = read_lines.get(path, set())
        old = before.get(path)
        if old is None or not path.endswith(".py"):
            continue
        try:
            tree_before, tree_after = parse_source(old), parse_source(text)
        except (SyntaxError, ValueError):
            continue
        now = dict(_documented(tree_after))
        for qualname, (node, docstring) in _documented(tree_before):
            end = getattr(node, "end_lineno", None) or node.lineno
            read = any(node.lineno <= line <= end for line in lines)
            spelled = any(re.search(rf"\b{re.escape(n)}\b", docstring) for n in names)
            if not (spelled or (read and FLAG_WORDS.search(docstring))) or qualname not in now:
                continue
            kept, kept_docstring = now[qualname]
            if kept_docstring == docstring:
                found.append((path, kept.lineno, qualname))
    return found


def _documented(
    tree: ast.Module,
) -> list[tuple[str, tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]]]:
    out: list[tuple[str, tuple[ast.FunctionDef | ast.AsyncFunctionDef, str]]] = []

    def walk(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                qualname = f"{prefix}{node.name}"
                docstring = ast.get_docstring(node)
                if docstring and not isinstance(node, ast.ClassDef):
                    out.append((qualname, (node, docstring)))
                walk(node.body, f"{qualname}.")

    walk(tree.body, "")
    return out
