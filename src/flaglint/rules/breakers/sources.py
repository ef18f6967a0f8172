"""The functions of a project's files at the project's revision, parsed as the facts are.

Guard comparison (FL302) reads the statements around each dispatch, which the
per-file facts summarise away; it parses only the files it asks about, from
the work tree or from git objects (never a checkout, never an import).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from flaglint import history
from flaglint.cache.facts import blob_id
from flaglint.facts.parse import parse_source

if TYPE_CHECKING:
    from flaglint.project import Project

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


class ParsedSources:
    """Parsed files and their functions by qualified name, read lazily and once."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._contents: dict[str, bytes | None] = {}
        self._functions: dict[str, dict[str, FunctionNode]] = {}
        self._modules: dict[str, FunctionNode | None] = {}
        # Parsed once per content: a base and the tree that borrows it share the
        # files neither changed (half of FL302's parsing, a third of a second on koku).
        self._by_blob = (project.edge_donor or project).parsed_by_blob

    def prefetch(self, paths: list[str]) -> None:
        """Read many files of a revision through one git process."""
        project = self.project
        wanted = [p for p in paths if p not in self._contents]
        if not project.revision or not wanted:
            return
        by_blob: dict[str, list[str]] = {}
        for path in wanted:
            blob = project.blob_ids.get(path)
            if blob is not None:
                by_blob.setdefault(blob, []).append(path)
        for blob, content in self._blobs(sorted(by_blob)).items():
            for path in by_blob[blob]:
                self._contents[path] = content

    def _read(self, path: str) -> bytes | None:
        if path not in self._contents:
            if self.project.revision:
                self.prefetch([path])
                self._contents.setdefault(path, None)
            else:
                content = self.project.source(path)
                blob = self.project.blob_ids.get(path)
                if blob is not None and (content is None or blob_id(content) != blob):
                    # The tree is not this file: git's index (``--staged``) or a file
                    # edited since it was read. Its blob, where git has it.
                    content = self._blobs([blob]).get(blob) or content
                self._contents[path] = content
        return self._contents[path]

    def _blobs(self, blobs: list[str]) -> dict[str, bytes]:
        """The contents of ``blobs`` git gives, through one git process (those read
        before a failure)."""
        found: dict[str, bytes] = {}
        try:
            repo = history.toplevel(self.project.config.root)
            for blob, content in history.read_blobs(repo, blobs):
                found[blob] = content
        except (OSError, history.HistoryError):
            pass
        return found

    def functions(self, path: str) -> dict[str, FunctionNode]:
        """Qualified name inside the module (``Class.method``) -> its definition."""
        found = self._functions.get(path)
        if found is None:
            blob = self.project.blob_ids.get(path)
            parsed = self._by_blob.get(blob) if blob is not None else None
            if parsed is not None:
                found, self._modules[path] = parsed
                self._functions[path] = found
                return found
            found = {}
            content = self._read(path)
            if content is not None:
                try:
                    # As the facts are parsed: newer syntax (``except A, B:``, PEP 701
                    # f-strings) lowered where the running Python cannot read it.
                    tree = parse_source(content)
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    tree = None
                if tree is not None:
                    _index(tree.body, "", found)
                    self._modules[path] = _module_code(tree)
            self._functions[path] = found
            # Only a parse of the blob's very content stands for it: a staged tree's
            # files (and a file edited since it was keyed) are read from the work
            # tree, and the base must not see those edits as its own.
            if blob is not None and content is not None and blob_id(content) == blob:
                self._by_blob[blob] = (found, self._modules.get(path))
        return found

    def function(self, path: str, qualname: str) -> FunctionNode | None:
        return self.functions(path).get(qualname)

    def code_of(self, path: str, scope: str) -> FunctionNode | None:
        """The function a call's scope names, or the module's own statements for ``""``."""
        if scope:
            return self.function(path, scope)
        self.functions(path)
        return self._modules.get(path)


def _index(body: list[ast.stmt], prefix: str, out: dict[str, FunctionNode]) -> None:
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = prefix + node.name
            out.setdefault(name, node)
            _index(node.body, name + ".", out)
        elif isinstance(node, ast.ClassDef):
            _index(node.body, prefix + node.name + ".", out)
        elif isinstance(node, (ast.If, ast.Try)):
            # Definitions under ``if TYPE_CHECKING``/``try: import`` keep their plain names.
            for block in _blocks(node):
                _index(block, prefix, out)


def _module_code(tree: ast.Module) -> FunctionNode:
    """A script's top-level statements as the body of a function of no parameters.

    Scripts loop at module level (``while True: api.wait_update(); ...``); the
    readers of a dispatch's surroundings take a function.
    """
    code = ast.FunctionDef(
        name="<module>",
        args=ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[]),
        body=tree.body or [ast.Pass()],
        decorator_list=[],
        type_params=[],
        lineno=1,
        col_offset=0,
    )
    code.end_lineno = tree.body[-1].end_lineno if tree.body else 1
    return code


def _blocks(node: ast.If | ast.Try) -> list[list[ast.stmt]]:
    if isinstance(node, ast.If):
        return [node.body, node.orelse]
    return [node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)]
