"""Where a flag is read in one file, located with ``ast`` and keyed by source span.

The inventory names reads by line and UTF-8 byte column; LibCST names nodes by
line and character column. This module walks the file's ``ast`` once, finds the
node behind each read of the key (and behind each name that stands for it),
and keys it by a character span that the LibCST transformer can look up.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from flaglint.codemod.wrappers import BOOLEAN_METHODS, Fold, own_nodes, wrapper_verdict
from flaglint.discovery import discover
from flaglint.encoding import utf8
from flaglint.facts.model import FileFacts, Gate
from flaglint.facts.parse import parse_source
from flaglint.facts.syntax import dotted, plain_dotted
from flaglint.flags.inventory import FlagRead
from flaglint.project import Project

# (start line, start column, end line, end column); columns count characters.
Span = tuple[int, int, int, int]


@dataclass(frozen=True)
class Leaf:
    """A node whose truth value the flag decides.

    kind: "read" (a provider or wrapper call, an ``os.environ`` lookup), "name"
    (a module-level name bound to a read), "member" (an enum member tested in a
    comparison), "decorator" (a gating decorator) or "local" (a later use of a
    function-local name bound to a read; its truth comes from the binding).
    ``truth`` is None when the value cannot be known; ``reason`` then says why.
    """

    kind: str
    line: int
    truth: bool | None = None
    exact: bool = False
    reason: str = ""
    binding: tuple[int, str] | None = None
    # Where the value goes when it is not only tested (for the report).
    use: str = "the flag's value is used as a value, not as a condition"
    # The key read here, when the read names it (several keys can be removed at once).
    key: str = ""


@dataclass
class FileTargets:
    """Everything the transformer needs to know about one file."""

    path: str
    leaves: dict[Span, Leaf] = field(default_factory=dict)
    # ``enabled = READ`` at the top of a function body: target span -> (def line, name).
    local_assigns: dict[Span, tuple[int, str]] = field(default_factory=dict)
    # ``USE_X = READ`` at module level that nothing else in the project mentions: target span.
    module_assigns: dict[Span, str] = field(default_factory=dict)
    # Reads that could not be located in the file's syntax tree.
    unmatched: list[tuple[int, str]] = field(default_factory=list)


class SpanIndex:
    """Converts ``ast`` byte positions into character spans."""

    def __init__(self, source: bytes) -> None:
        self.lines = source.splitlines(keepends=True)

    def column(self, line: int, byte_col: int) -> int:
        if line < 1 or line > len(self.lines):
            return byte_col
        text = self.lines[line - 1]
        if text.isascii():
            return byte_col
        return len(text[:byte_col].decode("utf-8", errors="replace"))

    def span(self, node: ast.AST) -> Span:
        line = node.lineno  # type: ignore[attr-defined]
        end_line = node.end_lineno or line  # type: ignore[attr-defined]
        return (
            line,
            self.column(line, node.col_offset),  # type: ignore[attr-defined]
            end_line,
            self.column(end_line, node.end_col_offset or 0),  # type: ignore[attr-defined]
        )


def find_targets(
    project: Project,
    path: str,
    source: bytes,
    sides: Mapping[str, bool],
    fold: Fold | None = None,
    derived: dict[str, tuple[bool | None, str]] | None = None,
) -> FileTargets:
    """Locate every read of the keys of ``sides`` (key: kept on) in ``path``.

    ``fold`` rewrites another file with the flag fixed, for wrappers that do more;
    calls to ``derived`` wrappers (qualified name: truth, or None and why) are reads too.
    """
    facts = project.by_path[path]
    tree = parse_source(source)
    index = SpanIndex(source)
    finder = _Finder(project, facts, tree, index, sides)
    finder.fold = fold
    finder.derived = derived or {}
    return finder.run(path)


class _Finder:
    def __init__(
        self,
        project: Project,
        facts: FileFacts,
        tree: ast.Module,
        index: SpanIndex,
        sides: Mapping[str, bool],
    ) -> None:
        self.project = project
        self.facts = facts
        self.tree = tree
        self.index = index
        self.sides = sides
        self.fold: Fold | None = None
        self.derived: dict[str, tuple[bool | None, str]] = {}
        self.by_start: dict[tuple[int, int], list[ast.AST]] = {}
        self.parents: dict[int, ast.AST] = {}
        self.decorators: set[int] = set()
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[id(child)] = node
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.decorators.update(id(d) for d in node.decorator_list)
            if isinstance(node, ast.expr):
                self.by_start.setdefault((node.lineno, node.col_offset), []).append(node)

    def run(self, path: str) -> FileTargets:
        targets = FileTargets(path)
        reads = [r for r in self.project.inventory.reads if r.key in self.sides and r.path == path]
        leaf_nodes: list[ast.AST] = []
        for read in reads:
            found = self._read_leaf(read)
            if found is None:
                targets.unmatched.append((read.line, "flaglint found a read here it cannot locate"))
                continue
            node, leaf = found
            targets.leaves[self.index.span(node)] = replace(leaf, use=self._use(node))
            leaf_nodes.append(node)
        for node, leaf in self._derived_leaves():
            targets.leaves.setdefault(self.index.span(node), replace(leaf, use=self._use(node)))
            leaf_nodes.append(node)
        for node, leaf in self._name_leaves():
            targets.leaves.setdefault(self.index.span(node), leaf)
            leaf_nodes.append(node)
        inside = {id(n) for n in leaf_nodes}
        self._local_bindings(targets, inside)
        self._module_bindings(targets, inside)
        return targets

    # ------------------------------------------------------------------ reads
    def _read_leaf(self, read: FlagRead) -> tuple[ast.AST, Leaf] | None:
        start = (read.line, read.column - 1)
        candidates = self.by_start.get(start, [])
        keep_on = self.sides[read.key]
        if read.provider == "enum":
            for node in candidates:
                parent = self.parents.get(id(node))
                if isinstance(node, ast.Attribute) and isinstance(parent, (ast.Compare, ast.BinOp)):
                    return node, Leaf("member", read.line, keep_on, True, key=read.key)
            return None
        for node in candidates:
            if not isinstance(node, (ast.Call, ast.Subscript)):
                continue
            call_index = self._call_index(node)
            if call_index is None:
                continue
            found = self.project.inventory.call_read(self.facts, call_index)
            if found is None or found.key != read.key:
                continue
            if id(node) in self.decorators:
                truth = keep_on != read.negated
                return node, Leaf("decorator", read.line, truth=truth, key=read.key)
            method = self.facts.calls[call_index].callee.rpartition(".")[2]
            parent = self.parents.get(id(node))
            if isinstance(parent, ast.Await):
                # ``await READ`` is the value; the call alone is an awaitable.
                node = parent
            elif method.endswith("_async"):
                reason = "an async read that is not awaited"
                return node, Leaf("read", read.line, reason=reason, key=read.key)
            if read.provider.startswith("wrapper:"):
                return node, replace(self._wrapper_leaf(read, call_index), key=read.key)
            truth = keep_on != read.negated
            exact = method in BOOLEAN_METHODS
            return node, Leaf("read", read.line, truth=truth, exact=exact, key=read.key)
        return None

    def _derived_leaves(self) -> list[tuple[ast.AST, Leaf]]:
        """Calls of wrappers found by folding their bodies (see ``wrappers.derived_wrappers``)."""
        if not self.derived:
            return []
        names = {t.rpartition(".")[2] for t in self.derived}
        resolver = self.project.inventory.resolver
        out: list[tuple[ast.AST, Leaf]] = []
        for call in self.facts.calls:
            if call.callee.rpartition(".")[2] not in names:
                continue
            verdict = self.derived.get(resolver.call_target(self.facts, call))
            if verdict is None:
                continue
            for node in self.by_start.get((call.line, call.col), []):
                if isinstance(node, ast.Call) and dotted(node.func) == call.callee:
                    truth, reason = verdict
                    out.append((node, Leaf("read", call.line, truth, truth is not None, reason)))
                    break
        return out

    def _use(self, node: ast.AST) -> str:
        """How the code uses a read it does not only test, in words for the report."""
        parent = self.parents.get(id(node))
        if isinstance(parent, ast.Attribute):
            return f"the flag's value goes through .{parent.attr} before it is tested"
        if isinstance(parent, ast.Call) and node is not parent.func:
            return f"the flag's value is passed to {dotted(parent.func)}()"
        if isinstance(parent, ast.keyword):
            return f"the flag's value is passed as {parent.arg}="
        if isinstance(parent, ast.Match):
            return "a match on the flag's value"
        if isinstance(parent, ast.Return):
            return "the flag's value is returned"
        if isinstance(parent, (ast.Assign, ast.AnnAssign)):
            return "the flag's value is stored"
        return Leaf.use

    def _call_index(self, node: ast.Call | ast.Subscript) -> int | None:
        if isinstance(node, ast.Call):
            callee = dotted(node.func)
        else:
            callee = f"{dotted(node.value)}.__getitem__"
        for i, call in enumerate(self.facts.calls):
            if (call.line, call.col, call.callee) == (node.lineno, node.col_offset, callee):
                return i
        return None

    def _wrapper_leaf(self, read: FlagRead, call_index: int) -> Leaf:
        """A wrapper call stands for the flag only when every return is the read itself."""
        inventory = self.project.inventory
        target = inventory.resolver.call_target(self.facts, self.facts.calls[call_index])
        verdict = wrapper_verdict(self.project, target, self.sides, self.fold)
        if isinstance(verdict, str):
            return Leaf("read", read.line, reason=verdict)
        truth, exact = verdict
        return Leaf("read", read.line, truth=truth, exact=exact)

    def _name_leaves(self) -> list[tuple[ast.AST, Leaf]]:
        """Names tested in conditions whose binding is a read of the key (``if USE_X:``)."""
        inventory = self.project.inventory
        out: list[tuple[ast.AST, Leaf]] = []
        for i, atom in enumerate(self.facts.atoms):
            if atom.kind != "name":
                continue
            on = inventory.expand(self.facts, Gate(i, True))
            off = inventory.expand(self.facts, Gate(i, False))
            if len(on) != 1 or len(off) != 1 or on[0].key != off[0].key:
                continue
            key = on[0].key
            if key not in self.sides or on[0].on == off[0].on:
                continue
            for node in self.by_start.get((atom.line, atom.col), []):
                if isinstance(node, (ast.Name, ast.Attribute)) and plain_dotted(node) == atom.name:
                    truth = self.sides[key] == on[0].on
                    out.append((node, Leaf("name", atom.line, truth=truth, key=key)))
                    break
        return out

    # --------------------------------------------------------------- bindings
    def _local_bindings(self, targets: FileTargets, inside: set[int]) -> None:
        """``enabled = READ`` assigned once at the top of a function, then tested."""
        for function in ast.walk(self.tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            params = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
            for stmt in function.body:
                if not (
                    isinstance(stmt, ast.Assign)
                    and len(stmt.targets) == 1
                    and isinstance(stmt.targets[0], ast.Name)
                    and _contains(stmt.value, inside)
                ):
                    continue
                name = stmt.targets[0].id
                if name in params or not _assigned_once(function, name):
                    continue
                binding = (function.lineno, name)
                targets.local_assigns[self.index.span(stmt.targets[0])] = binding
                for use in _loads_after(function, name, stmt):
                    targets.leaves.setdefault(
                        self.index.span(use),
                        Leaf("local", use.lineno, binding=binding, use=self._use(use)),
                    )

    def _module_bindings(self, targets: FileTargets, inside: set[int]) -> None:
        """``USE_X = READ`` at module level, droppable once nothing uses ``USE_X``."""
        for stmt in self.tree.body:
            if not (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
                and _contains(stmt.value, inside)
            ):
                continue
            name = stmt.targets[0].id
            if name in self.facts.dunder_all or self._mentioned_elsewhere(name):
                continue
            targets.module_assigns[self.index.span(stmt.targets[0])] = name

    def _mentioned_elsewhere(self, name: str) -> bool:
        """Whether any other Python file under the root, analysed or not, names ``name``."""
        word = re.compile(rb"\b" + re.escape(utf8(name)) + rb"\b")
        root = self.project.config.root
        for other in _all_sources(self.project):
            if other == self.facts.path:
                continue
            try:
                if word.search((root / other).read_bytes()):
                    return True
            except OSError:
                return True
        return False


def _all_sources(project: Project) -> list[str]:
    """Every Python file under the root: a binding may be imported from outside PATHS."""
    config = project.config
    return [s.path for s in discover(config.root, [], config.exclude)]


def _contains(node: ast.AST, ids: set[int]) -> bool:
    return any(id(n) in ids for n in ast.walk(node))


def _assigned_once(function: ast.AST, name: str) -> bool:
    stores = 0
    for node in ast.walk(function):
        if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            return False
        if isinstance(node, (ast.Import, ast.ImportFrom)) and any(
            (a.asname or a.name.split(".")[0]) == name for a in node.names
        ):
            return False
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name == name and node is not function:
                return False
    for node in own_nodes(function):
        if isinstance(node, ast.Name) and node.id == name and not isinstance(node.ctx, ast.Load):
            stores += 1
        elif isinstance(node, ast.ExceptHandler) and node.name == name:
            stores += 1
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name == name:
            stores += 1
    return stores == 1


def _loads_after(function: ast.AST, name: str, stmt: ast.stmt) -> list[ast.Name]:
    end = stmt.end_lineno or stmt.lineno
    return sorted(
        (
            n
            for n in own_nodes(function)
            if isinstance(n, ast.Name)
            and n.id == name
            and isinstance(n.ctx, ast.Load)
            and n.lineno > end
        ),
        key=lambda n: (n.lineno, n.col_offset),
    )
