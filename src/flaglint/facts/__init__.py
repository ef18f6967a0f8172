"""Per-file facts: the records (:mod:`.model`) and the function that fills them."""

from __future__ import annotations

import traceback
from pathlib import Path

from flaglint.encoding import utf8
from flaglint.facts.collector import FactCollector
from flaglint.facts.comments import MarkerFilter, collect_comments
from flaglint.facts.model import (
    Arg,
    Atom,
    Binding,
    Call,
    Comment,
    Definition,
    FileFacts,
    Gate,
    Import,
    ParseError,
    Reference,
)
from flaglint.facts.parse import parse_source

__all__ = [
    "Arg",
    "Atom",
    "Binding",
    "Call",
    "Comment",
    "Definition",
    "FileFacts",
    "Gate",
    "Import",
    "ParseError",
    "Reference",
    "build_facts",
    "count_lines",
]


def count_lines(source: bytes) -> int:
    """Lines in ``source``, a last line without a newline included."""
    return source.count(b"\n") + (0 if source.endswith(b"\n") or not source else 1)


def internal_error(exc: Exception) -> ParseError:
    """What a user is told when flaglint fails on a file it parsed: where, so it can be reported."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return ParseError(
        1,
        0,
        f"internal error in flaglint ({type(exc).__name__}{where}); this file is not "
        "analysed; please report it",
    )


def build_facts(
    path: str,
    source: bytes,
    module: str,
    is_package: bool,
    trigger_names: frozenset[str],
    comment_markers: MarkerFilter,
) -> FileFacts:
    """Parse one file and collect its facts; a syntax error becomes ``error``."""
    try:
        return _build_facts(path, source, module, is_package, trigger_names, comment_markers)
    except Exception as exc:  # a defect (flaglint's, LibCST's): this file's diagnostic
        error = internal_error(exc)
        return FileFacts(path, module, is_package, count_lines(source), error=error)


def _build_facts(
    path: str,
    source: bytes,
    module: str,
    is_package: bool,
    trigger_names: frozenset[str],
    comment_markers: MarkerFilter,
) -> FileFacts:
    line_count = count_lines(source)
    try:
        # ast where it can; LibCST for newer grammar than this interpreter's (see parse).
        tree = parse_source(source, filename=path)
    except SyntaxError as exc:
        reason = exc.msg or "invalid syntax"
        if not reason.startswith("Python 2"):
            reason = f"syntax error: {reason}"
        return FileFacts(
            path,
            module,
            is_package,
            line_count,
            error=ParseError(exc.lineno or 1, (exc.offset or 1) - 1, reason),
        )
    except MemoryError:
        error = ParseError(1, 0, "out of memory while parsing; the file is too large to analyse")
        return FileFacts(path, module, is_package, line_count, error=error)
    except (ValueError, RecursionError) as exc:
        reason = str(exc) or type(exc).__name__
        return FileFacts(path, module, is_package, line_count, error=ParseError(1, 0, reason))
    collector = FactCollector(module, is_package, trigger_names)
    try:
        collector.visit(tree)
    except RecursionError:
        return FileFacts(
            path,
            module,
            is_package,
            line_count,
            error=ParseError(1, 0, "nested too deeply to analyse"),
        )
    definitions = collector.definitions
    comments: tuple[Comment, ...] = ()
    if comment_markers.search(source):
        all_comments, leading = collect_comments(source, collector.headers)
        comments = tuple(c for c in all_comments if comment_markers.search(utf8(c.text)))
        if leading:
            definitions = [
                d._replace(leading_comment=leading[d.line]) if d.line in leading else d
                for d in definitions
            ]
    definitions.sort(key=lambda d: (d.line, d.qualname))
    return FileFacts(
        path=path,
        module=module,
        is_package=is_package,
        lines=line_count,
        definitions=tuple(definitions),
        calls=tuple(collector.calls),
        atoms=tuple(collector.atoms),
        bindings=tuple(collector.bindings),
        imports=tuple(collector.imports),
        references=tuple(collector.references),
        comments=comments,
        dunder_all=tuple(collector.dunder_all),
        main_guard=collector.main_guard,
        duplicate_keys=tuple(collector.duplicate_keys),
        checks=tuple(collector.checks),
        loops=tuple(collector.loops),
        contexts=tuple(collector.contexts),
        outcomes=tuple(collector.outcomes),
        boolean_calls=tuple(sorted(collector.boolean_calls)),
        boolean_params=tuple(sorted(collector.boolean_params)),
        attribute_writes=tuple(collector.attribute_writes),
        setting_writes=tuple(collector.setting_writes),
        bool_fields=tuple(collector.bool_fields),
        branches=tuple(collector.branches),
        flows=tuple(collector.flows),
        flow_calls=tuple(collector.flow_calls),
        flow_functions=tuple(collector.flow_functions),
    )
