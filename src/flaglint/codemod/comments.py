"""Comments that described the decision a flag made, once the decision is gone.

``# If the switch is active, handle both versions`` above ``if switch_is_active(X):``
says nothing true once the ``if`` is folded away. Only the comment lines right
above the folded statement (no blank line between) are judged, each on its own: a
line goes when it names the flag (its key or a name bound to it, as a whole token,
or a flag noun used as a noun: "the switch", "flag is", "waffle") and a state of it
(``active``, ``enabled``, ``is on``, ``otherwise``...). "The flag check" alone, a
verb ("Switch the user to their active account"), a comment about what the kept
code does, or one further up, stays.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Collection, Sequence

import libcst as cst

from flaglint.codemod.words import spells
from flaglint.facts.parse import parse_source

FLAG_WORDS = re.compile(
    r"\b(switch(es)?|flags?|waffle|toggles?|unleash|feature[- ]gate|kill[- ]switch)\b",
    re.IGNORECASE,
)
# A flag noun used as a noun: after a determiner ("the switch", "this flag"), before
# a verb of state ("flag is", "switch was"), or one that is never a verb (waffle).
FLAG_NOUNS = re.compile(
    r"\b(the|this|that|a|an|its|our|their|feature|waffle)\s+"
    r"(switch(es)?|flags?|toggles?|feature[- ]gate|kill[- ]switch)\b"
    r"|\b(switch(es)?|flags?|toggles?)\s+(is|are|was|were|isn't|aren't|stays?|being)\b"
    r"|\b(waffle|unleash|feature[- ]gates?|kill[- ]switch(es)?)\b",
    re.IGNORECASE,
)

STATE_WORDS = re.compile(
    r"\b(active|inactive|enabled?|disabled?|is (on|off)|turned (on|off)|otherwise)\b",
    re.IGNORECASE,
)


def speaks_of_a_flag(text: str, names: Collection[str] = ()) -> bool:
    """One comment line names the flag (its key or a name bound to it, a whole token, or
    a flag noun used as a noun) and a state of it: ``# If the switch is active, ...``;
    not ``# Switch the user to their active account`` (a verb)."""
    if STATE_WORDS.search(text) is None:
        return False
    return FLAG_NOUNS.search(text) is not None or spells(text, names)


def without_flag_comment(
    lines: Sequence[cst.EmptyLine], names: Collection[str] = ()
) -> list[cst.EmptyLine]:
    """``lines`` (the blank and comment lines above a statement) without the comment
    lines right above it that speak of the flag, each judged on its own (a line that
    only continues a dropped line's sentence goes with it)."""
    start = len(lines)
    while start > 0 and lines[start - 1].comment is not None:
        start -= 1
    kept = list(lines[:start])
    dropped_sentence = False
    for line in lines[start:]:
        text = line.comment.value if line.comment is not None else ""
        body = text.lstrip("#").strip()
        continues = dropped_sentence and body[:1].islower()
        if continues or speaks_of_a_flag(text, names):
            dropped_sentence = not body.endswith((".", "!", "?", ":"))
            continue
        dropped_sentence = False
        kept.append(line)
    return kept


def stale_docstrings(
    read_lines: dict[str, set[int]],
    names: Callable[[str], Collection[str]],
    before: dict[str, bytes],
    after: dict[str, bytes],
) -> list[tuple[str, int, str]]:
    """Functions of rewritten files whose docstring, left as it was, still describes the
    flag: it read the flag and its docstring speaks of a flag, or its docstring spells
    the key or a name that means it in that file (``names(path)``). (path, line in
    ``after``, qualname)."""
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
            spelled = spells(docstring, names(path))
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
