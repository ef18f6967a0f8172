"""Comments that matter, read with LibCST.

``ast`` drops comments, and a ``#`` inside a string is not a comment, so the
concrete syntax tree is the honest source. Parsing with positions is costly,
so :func:`wants_comments` first checks the raw text for the words that make a
comment matter and only those files are parsed again here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from flaglint.facts.model import Comment


def marker_pattern(deprecation_words: Iterable[str]) -> re.Pattern[bytes]:
    """A pre-filter over raw bytes: a ``#`` followed on its line by a marker."""
    words = ["flaglint", r"noqa\s*:?\s*FL", "expires", *(re.escape(w) for w in deprecation_words)]
    return re.compile(rb"#[^\n]*?(?:" + "|".join(words).encode() + rb")", re.IGNORECASE)


class _CommentVisitor(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        self.comments: list[Comment] = []
        self.leading: dict[int, str] = {}

    def visit_Comment(self, node: cst.Comment) -> None:
        line = self.get_metadata(PositionProvider, node).start.line
        self.comments.append(Comment(line, node.value))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._leading(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._leading(node)

    def _leading(self, node: cst.FunctionDef | cst.ClassDef) -> None:
        lines = [*node.leading_lines, *node.lines_after_decorators]
        texts: list[str] = []
        for empty in reversed(lines):
            if empty.comment is None:
                break
            texts.append(empty.comment.value.lstrip("#").strip())
        body = node.body
        if isinstance(body, cst.IndentedBlock) and body.header.comment is not None:
            texts.append(body.header.comment.value.lstrip("#").strip())
        if texts:
            line = self.get_metadata(PositionProvider, node.name).start.line
            self.leading[line] = " ".join(reversed(texts))


def collect_comments(source: bytes) -> tuple[tuple[Comment, ...], dict[int, str]]:
    """All comments, and the comment block above each ``def``/``class`` by its line."""
    try:
        wrapper = MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return _comments_by_line(source), {}
    visitor = _CommentVisitor()
    wrapper.visit(visitor)
    return tuple(visitor.comments), visitor.leading


def _comments_by_line(source: bytes) -> tuple[Comment, ...]:
    """Fallback for the rare file LibCST cannot parse: whole-line comments only."""
    found = []
    for number, raw in enumerate(source.decode("utf-8", "replace").splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith("#"):
            found.append(Comment(number, stripped))
    return tuple(found)
