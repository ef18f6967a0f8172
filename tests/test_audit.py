"""``flaglint audit``: golden reports on a replayed legacy history, determinism,
trees without git, escaping, and the history the audit reads from git.

Regenerate the golden files with ``FLAGLINT_REGEN_GOLDEN=1 python -m pytest tests/test_audit.py``
and read the diff before committing it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from conftest import run_git
from histories import replay

from flaglint import __version__, history
from flaglint.audit.gather import run_audit
from flaglint.audit.html import flag_anchor, render_audit_html
from flaglint.audit.render import audit_data
from flaglint.config import load_config
from flaglint.demo import materialise
from flaglint.engine import analyse
from flaglint.findings import Finding, Location, Severity
from flaglint.rules.base import Rule
from flaglint.rules.diagnostics.parse_error import ParseFailure
from flaglint.rules.dormant.flag_expired import FlagExpired

if TYPE_CHECKING:
    from flaglint.project import Project

GOLDEN = Path(__file__).parent / "golden"
CASES = Path(__file__).parent / "fixtures" / "audit_histories"
REGENERATE = os.environ.get("FLAGLINT_REGEN_GOLDEN") == "1"


class KeyKept(Rule):
    """A rule for these tests only: a flag key read both at the base and at head.

    ## What it does
    Reports each key that the base revision read too, pointing at the base read.

    ## Why is this bad?
    It is not; it stands in for the rules that compare revisions (`--since`).

    ## Example
    ```python
    if client.variation("<kept>", ctx, False):
        go()
    ```

    ## Use instead
    Nothing to change.
    """

    code = "FL990"
    name = "test-key-kept"
    severity = Severity.NOTE
    needs_history = True
    summary = "A key read at the base revision and at head (tests only)."

    def check(self, project: Project) -> Iterator[Finding]:
        assert project.base is not None
        before = project.base.inventory.keys()
        for key, reads in project.inventory.keys().items():
            if key in before:
                then = before[key][0]
                yield self.finding(
                    reads[0].path,
                    reads[0].line,
                    reads[0].column,
                    f"flag '{key}' was read at the base revision too",
                    symbol=reads[0].symbol,
                    flag=key,
                    related=(
                        Location(
                            then.path,
                            then.line,
                            then.column,
                            "read here at the base",
                            project.base.revision,
                        ),
                    ),
                )


class PinnedExpired(FlagExpired):
    """FL103 as it behaves, with documentation fixed for the golden files.

    ## What it does
    Reports reads of flags past their expiry date.

    ## Why is this bad?
    Expired flags keep dormant code reachable.

    ## Example
    `# flaglint: expires=2017-01-01` on a read.

    ## Use instead
    Remove the flag.
    """

    summary = "A flag is read after its expiry date."


class PinnedParseFailure(ParseFailure):
    """FL901 as it behaves, with documentation fixed for the golden files.

    ## What it does
    Reports files that cannot be parsed.

    ## Why is this bad?
    They are not analysed.

    ## Example
    `def f(:`

    ## Use instead
    Fix the syntax.
    """

    summary = "A file could not be parsed."


# The golden reports use a fixed rule set with fixed documentation, so that
# rules merged or reworded later change other tests, not these files.
RULES = (PinnedExpired, PinnedParseFailure, KeyKept)


@pytest.fixture
def fixed_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("flaglint.cli.show.ALL_RULES", RULES)


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    return replay("legacy", tmp_path / "legacy", CASES)


def _normalise(text: str) -> str:
    return text.replace(f"flaglint {__version__}", "flaglint VERSION").replace(
        f'"version": "{__version__}"', '"version": "VERSION"'
    )


def _golden(name: str, actual: str) -> None:
    path = GOLDEN / name
    actual = _normalise(actual)
    if REGENERATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"missing {path}; run with FLAGLINT_REGEN_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


# ------------------------------------------------------------------ golden


def test_text_golden(run_cli, legacy: Path, fixed_rules: None) -> None:
    result = run_cli("audit", "--no-cache", cwd=legacy)
    assert result.code == 0, result.err
    _golden("audit.text.txt", result.out)


def test_json_golden_with_since(run_cli, legacy: Path, fixed_rules: None) -> None:
    result = run_cli("audit", "--since", "HEAD~1", "--format", "json", cwd=legacy)
    assert result.code == 0, result.err
    _golden("audit.json.json", result.out)


def test_html_golden_with_since(run_cli, legacy: Path, fixed_rules: None) -> None:
    result = run_cli("audit", "--since", "HEAD~1", "--html", "report.html", cwd=legacy)
    assert result.code == 0, result.err
    assert "wrote report.html" in result.err
    _golden("audit.html", (legacy / "report.html").read_text(encoding="utf-8"))


# ----------------------------------------------------------- what it says


def test_audit_reads_history_and_rules(run_cli, legacy: Path, fixed_rules: None) -> None:
    data = json.loads(run_cli("audit", "--format", "json", cwd=legacy).out)
    flags = {f["key"]: f for f in data["flags"]}
    export = flags["billing-legacy-export"]
    assert export["history"]["first_seen"]["date"] == "2014-03-02"
    # The `if` line is from 2014; the call it guards changed in 2021.
    assert export["history"]["gate_change"]["date"] == "2021-11-05"
    assert (export["history"]["gate_path"], export["history"]["gate_line"]) == (
        "billing/export.py",
        22,
    )
    assert export["gates"]["on"]["exclusive"] == ["billing.export.upload_to_s3"]
    assert data["summary"]["old_keys_new_gates"] == [
        {
            "key": "billing-legacy-export",
            "first_seen": "2014-03-02",
            "gate_change": "2021-11-05",
            "days_between": 2805,
        }
    ]
    fast = flags["FEATURE_FAST_INVOICES"]
    assert fast["history"]["first_seen"]["date"] == "2016-07-19"
    assert fast["findings"] == 1
    assert [r["rule"] for r in data["findings"]] == ["FL901", "FL103"]
    assert [d["expression"] for d in data["dynamic_reads"]] == ["ctx.experiment"]
    # Without --since the revision-comparing rule is listed as not run, with the reason.
    assert data["summary"]["rules_skipped"] == ["FL990"]
    assert any("--since REV" in note for note in data["notes"])


def test_readme_names_every_json_field(run_cli, legacy: Path, fixed_rules: None) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Auditing a legacy repository", 1)[1].split("\n## ", 1)[0]
    data = json.loads(run_cli("audit", "--since", "HEAD~1", "--format", "json", cwd=legacy).out)
    flag = data["flags"][0]
    names = (
        set(data)
        | set(data["repository"])
        | set(data["summary"])
        | set(flag)
        | set(flag["gates"]["on"])
        | set(flag["history"])
        | set(data["repository"]["head"])
    )
    missing = sorted(n for n in names if f'"{n}"' not in section)
    assert not missing, f"README does not describe {missing}"


def test_since_runs_revision_rules(run_cli, legacy: Path, fixed_rules: None) -> None:
    data = json.loads(run_cli("audit", "--since", "HEAD~2", "--format", "json", cwd=legacy).out)
    kept = [f for f in data["findings"] if f["rule"] == "FL990"]
    assert [f["flag"] for f in kept] == ["billing-legacy-export"]
    assert kept[0]["related"][0]["revision"] == data["repository"]["since"]["commit"]
    assert data["repository"]["since"]["date"] == "2014-03-02"
    assert data["summary"]["rules_skipped"] == []
    assert data["summary"]["added_since"] == ["FEATURE_FAST_INVOICES"]
    assert data["summary"]["removed_since"] == []
    text = run_cli("audit", "--since", "HEAD~2", cwd=legacy).out
    assert "Flags added since HEAD~2: FEATURE_FAST_INVOICES" in text


def test_unknown_receiver_calls_read_as_any_method() -> None:
    from flaglint.audit.gather import _readable

    assert _readable("name:get") == "*.get"
    assert _readable("pkg.mod.f") == "pkg.mod.f"


def test_new_registry_rules_appear_without_audit_changes(
    run_cli, legacy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Everywhere(Rule):
        code, name, summary = "FL998", "test-everywhere", "tests only"

        def check(self, project: Project) -> Iterator[Finding]:
            yield self.finding("billing/flags.py", 3, 1, "seen")

    monkeypatch.setattr("flaglint.cli.show.ALL_RULES", (FlagExpired, Everywhere))
    data = json.loads(run_cli("audit", "--format", "json", cwd=legacy).out)
    assert {r["rule"]: r["count"] for r in data["summary"]["findings_by_rule"]} == {
        "FL103": 1,
        "FL998": 1,
    }


def test_audit_checks_hook(legacy: Path) -> None:
    def resurrected(project: Project) -> list[Finding]:
        return [
            Finding(
                "FL203",
                "flag-resurrected",
                Severity.WARNING,
                "billing/flags.py",
                3,
                1,
                "hook finding",
                flag="billing-legacy-export",
            )
        ]

    project = analyse(load_config(legacy), [legacy], use_cache=False)
    audit = run_audit(project, RULES, checks=(resurrected,))
    data = audit_data(audit)
    assert "FL203" in [f["rule"] for f in data["findings"]]
    assert {"rule": "FL203", "name": "", "severity": "", "count": 1} in data["summary"][
        "findings_by_rule"
    ]
    page = render_audit_html(data)
    assert "hook finding" in page and 'href="#rule-FL203"' not in page


def test_uncommitted_gate_lines_are_counted(run_cli, legacy: Path, fixed_rules: None) -> None:
    export = legacy / "billing" / "export.py"
    export.write_text(export.read_text().replace("ctx, False", "ctx, True"))
    data = json.loads(run_cli("audit", "--format", "json", cwd=legacy).out)
    flag = next(f for f in data["flags"] if f["key"] == "billing-legacy-export")
    assert flag["history"]["uncommitted_gates"] == 1
    assert flag["history"]["gate_path"] == "billing/export.py"
    assert data["repository"]["dirty"] == ["billing/export.py"]
    assert any("uncommitted" in note for note in data["notes"])


def test_demo_shows_the_knight_signature(tmp_path: Path) -> None:
    repo = materialise(tmp_path / "smars")
    project = analyse(load_config(repo), [repo], use_cache=False)
    data = audit_data(run_audit(project, RULES))
    [row] = data["summary"]["old_keys_new_gates"]
    assert (row["key"], row["first_seen"], row["gate_change"]) == (
        "smars-peg-mode",
        "2003-06-02",
        "2012-07-27",
    )


def test_root_below_the_repository_top(run_cli, tmp_path: Path, git_env: None) -> None:
    repo = tmp_path / "mono"
    (repo / "svc").mkdir(parents=True)
    (repo / "svc" / "pyproject.toml").write_text("[tool.flaglint]\n")
    (repo / "svc" / "app.py").write_text(
        'import os\n\n\ndef go():\n    if os.getenv("FEATURE_A"):\n        go()\n'
    )
    # The same key elsewhere in the repository, earlier: not part of this audit.
    (repo / "other.py").write_text('import os\nos.getenv("FEATURE_A")\n')
    run_git(repo, "init", "-q", "-b", "main")
    run_git(repo, "add", "other.py")
    run_git(repo, "commit", "-qm", "other", date="2019-01-01T00:00:00+0000")
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-qm", "svc", date="2020-01-01T00:00:00+0000")
    data = json.loads(run_cli("audit", "--format", "json", cwd=repo / "svc").out)
    [flag] = data["flags"]
    assert flag["history"]["first_seen"]["date"] == "2020-01-01"
    assert data["project"] == "svc"


def test_built_key_is_found_by_its_last_part(run_cli, tmp_path: Path, git_env: None) -> None:
    repo = tmp_path / "shop"
    repo.mkdir()
    (repo / "toggles.py").write_text(
        "from edx_toggles.toggles import WaffleFlag\n\nNS = 'shop'\n"
        "NEW_CHECKOUT = WaffleFlag(f'{NS}.new_checkout_flow', __name__)\n"
    )
    run_git(repo, "init", "-q", "-b", "main")
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-qm", "toggle", date="2017-05-01T00:00:00+0000")
    (repo / "views.py").write_text(
        "from toggles import NEW_CHECKOUT\n\n\ndef pay():\n"
        "    if NEW_CHECKOUT.is_enabled():\n        pay()\n"
    )
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-qm", "use it", date="2018-05-01T00:00:00+0000")
    data = json.loads(run_cli("audit", "--format", "json", cwd=repo).out)
    [flag] = data["flags"]
    assert flag["key"] == "shop.new_checkout_flow"
    assert flag["history"]["first_seen"]["date"] == "2017-05-01"
    assert flag["history"]["searched"] == "new_checkout_flow"
    text = run_cli("audit", cwd=repo).out
    assert "found by its part 'new_checkout_flow'" in text


# ----------------------------------------------------------- determinism


def test_same_tree_same_bytes(run_cli, tmp_path: Path, fixed_rules: None) -> None:
    outputs = []
    for place in ("a", "b"):
        repo = replay("legacy", tmp_path / place / "legacy", CASES)
        for _ in range(2):  # cold, then warm from the cache
            run_cli("audit", "--since", "HEAD~1", "--html", "r.html", cwd=repo)
            html = (repo / "r.html").read_text(encoding="utf-8")
            text = run_cli("audit", "--since", "HEAD~1", cwd=repo).out
            outputs.append((html, text))
    assert all(o == outputs[0] for o in outputs)


# ---------------------------------------------------------------- no git


def test_tree_without_git_degrades_with_a_note(
    run_cli, legacy: Path, tmp_path: Path, fixed_rules: None
) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(legacy, plain, ignore=shutil.ignore_patterns(".git", ".flaglint_cache"))
    result = run_cli("audit", "--html", "r.html", cwd=plain)
    assert result.code == 0, result.err
    assert "Not a git work tree: flag history" in result.out
    assert "first seen    " not in result.out
    assert "billing-legacy-export" in result.out
    html = (plain / "r.html").read_text(encoding="utf-8")
    assert "Not a git work tree" in html
    data = json.loads(run_cli("audit", "--format", "json", cwd=plain).out)
    assert data["repository"] is None
    assert all(f["history"] is None for f in data["flags"])


def test_no_history_skips_git(run_cli, legacy: Path, fixed_rules: None) -> None:
    data = json.loads(run_cli("audit", "--no-history", "--format", "json", cwd=legacy).out)
    assert data["repository"] is None
    assert data["notes"][-1] == "History was not read (--no-history)."
    assert [f["key"] for f in data["flags"]] == ["FEATURE_FAST_INVOICES", "billing-legacy-export"]


def test_since_without_git_is_a_usage_error(run_cli, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    result = run_cli("audit", "--since", "HEAD", cwd=tmp_path)
    assert result.code == 2
    assert result.err.count("\n") == 1 and "not inside a git repository" in result.err


def test_html_into_a_missing_folder_is_a_usage_error(run_cli, tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x = 1\n")
    result = run_cli("audit", "--html", "no/such/dir/r.html", cwd=tmp_path)
    assert result.code == 2 and result.err.count("\n") == 1 and "--html" in result.err


# -------------------------------------------------------------- escaping

HOSTILE = """\
import ldclient


def go():
    pass


def view(ctx):
    if ldclient.get().variation("<script>alert('k')</script>", ctx, False):
        go()
    return ldclient.get().variation(ctx["<img src=x onerror=alert(1)>"], ctx, False)
"""


def test_html_escapes_keys_paths_and_expressions(run_cli, tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "views.py").write_text(HOSTILE)
    result = run_cli("audit", "--html", "r.html", cwd=tmp_path)
    assert result.code == 0, result.err
    page = (tmp_path / "r.html").read_text(encoding="utf-8").replace("<wbr>", "")
    assert "<script>alert" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&#x27;k&#x27;)&lt;/script&gt;" in page
    assert page.count("<script>") == 1  # the page's own filter script
    anchor = flag_anchor("<script>alert('k')</script>")
    assert re.fullmatch(r"flag-[A-Za-z0-9_.-]+", anchor) and f'id="{anchor}"' in page


def test_html_is_offline(legacy: Path) -> None:
    project = analyse(load_config(legacy), [legacy], use_cache=False)
    page = render_audit_html(audit_data(run_audit(project, RULES)))
    assert not re.search(r"(src|href)=\"(https?:)?//", page)
    assert "@import" not in page and "url(" not in page


# ----------------------------------------------------------------- git layer


def test_key_mentions_is_one_pass_and_respects_word_edges(tmp_path: Path, git_env: None) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    run_git(repo, "init", "-q", "-b", "main")
    (repo / "a.py").write_text('X = "FEATURE_XY"\n')
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-qm", "longer key only", date="2018-01-01T00:00:00+0000")
    (repo / "a.py").write_text('X = "FEATURE_XY"\nY = "FEATURE_X"\nZ = "a.b"\n')
    run_git(repo, "commit", "-qam", "both", date="2019-01-01T00:00:00+0000")
    (repo / "a.py").write_text('X = "FEATURE_XY"\nZ = "a.b"\n')
    run_git(repo, "commit", "-qam", "drop short", date="2020-01-01T00:00:00+0000")
    found = history.key_mentions(repo, ["FEATURE_X", "FEATURE_XY", "a.b", "missing"])
    assert found["FEATURE_X"].first.date == "2019-01-01"
    assert found["FEATURE_X"].last.date == "2020-01-01"
    assert found["FEATURE_XY"].first.date == "2018-01-01"
    assert found["FEATURE_XY"].last.date == "2018-01-01"
    assert found["a.b"].first.subject == "both"
    assert "missing" not in found


def test_blame_line_commits_marks_uncommitted_lines(tmp_path: Path, git_env: None) -> None:
    repo = tmp_path / "r"
    repo.mkdir()
    run_git(repo, "init", "-q", "-b", "main")
    (repo / "a.py").write_text("a = 1\nb = 2\n")
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-qm", "first", date="2018-01-01T00:00:00+0000")
    (repo / "a.py").write_text("a = 1\nb = 3\n")
    blamed = history.blame_line_commits(repo, "a.py", [2, 1, 2])
    assert blamed[1] is not None and blamed[1].subject == "first"
    assert blamed[1].date == "2018-01-01"
    assert blamed[2] is None


def test_repository_without_commits(run_cli, tmp_path: Path, git_env: None) -> None:
    (tmp_path / "app.py").write_text('import os\nif os.getenv("FEATURE_A"):\n    pass\n')
    run_git(tmp_path, "init", "-q", "-b", "main")
    result = run_cli("audit", cwd=tmp_path)
    assert result.code == 0, result.err
    assert "no commits yet" in result.out and "FEATURE_A" in result.out


def test_key_mentions_failure_is_a_history_error(tmp_path: Path, git_env: None) -> None:
    run_git(tmp_path, "init", "-q", "-b", "main")
    # An unborn branch has no log: git exits non-zero and the caller is told.
    with pytest.raises(history.HistoryError):
        history.key_mentions(tmp_path, ["FEATURE_A"])


def test_html_tags_balance_and_headings_descend(legacy: Path) -> None:
    from html.parser import HTMLParser

    void = {"meta", "br", "wbr", "input", "link", "img", "hr", "col"}

    class Checker(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []
            self.headings: list[int] = []
            self.ids: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            self.ids.extend(v for k, v in attrs if k == "id" and v)
            if re.fullmatch(r"h[1-6]", tag):
                self.headings.append(int(tag[1]))
            if tag not in void:
                self.stack.append(tag)

        def handle_endtag(self, tag: str) -> None:
            assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
            self.stack.pop()

    project = analyse(load_config(legacy), [legacy], use_cache=False)
    page = render_audit_html(audit_data(run_audit(project, RULES)))
    checker = Checker()
    checker.feed(page)
    assert checker.stack == []
    assert checker.headings[0] == 1
    assert all(b - a <= 1 for a, b in zip(checker.headings, checker.headings[1:], strict=False))
    assert len(checker.ids) == len(set(checker.ids))
    for target in re.findall(r'href="#([^"]+)"', page):
        assert target in checker.ids, f"link to missing #{target}"


@pytest.mark.usefixtures("git_env")
def test_audit_stats_show_each_phase_and_leave_the_report_alone(tmp_path: Path, run_cli) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text(
        "import os\n\n\ndef route():\n    if os.environ.get('FEATURE_FAST') == '1':\n"
        "        fast()\n\n\ndef fast():\n    return 1\n"
    )
    run_git(repo, "init", "-q", "-b", "main")
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "one")
    plain = run_cli("audit", "--format", "json", cwd=repo)
    timed = run_cli("audit", "--format", "json", "--stats", cwd=repo)
    assert timed.out == plain.out
    phases = dict(re.findall(r" (\w+)=([\d.]+)s", timed.err))
    assert {"facts", "graph", "rules", "history", "reach", "report"} <= set(phases)
    if sys.platform != "win32":  # and the run's peak memory, workers included
        assert re.search(r" peak-rss=[1-9]\d*MB$", timed.err.strip())
    no_history = run_cli("audit", "--no-history", "--stats", cwd=repo)
    assert " history=" not in no_history.err and " reach=" in no_history.err
