"""The audit page's pictures, timelines, source links and size (issue #19).

Hostile names from the analysed code must stay text in the SVG and the links;
the page must stay small for hundreds of flags; summary items that compare
with ``--since`` appear only with it.
"""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import run_git
from histories import replay

from flaglint.audit.gather import run_audit
from flaglint.audit.html import render_audit_html
from flaglint.audit.links import (
    LinkTemplateError,
    SourceLinks,
    check_template,
    source_links,
    template_for_remote,
)
from flaglint.audit.picture import COLUMN_CAP, reach_svg
from flaglint.audit.render import audit_data
from flaglint.audit.timeline import flag_timeline
from flaglint.config import load_config
from flaglint.demo import materialise
from flaglint.engine import analyse
from flaglint.rules import ALL_RULES

CASES = Path(__file__).parent / "fixtures" / "audit_histories"


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside SVG ``<title>`` elements."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Tags()
    parser.feed(page)
    return parser.tags


# ------------------------------------------------------------ reach picture


def test_demo_picture_shows_gate_dormant_function_and_sink(tmp_path: Path) -> None:
    repo = materialise(tmp_path / "smars")
    project = analyse(load_config(repo), [repo], use_cache=False)
    data = audit_data(run_audit(project, ALL_RULES))
    flag = next(f for f in data["flags"] if f["key"] == "smars-peg-mode")
    on = flag["gates"]["on"]
    assert on["sinks"] == ["smars.gateway.send_order"]
    assert {"from": "smars.rlp.rlp_route", "to": "smars.gateway.send_order"} in on["calls"]
    svg = reach_svg(flag["key"], "on", on, [])
    assert '<g class="rp-gate"' in svg and "if router.route" in svg
    assert re.search(r'<g class="rp-dormant"[^>]*><title>smars\.rlp\.rlp_route</title>', svg)
    assert re.search(r'<g class="rp-sink"[^>]*><title>smars\.gateway\.send_order</title>', svg)
    # An edge from the dormant function to the sink: one curve per drawn edge.
    assert svg.count("C") >= 2 and '<path class="rp-e"' in svg


def _wide_side(count: int) -> dict[str, object]:
    names = [f"pkg.mod.f{i:03d}" for i in range(count)]
    return {
        "sites": [
            {"path": "pkg/mod.py", "line": 3, "from": "pkg.mod.gate", "to": n} for n in names
        ],
        "direct": names,
        "reach": names,
        "exclusive": names,
        "exclusive_lines": count,
        "calls": [{"from": n, "to": "*.send_order"} for n in names],
        "sinks": ["*.send_order"],
    }


def test_picture_is_bounded_with_and_n_more() -> None:
    svg = reach_svg("k", "on", _wide_side(250), [])
    assert f"and {250 - COLUMN_CAP} more" in svg
    assert svg.count('<g class="rp-dormant"') == COLUMN_CAP
    assert len(svg) < 8000


def test_picture_marks_findings_on_their_nodes() -> None:
    side = _wide_side(2)
    finding = {"symbol": "pkg.mod.f001", "path": "pkg/mod.py", "line": 9}
    svg = reach_svg("k", "on", side, [finding])
    assert re.search(r'<g class="rp-dormant rp-finding"[^>]*><title>pkg\.mod\.f001<', svg)
    assert svg.count("rp-finding") == 1


# ----------------------------------------------------------------- timeline


def test_knight_shape_is_a_shaded_gap_on_the_flag_timeline(tmp_path: Path) -> None:
    repo = replay("legacy", tmp_path / "legacy", CASES)
    project = analyse(load_config(repo), [repo], use_cache=False)
    data = audit_data(run_audit(project, ALL_RULES))
    flags = {f["key"]: f for f in data["flags"]}
    head = data["repository"]["head"]
    old = flag_timeline(flags["billing-legacy-export"], [], head, 730)
    assert '<rect class="tl-gap"' in old and "7.7 years between key and gate change" in old
    assert "2014-03-02 key first seen" in old and "gate changed at billing/export.py:22" in old
    young = flag_timeline(flags["FEATURE_FAST_INVOICES"], [], head, 730)
    assert "tl-gap" not in young and '<circle class="tl-first"' in young
    # The changes of the key are the reads added: the 2014 commit quotes it once.
    [added] = flags["billing-legacy-export"]["history"]["changes"]
    assert (added["date"], added["delta"]) == ("2014-03-02", 1)


def test_repository_timeline_joins_old_keys_to_their_new_gates(tmp_path: Path) -> None:
    repo = replay("legacy", tmp_path / "legacy", CASES)
    project = analyse(load_config(repo), [repo], use_cache=False)
    page = render_audit_html(audit_data(run_audit(project, ALL_RULES)))
    section = page.split('<h3 id="history">', 1)[1].split("</figure>", 1)[0]
    assert '<g class="tl-knight"><title>billing-legacy-export: first seen 2014-03-02' in section
    for lane in ("keys first seen", "gates last changed", "finding lines changed"):
        assert f">{lane}</text>" in section


# -------------------------------------------------------------------- links


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("git@github.com:org/repo.git", "https://github.com/org/repo/blob/{commit}/{path}#L{line}"),
        ("https://github.com/org/repo", "https://github.com/org/repo/blob/{commit}/{path}#L{line}"),
        (
            "ssh://git@gitlab.com/group/sub/repo.git",
            "https://gitlab.com/group/sub/repo/-/blob/{commit}/{path}#L{line}",
        ),
        (
            "https://user@bitbucket.org/team/repo.git",
            "https://bitbucket.org/team/repo/src/{commit}/{path}#lines-{line}",
        ),
        ("/srv/mirror/repo", ""),
        ("https://example.com/org/repo.git", ""),
        ('git@github.com:org/re"po><script>.git', ""),
        ("javascript:alert(1)//github.com/a/b", ""),
    ],
)
def test_template_from_remote(remote: str, expected: str) -> None:
    assert template_for_remote(remote) == expected


@pytest.mark.parametrize(
    "template",
    ["javascript:alert(1)", "file:///etc/{path}", 'https://h/"><script>{path}', "https://h/{oops}"],
)
def test_bad_link_templates_are_refused(template: str) -> None:
    with pytest.raises(LinkTemplateError):
        check_template(template)


def test_links_encode_paths_and_stay_relative_without_a_template(tmp_path: Path) -> None:
    links = SourceLinks("https://h.example/o/r/blob/{commit}/{path}#L{line}", "abc", "svc/", "../")
    assert links.url("a b/x.py", 7) == "https://h.example/o/r/blob/abc/svc/a%20b/x.py#L7"
    relative = source_links("", "abc", "", tmp_path / "out" / "a.html", tmp_path)
    assert relative.url("javascript:alert(1).py") == "../javascript%3Aalert%281%29.py"
    assert source_links("", "", "", tmp_path / "a.html", tmp_path).url("x.py") == "./x.py"


def test_cli_link_template_and_refusal(run_cli, tmp_path: Path) -> None:
    repo = replay("legacy", tmp_path / "legacy", CASES)
    template = "https://code.example/org/legacy/blob/{commit}/{path}#L{line}"
    result = run_cli("audit", "--html", "r.html", "--link-template", template, cwd=repo)
    assert result.code == 0, result.err
    head = run_git(repo, "rev-parse", "HEAD").strip()
    page = (repo / "r.html").read_text(encoding="utf-8")
    assert f'href="https://code.example/org/legacy/blob/{head}/billing/export.py#L22"' in page
    refused = run_cli("audit", "--html", "r.html", "--link-template", "javascript:x", cwd=repo)
    assert refused.code == 2 and "--link-template" in refused.err


def test_links_guessed_from_a_github_remote(run_cli, tmp_path: Path) -> None:
    repo = replay("legacy", tmp_path / "legacy", CASES)
    run_git(repo, "remote", "add", "origin", "git@github.com:acme/legacy.git")
    assert run_cli("audit", "--html", "r.html", cwd=repo).code == 0
    page = (repo / "r.html").read_text(encoding="utf-8")
    assert 'href="https://github.com/acme/legacy/blob/' in page
    assert "/billing/export.py#L22" in page


# ----------------------------------------------------------------- escaping

HOSTILE_VIEW = """\
import ldclient

from pkg import gateway


def helper():
    gateway.send_order(1)


def view(ctx):
    if ldclient.get().variation("</title><script>alert(1)</script>", ctx, False):
        helper()
    if ldclient.get().variation("javascript:alert(2)", ctx, False):
        helper()
"""


def test_hostile_names_stay_text_in_pictures_and_links(run_cli, tmp_path: Path) -> None:
    repo = tmp_path / "hostile"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / "__init__.py").write_text("")
    (repo / "pkg" / "gateway.py").write_text("def send_order(n):\n    return n\n")
    # A module whose path is markup, and one whose path reads as a URL scheme.
    (repo / "pkg" / '"><svg onload=alert(3)>.py').write_text(HOSTILE_VIEW)
    (repo / "javascript:alert(4).py").write_text(HOSTILE_VIEW)
    run_git(repo, "init", "-q", "-b", "main")
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-qm", "<b>hostile</b> subject", date="2020-01-01T00:00:00+0000")
    result = run_cli("audit", "--html", "r.html", cwd=repo)
    assert result.code == 0, result.err
    page = (repo / "r.html").read_text(encoding="utf-8")
    tags = _tags(page)
    # The hostile flags were drawn: pictures and timelines exist for them.
    assert page.count('<svg class="reach"') >= 2 and page.count('<svg class="timeline"') >= 2
    assert "Reach of &lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; when on" in page
    # The hostile module's name is a node of the picture, as escaped text.
    assert "<title>pkg.&quot;&gt;&lt;svg onload=alert(3)&gt;.view at pkg/" in page
    assert [t for t, _ in tags].count("script") == 1
    assert not any(name.startswith("on") for _, attrs in tags for name in attrs)
    hrefs = [unescape(attrs["href"] or "") for tag, attrs in tags if tag == "a"]
    assert any("alert%284%29.py" in h for h in hrefs)
    for href in hrefs:
        assert urlsplit(href).scheme in ("", "http", "https"), href
        assert not href.lower().startswith("javascript"), href
    assert "<b>hostile</b>" not in page


# --------------------------------------------------------------------- size


def test_page_stays_small_for_hundreds_of_flags(tmp_path: Path) -> None:
    repo = replay("legacy", tmp_path / "legacy", CASES)
    project = analyse(load_config(repo), [repo], use_cache=False)
    data = audit_data(run_audit(project, ALL_RULES))
    template = data["flags"][0]
    wide, narrow = _wide_side(600), _wide_side(3)
    flags = []
    for index in range(400):
        flag = json.loads(json.dumps(template))
        flag["key"] = f"synthetic-flag-{index:03d}"
        flag["gates"] = {"on": wide, "off": narrow}
        flags.append(flag)
    data["flags"] = flags
    page = render_audit_html(data)
    assert page.count('<svg class="reach"') == 800
    assert len(page.encode("utf-8")) < 2_000_000
    # The full lists are in the JSON report, not the page.
    assert "pkg.mod.f599" not in page and "and 597 more" in page
    few = render_audit_html(data | {"flags": flags[:20]})
    assert "and 594 more" in few and len(few) < len(page) / 10


# ---------------------------------------------------------------- --since


def test_since_items_only_with_since(run_cli, tmp_path: Path) -> None:
    repo = replay("legacy", tmp_path / "legacy", CASES)
    plain = json.loads(run_cli("audit", "--format", "json", cwd=repo).out)
    assert plain["summary"]["added_since"] == [] and plain["summary"]["removed_since"] == []
    run_cli("audit", "--html", "r.html", cwd=repo)
    assert "added since" not in (repo / "r.html").read_text(encoding="utf-8")
    since = json.loads(run_cli("audit", "--since", "HEAD~2", "--format", "json", cwd=repo).out)
    assert since["summary"]["added_since"] == ["FEATURE_FAST_INVOICES"]
