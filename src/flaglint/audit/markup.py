"""The small pieces of the audit page: escaping, anchors, commits, tables, source links.

Every piece of text from the analysed code goes through :func:`_e`
(:func:`html.escape`), and every URL to the source through
:class:`flaglint.audit.links.SourceLinks`.
"""

from __future__ import annotations

import hashlib
import html
import re
from typing import Any

from flaglint.audit.links import SourceLinks


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def wrap_name(value: object) -> str:
    """A key, path or qualified name, escaped, with places to wrap after ``.``, ``_``, ``/``."""
    return re.sub(r"([._/])", r"\1<wbr>", esc(value))


def flag_anchor(key: str) -> str:
    """A stable, valid fragment id for any key (keys may hold any character)."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", key).strip("-")[:40] or "key"
    return f"flag-{slug}-{hashlib.sha1(key.encode('utf-8')).hexdigest()[:8]}"


def rule_anchor(code: str) -> str:
    return "rule-" + re.sub(r"[^A-Za-z0-9_-]+", "-", code)


def rule_link(code: str, documented: set[str]) -> str:
    """A rule code, linked to its explanation when the report has one."""
    if code in documented:
        return f'<a href="#{rule_anchor(code)}">{esc(code)}</a>'
    return esc(code)


def commit_html(commit: dict[str, Any] | None, empty: str = "not found") -> str:
    if commit is None:
        return f'<span class="muted">{esc(empty)}</span>'
    return (
        f"<time>{esc(commit['date'])}</time> "
        f"<code>{esc(commit['commit'][:10])}</code> "
        f"{esc(commit['subject'])}"
    )


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def date_html(commit: dict[str, Any] | None) -> str:
    return f"<time>{esc(commit['date'])}</time>" if commit else "—"


def severity_html(level: str) -> str:
    if not level:
        return ""
    return f'<span class="sev sev-{esc(level)}">{esc(level)}</span>'


Cell = str | tuple[str, str]  # markup, or (markup, the value it sorts by)


def table_html(
    caption: str,
    head: list[str],
    rows: list[list[Cell]],
    numeric: frozenset[int] = frozenset(),
    table_id: str = "",
    row_attrs: list[str] | None = None,
) -> str:
    """A table in a focusable scroll region; with ``table_id`` its headers sort (script)."""
    cells = "".join(
        f'<th scope="col"{" class=num" if i in numeric else ""}>{esc(h)}</th>'
        for i, h in enumerate(head)
    )
    body = "".join(
        f"<tr{row_attrs[index] if row_attrs else ''}>"
        + "".join(_cell(cell, i in numeric) for i, cell in enumerate(row))
        + "</tr>"
        for index, row in enumerate(rows)
    )
    attributes = f' id="{esc(table_id)}" data-sortable' if table_id else ""
    return (
        # Focusable, so that a table wider than the screen scrolls from the keyboard.
        f'<div class="table-wrap" role="region" tabindex="0" aria-label="{esc(caption)}">'
        f"<table{attributes}><caption>{esc(caption)}</caption>"
        f"<thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _cell(cell: Cell, numeric: bool) -> str:
    attributes = " class=num" if numeric else ""
    if isinstance(cell, tuple):
        cell, value = cell
        attributes += f' data-v="{esc(value)}"'
    return f"<td{attributes}>{cell}</td>"


def source_link(links: SourceLinks, path: str, line: int, column: int | None = None) -> str:
    """``path:line[:column]`` as code, linked to the source."""
    place = f"{wrap_name(path)}:{line}" + (f":{column}" if column is not None else "")
    return f'<a class="src" href="{esc(links.url(path, line))}"><code>{place}</code></a>'


def filter_box(table_id: str, selects: list[tuple[str, str, list[tuple[str, str]], bool]]) -> str:
    """Filters for a table, hidden until the script shows them.

    Each select is (label, row attribute, [(value, text)], at_least): rows
    match when the attribute holds the value, or is at least it.
    """
    parts = [
        f'<label>Filter <input type="search" placeholder="path, rule, flag, words" '
        f'aria-controls="{esc(table_id)}"></label>'
    ]
    for label, attribute, options, at_least in selects:
        if len(options) < 2 and not at_least:
            continue
        items = "".join(f'<option value="{esc(v)}">{esc(t)}</option>' for v, t in options)
        minimum = " data-min" if at_least else ""
        parts.append(
            f'<label>{esc(label)} <select data-attr="{esc(attribute)}"{minimum}>'
            f'<option value="">all</option>{items}</select></label>'
        )
    parts.append('<span role="status" aria-live="polite"></span>')
    return f'<div class="filter" data-for="{esc(table_id)}" hidden>{"".join(parts)}</div>'


AGES = [("365", "1 year"), ("730", "2 years"), ("1825", "5 years"), ("3650", "10 years")]


def name_list(names: list[str], exclusive: set[str] | None = None) -> str:
    exclusive = exclusive or set()
    items = "".join(
        f"<li{' class=exclusive' if n in exclusive else ''}><code>{wrap_name(n)}</code>"
        + (" <span class=muted>(only through this flag)</span>" if n in exclusive else "")
        + "</li>"
        for n in names
    )
    return f"<ul>{items}</ul>"


def key_list(keys: list[str], link: bool) -> str:
    if not keys:
        return '<span class="muted">none</span>'
    if link:
        return ", ".join(
            f'<a href="#{flag_anchor(k)}"><code>{wrap_name(k)}</code></a>' for k in keys
        )
    return ", ".join(f"<code>{wrap_name(k)}</code>" for k in keys)


def prose(text: str) -> str:
    """A rule docstring section: paragraphs, inline code and fenced code blocks."""
    out: list[str] = []
    for index, part in enumerate(re.split(r"```[a-z]*\n?", text)):
        if index % 2:
            out.append(f"<pre><code>{esc(part.rstrip())}</code></pre>")
            continue
        for paragraph in re.split(r"\n\s*\n", part.strip()):
            if paragraph.strip():
                escaped = esc(" ".join(paragraph.split()))
                out.append("<p>" + re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped) + "</p>")
    return "".join(out)
