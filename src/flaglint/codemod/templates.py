"""The flag's value handed to a template: the template's condition folded, the entry dropped.

``context["new_widget"] = waffle.switch_is_active("new_widget")`` becomes
``context["new_widget"] = True`` in the rewrite. When every template under the
root that reads ``new_widget`` does so only in simple blocks,
``{% if new_widget %}...{% else %}...{% endif %}`` or ``{% if not new_widget %}``,
those blocks are folded and the context entry goes. Anything else (an
``elif``, a compound condition, ``{{ new_widget }}``, Python code that reads the
entry back) leaves both the templates and the entry as they are, for a human.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from flaglint.codemod.renders import SUFFIXES, render_without
from flaglint.codemod.transform import sole_assignment
from flaglint.codemod.tree import current_texts
from flaglint.codemod.unused import invert_emptied
from flaglint.facts.parse import parse_source

TAG = re.compile(rb"\{%-?\s*(if|elif|else|endif)\b(.*?)-?%\}", re.S)
# Where a template can read a variable; text outside these is printed as it is.
CODE = re.compile(rb"\{\{.*?\}\}|\{%.*?%\}", re.S)


@dataclass(frozen=True, order=True)
class TemplateNote:
    """A template (or context entry) left as it is, and why."""

    path: str
    line: int
    reason: str


def folded_entries(before: dict[str, bytes], after: dict[str, bytes]) -> dict[str, bool]:
    """Context names the rewrite turned into a literal: ``context["x"] = True``, ``{"x": True}``.

    A name counts when, in some rewritten file, it had an entry holding an
    expression before and every entry of that name holds one literal after.
    """
    found: dict[str, set[bool]] = {}
    for path, text in after.items():
        old = before.get(path)
        if old is None:
            continue
        was, now = _entries(old), _entries(text)
        for name, values in now.items():
            if None in was.get(name, [True]) and values and None not in values:
                found.setdefault(name, set()).update(v for v in values if v is not None)
    return {name: values.pop() for name, values in found.items() if len(values) == 1}


def conditional_entries(before: dict[str, bytes], after: dict[str, bytes]) -> list[TemplateNote]:
    """Entries the rewrite made ``True`` on some paths only (``{"x": True} if staff else
    {...}``): their templates are kept, and each is named for a human."""
    notes: list[TemplateNote] = []
    for path, text in sorted(after.items()):
        old = before.get(path)
        if old is None or not path.endswith(".py"):
            continue
        # Only the entries the rewrite made True: one set so in the original stays quiet.
        was: dict[str, list[int]] = {}
        _entries(old, was)
        found: dict[str, list[int]] = {}
        _entries(text, found)
        for name, lines in sorted(found.items()):
            if len(lines) > len(was.get(name, [])):
                line = lines[0]
                reason = (
                    f"sets {name} to True on some paths only; "
                    "the entry and its templates kept (elsewhere they read it as false)"
                )
                notes.append(TemplateNote(path, line, reason))
    return notes


def _entries(
    text: bytes, conditional_true: dict[str, list[int]] | None = None
) -> dict[str, list[bool | None]]:
    """Per string key: the literal each entry holds (None for anything else);
    ``conditional_true`` collects the lines where a key is set to True on some paths only."""
    try:
        tree = parse_source(text)
    except (SyntaxError, ValueError):
        return {}
    out: dict[str, list[bool | None]] = {}
    # An entry set to True only on some paths (``if staff: ctx["x"] = True``, a dict
    # chosen by ``... if staff else ...`` or ``or``) is not the template's constant:
    # where it is not set, the template reads it as false.
    conditional = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(
            node,
            (
                ast.If,
                ast.For,
                ast.While,
                ast.Try,
                ast.Match,
                ast.IfExp,
                ast.BoolOp,
                ast.comprehension,
            ),
        )
        for child in ast.walk(node)
    }

    def add(key: ast.expr | None, value: ast.expr) -> None:
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            literal = value.value if isinstance(value, ast.Constant) else None
            if literal is True and id(value) in conditional:
                literal = None
                if conditional_true is not None:
                    conditional_true.setdefault(key.value, []).append(value.lineno)
            out.setdefault(key.value, []).append(literal if isinstance(literal, bool) else None)

    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                add(key, value)
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Subscript):
                add(target.slice, node.value)
    return out


def fold_template(text: bytes, name: str, value: bool) -> bytes | None:
    """``text`` with the simple ``{% if name %}`` blocks folded; None when one is not simple."""
    word = re.compile(rb"\b" + re.escape(name.encode()) + rb"\b")
    for _ in range(100):
        block = _first_block(text, name)
        if block is None:
            break
        if isinstance(block, str):
            return None
        text = _fold(text, block, value)
    if read_in_code(text, word):
        return None  # read some other way: {{ name }}, a filter, a compound condition
    return text


def read_in_code(text: bytes, word: re.Pattern[bytes]) -> re.Match[bytes] | None:
    """The first spelling of ``word`` inside a tag: ``'beta'`` in SQL text reads nothing."""
    for code in CODE.finditer(text):
        match = word.search(text, code.start(), code.end())
        if match is not None:
            return match
    return None


@dataclass(frozen=True)
class _Block:
    negated: bool
    opening: tuple[int, int]
    middle: tuple[int, int] | None  # the ``else`` tag
    closing: tuple[int, int]


def _first_block(text: bytes, name: str) -> _Block | str | None:
    """The first ``if`` block on ``name`` alone; a reason when one reads it otherwise."""
    stack: list[list[object]] = []
    for match in TAG.finditer(text):
        kind = match.group(1)
        condition = match.group(2).strip().decode("utf-8", "replace")
        if kind == b"if":
            stack.append([condition, match.span(), None, False])
        elif kind in (b"elif", b"else") and stack:
            if kind == b"elif":
                stack[-1][3] = True
            else:
                stack[-1][2] = match.span()
        elif kind == b"endif" and stack:
            condition, opening, middle, has_elif = stack.pop()
            assert isinstance(condition, str)
            words = condition.split()
            if words not in ([name], ["not", name]):
                continue
            if has_elif:
                return "an elif"
            return _Block(len(words) == 2, opening, middle, match.span())  # type: ignore[arg-type]
    return None


def _fold(text: bytes, block: _Block, value: bool) -> bytes:
    """The block replaced by the branch that runs; a tag alone on its line takes the line."""
    opening = _line_span(text, block.opening)
    closing = _line_span(text, block.closing)
    middle = _line_span(text, block.middle) if block.middle else None
    if value != block.negated:
        kept = text[opening[1] : middle[0] if middle else closing[0]]
    elif middle:
        kept = text[middle[1] : closing[0]]
    else:
        kept = b""
    start, end = opening[0], closing[1]
    if not kept.strip():
        # A whole block alone on its line, now empty, takes the line.
        start, end = _line_span(text, (start, end))
        kept = b"" if (start, end) != (opening[0], closing[1]) else kept
    # Inline, the text around the block stays byte for byte: what renders does not change.
    return text[:start] + kept + text[end:]


def _line_span(text: bytes, span: tuple[int, int]) -> tuple[int, int]:
    """The tag's span, widened to its whole line when nothing else is on it."""
    line_start = text.rfind(b"\n", 0, span[0]) + 1
    line_end = text.find(b"\n", span[1])
    line_end = len(text) if line_end < 0 else line_end + 1
    if text[line_start : span[0]].strip() or text[span[1] : line_end].strip():
        return span
    return line_start, line_end


def fold_templates(
    root: Path, names: dict[str, bool], python: dict[str, bytes] | None = None
) -> tuple[dict[str, bytes], set[str], list[TemplateNote]]:
    """Templates folded per name, the names folded everywhere, and what was left.

    ``python`` holds the rewritten Python files: a template some code renders without
    the entry (``render(request, "detail.html", {"title": "y"})``, another return of the
    view or another view) reads it as false there, so it is not folded.
    """
    if not names:
        return {}, set(), []
    texts: dict[str, bytes] = {}
    for _, relative, text in current_texts(root, SUFFIXES):
        if any(name.encode() in text for name in names):
            texts[relative] = text
    folded: dict[str, bytes] = {}
    done: set[str] = set()
    notes: list[TemplateNote] = []
    for name, value in sorted(names.items()):
        word = re.compile(rb"\b" + re.escape(name.encode()) + rb"\b")
        attempt: dict[str, bytes] = {}
        failed = False
        for path, text in sorted(texts.items()):
            current = folded.get(path, text)
            match = read_in_code(current, word)
            if match is None:
                continue
            new = fold_template(current, name, value)
            if new is None:
                line = current.count(b"\n", 0, match.start()) + 1
                reason = f"reads {name} in a way flaglint does not fold; entry and template kept"
                notes.append(TemplateNote(path, line, reason))
                failed = True
                break
            attempt[path] = new
        if not failed and attempt:
            # A render without the entry reads it as false: only a True entry differs.
            without = render_without(root, python or {}, name, set(attempt)) if value else None
            if without is not None:
                path, line = without
                reason = (
                    f"renders a template reading {name} without that entry; entry and template kept"
                )
                notes.append(TemplateNote(path, line, reason))
                continue
            folded.update(attempt)
            done.add(name)
    return folded, done, notes


def drop_entries(text: bytes, names: set[str]) -> bytes:
    """``text`` without ``x["name"] = <literal>`` statements and ``"name": <literal>`` items."""
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError:
        return text
    return module.visit(_EntryRemover(names)).bytes


def _literal_key(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def _is_bool(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value in ("True", "False")


class _EntryRemover(cst.CSTTransformer):
    def __init__(self, names: set[str]) -> None:
        super().__init__()
        self.names = names

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.RemovalSentinel:
        assignment = sole_assignment(updated_node)
        if assignment is None:
            return updated_node
        target, value = assignment
        if (
            isinstance(target, cst.Subscript)
            and len(target.slice) == 1
            and isinstance(target.slice[0].slice, cst.Index)
            and _literal_key(target.slice[0].slice.value) in self.names
            and _is_bool(value)
        ):
            return cst.RemoveFromParent()
        return updated_node

    def leave_If(self, original_node: cst.If, updated_node: cst.If) -> cst.If | cst.RemovalSentinel:
        """``if staff: ctx["x"] = False`` emptied: the ``if`` goes when its test does nothing
        else (names, attributes, literals, comparisons), or reads ``if not staff:`` + else."""
        body = updated_node.body
        if not (
            isinstance(body, cst.IndentedBlock)
            and not body.body
            and isinstance(original_node.body, cst.IndentedBlock)
            and original_node.body.body
            and not body.footer
        ):
            return updated_node
        if updated_node.orelse is None and _inert(updated_node.test):
            return cst.RemoveFromParent()
        emptied = updated_node.with_changes(
            body=body.with_changes(body=[cst.SimpleStatementLine([cst.Pass()])])
        )
        return invert_emptied(original_node, emptied)

    def leave_Dict(self, original_node: cst.Dict, updated_node: cst.Dict) -> cst.Dict:
        elements = list(updated_node.elements)
        kept = [
            e
            for e in elements
            if not (
                isinstance(e, cst.DictElement)
                and _literal_key(e.key) in self.names
                and _is_bool(e.value)
            )
        ]
        if len(kept) == len(elements):
            return updated_node
        if kept and kept[-1] is not elements[-1]:
            comma, closing = closing_comma(
                kept[-1].comma, elements[-1].comma, updated_node.rbrace.whitespace_before
            )
            kept[-1] = kept[-1].with_changes(comma=comma)
            rbrace = updated_node.rbrace.with_changes(whitespace_before=closing)
            return updated_node.with_changes(elements=kept, rbrace=rbrace)
        return updated_node.with_changes(elements=kept)


def closing_comma(
    own: cst.Comma | cst.MaybeSentinel,
    last: cst.Comma | cst.MaybeSentinel,
    closing: cst.BaseParenthesizableWhitespace,
) -> tuple[cst.Comma | cst.MaybeSentinel, cst.BaseParenthesizableWhitespace]:
    """The comma of an element that becomes the last once the last one went, and the
    whitespace before the closing bracket.

    An element that ends its line keeps its comma and its comment: the removed line
    goes as a person deletes it (and a formatter keeps the display exploded). On one
    line it takes the old last element's comma (none, or a trailing one).
    """
    if not isinstance(last, cst.MaybeSentinel) or not isinstance(own, cst.Comma):
        return last, closing
    after = own.whitespace_after
    if not isinstance(after, cst.ParenthesizedWhitespace) or not isinstance(
        closing, cst.ParenthesizedWhitespace
    ):
        return last, closing
    # The line break before the bracket now ends this element's line, with its comment.
    return own.with_changes(whitespace_after=cst.SimpleWhitespace("")), closing.with_changes(
        first_line=after.first_line
    )


# ``context["x"]``, ``.get("x")``: read back; ``"x": v``, ``ctx["x"] = v``: set elsewhere.
READ_BACK = r"""(\[|\.get\(|\.pop\(|\.setdefault\()\s*[rbu]?['"]{0}['"]|['"]{0}['"]\s*:"""


def read_back(root: Path, names: set[str], current: dict[str, bytes]) -> dict[str, str]:
    """Names some Python code reads back or sets otherwise: name -> where (path:line).

    ``current`` holds the rewritten files without the entries about to be dropped.
    """
    found: dict[str, str] = {}
    patterns = {n: re.compile(READ_BACK.format(re.escape(n)).encode()) for n in sorted(names)}
    for _, relative, text in current_texts(root, (".py",), current):
        for name, pattern in patterns.items():
            match = pattern.search(text) if name not in found else None
            if match is not None:
                line = text.count(b"\n", 0, match.start()) + 1
                found[name] = f"{relative}:{line}"
    return found


def _inert(test: cst.BaseExpression) -> bool:
    """A test whose evaluation does nothing but read: names, attributes (``user.is_staff``,
    assumed plain), literals, ``not``/``and``/``or`` and comparisons of those."""
    if isinstance(test, (cst.Name, cst.SimpleString, cst.Integer, cst.Float)):
        return True
    if isinstance(test, cst.Attribute):
        return _inert(test.value)
    if isinstance(test, cst.UnaryOperation):
        return isinstance(test.operator, cst.Not) and _inert(test.expression)
    if isinstance(test, cst.BooleanOperation):
        return _inert(test.left) and _inert(test.right)
    if isinstance(test, cst.Comparison):
        return _inert(test.left) and all(_inert(c.comparator) for c in test.comparisons)
    return False
