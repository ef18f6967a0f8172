"""Links from the audit page to the source: a template, one guessed from the remote, or files.

``--link-template`` takes ``{commit}``, ``{path}`` (from the repository's top)
and ``{line}``. Without it, the ``origin`` remote of a GitHub, GitLab or
Bitbucket repository gives one; otherwise the links are relative paths from
the page to the files (``file://`` once the page is opened from disk).

Paths come from the analysed tree, so each is percent-encoded before it goes
into a URL (a file named ``javascript:x.py`` stays a path) and the whole URL is
escaped into the attribute; only ``http``/``https`` templates are accepted.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from flaglint import history
from flaglint.history import HistoryError

FIELDS = ("{commit}", "{path}", "{line}")

# Remote URL forms: https://host/org/repo(.git), git@host:org/repo(.git), ssh://git@host/org/repo
_REMOTE = re.compile(
    r"^(?:https?://(?:[^@/]+@)?|ssh://(?:[^@/]+@)?|[^@/:]+@)"
    r"(?P<host>github\.com|gitlab\.com|bitbucket\.org)[:/]"
    r"(?P<repo>[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_.-]+)+)/?$"
)
_HOST_TEMPLATES = {
    "github.com": "https://github.com/{repo}/blob/{{commit}}/{{path}}#L{{line}}",
    "gitlab.com": "https://gitlab.com/{repo}/-/blob/{{commit}}/{{path}}#L{{line}}",
    "bitbucket.org": "https://bitbucket.org/{repo}/src/{{commit}}/{{path}}#lines-{{line}}",
}


class LinkTemplateError(ValueError):
    """A ``--link-template`` that is not an http(s) URL or uses unknown fields."""


def check_template(template: str) -> str:
    if not re.match(r"^https?://[^\s\"'<>]+$", template):
        raise LinkTemplateError("must be an http:// or https:// URL without spaces or quotes")
    unknown = set(re.findall(r"\{[^}]*\}", template)) - set(FIELDS)
    if unknown:
        raise LinkTemplateError(f"unknown field(s) {', '.join(sorted(unknown))}; use {FIELDS}")
    return template


def template_for_remote(url: str) -> str:
    """The link template for a remote URL of a known host, or ""."""
    match = _REMOTE.match(url.strip())
    if match is None:
        return ""
    repo = match["repo"].removesuffix(".git")
    return _HOST_TEMPLATES[match["host"]].format(repo=repo)


def guess_template(root: Path) -> str:
    """The template for ``root``'s ``origin`` remote, or "" when there is none to guess."""
    try:
        out = history.git(root, "remote", "get-url", "origin")
    except HistoryError:
        return ""
    return template_for_remote(out.decode("utf-8", "replace"))


@dataclass(frozen=True)
class SourceLinks:
    """How the page links a ``path`` (relative to the audited root) and a line.

    With a ``template`` and a ``commit``, a URL at that commit; otherwise a
    relative link from the page's folder (``to_root``) to the file.
    """

    template: str = ""
    commit: str = ""
    prefix: str = ""  # the root's place in the repository, "" or "svc/"
    to_root: str = ""  # from the page's folder to the root, "" or "../"

    def url(self, path: str, line: int = 0) -> str:
        encoded = quote(path, safe="/")
        if self.template and self.commit:
            return (
                self.template.replace("{commit}", quote(self.commit, safe=""))
                .replace("{path}", quote(self.prefix, safe="/") + encoded)
                .replace("{line}", str(max(line, 1)))
            )
        # "./" keeps a first segment with a colon from reading as a scheme.
        return (quote(self.to_root, safe="/") or "./") + encoded


def source_links(
    template: str, commit: str, prefix: str, page: Path | None, root: Path
) -> SourceLinks:
    """The links for a page written to ``page`` (None: links relative to the root)."""
    to_root = ""
    if page is not None:
        relative = os.path.relpath(root.resolve(), page.resolve().parent)
        to_root = "" if relative == "." else Path(relative).as_posix() + "/"
    return SourceLinks(template, commit, prefix, to_root)
