"""Functions, methods and classes only the removed code used: deleted in the same diff.

A definition is a candidate when the rewrite removed a use of its name. It is
deleted only when its name then appears nowhere else under the root: not in
any Python file (tests, files outside PATHS and files that cannot be parsed
included), template, or config file. This is vulture's test, by name and so
on the safe side: a method called ``get`` stays as long as anything says
``get``. A name still spelled in a string, in ``__all__``, or a definition
under a decorator (a registration) is kept and named for a human, as is a
name that only a file that cannot be parsed still mentions.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

import libcst as cst

from flaglint.codemod.imports import drop_imported_names, drop_orphaned_imports
from flaglint.codemod.transform import leading_lines, merge_leading
from flaglint.codemod.tree import current_texts
from flaglint.facts.parse import parse_source
from flaglint.facts.syntax import definition_path
from flaglint.project import Project

WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
# A name not after a dot: ``legacy_total(cart)``, ``OrderFlags.X``, not ``cart.total()``.
BARE = re.compile(rb"(?<![.\w])[A-Za-z_][A-Za-z0-9_]*")
# Where a name can be spelled for code to find it: sources, templates, settings.
SEARCHED = frozenset(
    {".py", ".pyi", ".html", ".htm", ".txt", ".jinja", ".jinja2", ".j2", ".yml", ".yaml"}
    | {".cfg", ".toml", ".ini", ".json", ".xml", ".js", ".ts", ".tsx", ".jsx"}
)
HARMLESS_DECORATORS = frozenset({"staticmethod", "classmethod", "property", "override"})


@dataclass(frozen=True, order=True)
class Deleted:
    """A definition the rewrite deleted, because only the removed code used it."""

    path: str
    line: int
    qualname: str


@dataclass(frozen=True, order=True)
class CheckByHand:
    """A definition only the removed code called, kept because its name is still spelled."""

    path: str
    line: int
    qualname: str
    reason: str


def cascade(
    project: Project,
    before: dict[str, bytes],
    after: dict[str, bytes],
    constants: tuple[tuple[str, int, str], ...] = (),
    exclusive: frozenset[str] = frozenset(),
    emptied: frozenset[str] = frozenset(),
    keys: frozenset[str] = frozenset(),
) -> tuple[dict[str, bytes], list[Deleted], list[CheckByHand]]:
    """Delete what the rewrite orphaned, round after round; ``after`` gains the files touched.

    ``constants`` are module-level names bound to the key (path, line, name):
    deleted too when nothing spells them any more. A method goes only when the
    call graph also says only the removed side reached it (``exclusive``):
    frameworks call methods by names that are never spelled (``get``, ``clean_x``).
    """
    current = dict(after)
    deleted: list[Deleted] = []
    kept: dict[tuple[str, str], CheckByHand] = {}
    # Functions the rewrite left as ``return True``: wrappers of the flag, candidates
    # like what lost a use (still deleted only when nothing spells them).
    # A key's own string is no use of a name: ``"fast-search"`` does not call ``search``.
    before_uses, after_uses = _without_keys(before, keys), _without_keys(after, keys)
    lost = _lost_words(before_uses, after_uses) | {n.encode() for n in emptied}
    lost_bare = _lost_words(before_uses, after_uses, BARE) | {n.encode() for n in emptied}
    used_by = _used_from(project, set(before))
    tried: set[tuple[str, str]] = set()
    for _ in range(6):
        candidates = [
            (facts.path, d)
            for facts in project.files
            if facts.error is None
            for d in facts.definitions
            if d.name.encode() in lost
            and (facts.path, d.qualname) not in tried
            and not (d.name.startswith("__") and d.name.endswith("__"))
            and not d.name.startswith("test")
            and _orphan_candidate(
                f"{facts.module}.{d.qualname}",
                d.kind,
                d.name.encode() in lost_bare or f"{facts.module}.{d.qualname}" in used_by,
                exclusive,
            )
        ]
        names = [
            (path, line, name)
            for path, line, name in constants
            if "." not in name and name.encode() in lost and (path, name) not in tried
        ]
        if not candidates and not names:
            break
        tried.update((path, d.qualname) for path, d in candidates)
        tried.update((path, name) for path, _, name in names)
        spelled = _spellings(
            project.config.root,
            {d.name for _, d in candidates} | {name for _, _, name in names},
            current,
        )
        # What nothing named before the rewrite either was not orphaned by it (an entry
        # point, or code already dead): only the flag's own wrappers go regardless.
        originally = _spellings(
            project.config.root, {d.name for _, d in candidates if d.name not in emptied}, {}
        )
        removals: dict[str, list[tuple[str, int]]] = {}
        for path, line, name in names:
            elsewhere = [u for u in spelled.get(name, []) if (u[0], u[1]) != (path, line)]
            if not elsewhere:
                removals.setdefault(path, []).append((name, line))
        for path, definition in candidates:
            text = current.get(path) or _read(project.config.root / path)
            span = _span(text, definition.qualname)
            if span is None:
                continue
            if definition.name not in emptied:
                span_before = _span(_read(project.config.root / path), definition.qualname)
                uses_before = originally.get(definition.name, [])
                if (
                    span_before is None
                    or _verdict(definition, path, span_before, uses_before) is None
                ):
                    continue
            uses = spelled.get(definition.name, [])
            verdict = _verdict(definition, path, span, uses)
            if verdict is None:
                importers = {u[0] for u in uses if u[2] == "import"}
                dropped = _drop_imports(project.config.root, importers, definition.name, current)
                if dropped is None:
                    continue  # an import it could not take away: keep the definition
                current.update(dropped)
                removals.setdefault(path, []).append((definition.qualname, definition.line))
            elif verdict:
                kept[(path, definition.qualname)] = CheckByHand(
                    path, definition.line, definition.qualname, verdict
                )
        if not removals:
            break
        round_before: dict[str, bytes] = {}
        for path, names in sorted(removals.items()):
            text = current.get(path) or _read(project.config.root / path)
            if text is None:
                continue
            new_text = _delete(text, {q for q, _ in names})
            if new_text is None:
                continue
            round_before[path] = text
            current[path] = new_text
            deleted.extend(Deleted(path, line, q) for q, line in names)
        lost = _lost_words(round_before, current)
        lost_bare = _lost_words(round_before, current, BARE)
        used_by = _used_from(project, set(round_before))
    return current, sorted(deleted), sorted(kept.values())


def _orphan_candidate(target: str, kind: str, named: bool, exclusive: frozenset[str]) -> bool:
    """A function or class the changed code named (or called), or what only the removed side
    reached in the call graph; a method only in that last case."""
    if kind == "method":
        return target in exclusive
    return named or target in exclusive


def _used_from(project: Project, paths: set[str]) -> set[str]:
    """What the calls and references of these files (as they were) resolve to."""
    resolver = project.inventory.resolver
    found: set[str] = set()
    for path in paths:
        facts = project.by_path.get(path)
        if facts is None or facts.error is not None:
            continue
        found.update(resolver.call_target(facts, call) for call in facts.calls)
        found.update(resolver.resolve(facts.module, r.name, r.scope) for r in facts.references)
    return found


def _verdict(
    definition: object, path: str, span: tuple[int, int], uses: list[tuple[str, int, str]]
) -> str | None:
    """None: delete it. "": still used. Otherwise why a human should look."""
    others = [u for u in uses if not (u[0] == path and span[0] <= u[1] <= span[1])]
    code = [u for u in others if u[2] == "code"]
    if code:
        return ""
    # Imported and never used there: the import goes with it (see _drop_imports).
    others = [u for u in others if u[2] != "import"]
    broken = [u for u in others if u[2] == "unparsed"]
    if broken:
        where = broken[0]
        return f"named in {where[0]}:{where[1]}, which could not be parsed; kept"
    if others:
        where = others[0]
        return f"its name is still spelled at {where[0]}:{where[1]} ({where[2]}); kept"
    decorators = [
        d
        for d in getattr(definition, "decorators", ())
        if d.split(".")[-1] not in HARMLESS_DECORATORS
    ]
    if decorators:
        return f"decorated with @{decorators[0]}, which may register it; kept"
    return None


def _without_keys(texts: dict[str, bytes], keys: frozenset[str]) -> dict[str, bytes]:
    """``texts`` with every quoted spelling of a key blanked out."""
    if not keys:
        return texts
    quoted = re.compile(
        rb"""(["'])(""" + b"|".join(re.escape(k.encode()) for k in sorted(keys)) + rb")\1"
    )
    return {path: quoted.sub(b"''", text) for path, text in texts.items()}


def _lost_words(
    before: dict[str, bytes], after: dict[str, bytes], word: re.Pattern[bytes] = WORD
) -> set[bytes]:
    lost: set[bytes] = set()
    for path, text in before.items():
        old = _count(text, word)
        new = _count(after.get(path, b""), word)
        lost.update(w for w, count in old.items() if count > new.get(w, 0))
    return lost


def _count(text: bytes, word: re.Pattern[bytes]) -> dict[bytes, int]:
    counts: dict[bytes, int] = {}
    for match in word.finditer(text):
        counts[match.group()] = counts.get(match.group(), 0) + 1
    return counts


def _spellings(
    root: Path, names: set[str], current: dict[str, bytes]
) -> dict[str, list[tuple[str, int, str]]]:
    """Every place under the root that spells one of ``names``: (path, line, how)."""
    found: dict[str, list[tuple[str, int, str]]] = {}
    if not names:
        return found
    pattern = re.compile(
        rb"\b(" + b"|".join(re.escape(n.encode()) for n in sorted(names)) + rb")\b"
    )
    for file, relative, text in current_texts(root, SEARCHED, current):
        if not pattern.search(text):
            continue
        kinds = _token_kinds(text) if file.suffix in (".py", ".pyi") else None
        for match in pattern.finditer(text):
            line = text.count(b"\n", 0, match.start()) + 1
            if kinds is None:
                how = "unparsed" if file.suffix in (".py", ".pyi") else "a template or config file"
            else:
                how = kinds.get((line, match.group().decode()), "a string or comment")
            found.setdefault(match.group().decode(), []).append((relative, line, how))
    return found


def spellings(
    root: Path, names: set[str], current: dict[str, bytes]
) -> dict[str, list[tuple[str, int, str]]]:
    """Every place under the root that spells one of ``names``, with ``current`` texts first."""
    return _spellings(root, names, current)


def _token_kinds(text: bytes) -> dict[tuple[int, str], str] | None:
    """Per (line, name): "code" when a NAME token spells it; None if the file does not parse."""
    try:
        parse_source(text)
        tokens = list(tokenize.tokenize(io.BytesIO(text).readline))
    except (SyntaxError, ValueError, tokenize.TokenError):
        return None
    imports: set[int] = set()
    for node in ast.walk(parse_source(text)):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            imports.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    kinds: dict[tuple[int, str], str] = {}
    for token in tokens:
        if token.type == tokenize.NAME:
            line = token.start[0]
            kinds[(line, token.string)] = "import" if line in imports else "code"
    return kinds


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _span(text: bytes | None, qualname: str) -> tuple[int, int] | None:
    """First line (decorators included) and last line of the one definition ``qualname``."""
    if text is None:
        return None
    try:
        tree = parse_source(text)
    except (SyntaxError, ValueError):
        return None
    path = definition_path(tree, qualname)
    if not path:
        return None
    node = path[-1]
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return first, node.end_lineno or node.lineno


def _delete(text: bytes, qualnames: set[str]) -> bytes | None:
    """``text`` without the named definitions, nor the module imports only they used."""
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError:
        return None
    remover = _Remover(qualnames)
    trimmed = module.visit(remover)
    if not remover.removed:
        return None
    return drop_orphaned_imports(module, trimmed).bytes


class _Remover(cst.CSTTransformer):
    """Removes definitions by qualified name, from the block that holds them."""

    def __init__(self, qualnames: set[str]) -> None:
        super().__init__()
        self.qualnames = qualnames
        self.path: list[str] = []
        self.removed = 0

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.path.append(node.name.value)
        return True

    def leave_ClassDef(
        self, original_node: cst.ClassDef, updated_node: cst.ClassDef
    ) -> cst.ClassDef:
        self.path.pop()
        return updated_node

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # nested definitions go with the function

    def _trim(self, body: list[cst.BaseStatement], top: bool) -> list[cst.BaseStatement]:
        out: list[cst.BaseStatement] = []
        carried: list[cst.EmptyLine] = []
        for stmt in body:
            if (
                isinstance(stmt, (cst.FunctionDef, cst.ClassDef))
                and ".".join([*self.path, stmt.name.value]) in self.qualnames
            ) or (top and _assigned_name(stmt) in self.qualnames):
                self.removed += 1
                blanks = [line for line in leading_lines(stmt) if line.comment is None]
                carried = merge_leading(carried, blanks)
                continue
            if carried and out:
                stmt = stmt.with_changes(leading_lines=merge_leading(carried, leading_lines(stmt)))
            elif carried and top:
                # Nothing above it any more: no blank lines before the first statement.
                lines = [line for line in leading_lines(stmt) if line.comment is not None]
                stmt = stmt.with_changes(leading_lines=lines)
            carried = []
            out.append(stmt)
        return out

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body = self._trim(list(updated_node.body), top=False)
        if len(body) == len(updated_node.body):
            return updated_node
        if not body:
            body = [cst.SimpleStatementLine(body=[cst.Pass()])]
        return updated_node.with_changes(body=body)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body = self._trim(list(updated_node.body), top=True)
        if len(body) == len(updated_node.body):
            return updated_node
        return updated_node.with_changes(body=body)


def _assigned_name(stmt: cst.BaseStatement) -> str:
    """``NAME`` for a statement ``NAME = value`` (or ``NAME: T = value``), else ""."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return ""
    small = stmt.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target = small.targets[0].target
        return target.value if isinstance(target, cst.Name) else ""
    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
        return small.target.value
    return ""


def _drop_imports(
    root: Path, paths: set[str], name: str, current: dict[str, bytes]
) -> dict[str, bytes] | None:
    """These files without their (unused) imports of ``name``; None if one cannot be dropped."""
    out: dict[str, bytes] = {}
    spelled = re.compile(rb"\b" + re.escape(name.encode()) + rb"\b")
    for path in sorted(paths):
        text = current.get(path) or _read(root / path)
        if text is None:
            return None
        try:
            module = cst.parse_module(text)
        except cst.ParserSyntaxError:
            return None
        new_text = drop_imported_names(module, {name}).bytes
        if spelled.search(new_text):
            return None
        out[path] = new_text
    return out
