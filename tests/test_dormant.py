"""FL101 / FL104 beyond the marker fixtures: git errors, blame, scope of blame and vulture."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from conftest import run_git
from histories import replay

from flaglint import history
from flaglint.config import load_config
from flaglint.engine import analyse, analyse_revision, run_rules
from flaglint.rules import by_code
from flaglint.rules.dormant.labels import calls_itself_old

GATED = """\
import ldclient


def route(order):
    if ldclient.get().variation("peg", order.ctx, False):
        power_peg(order)


def power_peg(order):
    '''{doc}'''
    return order


def unrelated(order):
    return order


if __name__ == "__main__":
    route(None)
"""


def _repo(tmp_path: Path, doc: str = "Peg orders.", config: str = "") -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "pyproject.toml").write_text(f"[tool.flaglint]\n{config}\n")
    (repo / "router.py").write_text(GATED.format(doc=doc))
    (repo / "other.py").write_text("def helper():\n    return 1\n")
    run_git(repo, "init", "-q", "-b", "main")
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", "one", date="2001-01-01T00:00:00+0000")
    return repo


def _check(repo: Path, code: str):
    project = analyse(load_config(repo), [repo], use_cache=False)
    rule = by_code(code)
    assert rule is not None
    return project, run_rules(project, [rule])


# ----------------------------------------------------------------- --base errors
@pytest.mark.usefixtures("git_env")
def test_base_outside_git_is_exit_2(run_cli, tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    result = run_cli("check", "--base", "HEAD~1", "--no-cache", str(tmp_path))
    assert result.code == 2
    assert result.err.count("\n") == 1 and "not inside a git repository" in result.err


@pytest.mark.usefixtures("git_env")
def test_base_unknown_revision_is_exit_2(run_cli, tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    result = run_cli("check", "--base", "no-such-tag", "--no-cache", str(repo))
    assert result.code == 2
    assert result.err.count("\n") == 1 and "unknown revision 'no-such-tag'" in result.err


@pytest.mark.usefixtures("git_env")
def test_base_in_shallow_clone_says_fetch_full_history(run_cli, tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "other.py").write_text("def helper():\n    return 2\n")
    run_git(repo, "commit", "-qam", "two", date="2002-01-01T00:00:00+0000")
    clone = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", repo.as_uri(), str(clone)],
        check=True,
        capture_output=True,
    )
    result = run_cli("check", "--base", "HEAD~1", "--no-cache", str(clone))
    assert result.code == 2
    assert result.err.count("\n") == 1
    assert "shallow" in result.err and "fetch" in result.err


@pytest.mark.usefixtures("git_env")
def test_fl104_through_the_cli(run_cli, tmp_path: Path) -> None:
    repo = replay("FL104_after_removal", tmp_path / "repo")
    result = run_cli("check", "--base", "HEAD~1", "--select", "FL104", "--no-cache", str(repo))
    assert result.code == 1, result.err
    assert "app/billing.py:16:1: FL104 `old_invoice`" in result.out
    assert "new-invoices" in result.out
    quiet = run_cli("check", "--select", "FL104", "--no-cache", str(repo))
    assert quiet.code == 0  # FL104 needs --base


@pytest.mark.usefixtures("git_env")
def test_fl104_names_the_old_and_new_place_of_a_moved_method(run_cli, tmp_path: Path) -> None:
    repo = replay("FL104_shapes", tmp_path / "repo")
    result = run_cli("check", "--base", "HEAD~1", "--select", "FL104", "--no-cache", str(repo))
    moved = [line for line in result.out.splitlines() if "app/exporting.py:5:" in line]
    assert moved, result.out
    assert "`Exporter._write_v1` (moved from `app.exports.writer.Exporter._write_v1`)" in moved[0]
    assert "flag 'csv-v2'" in moved[0]
    kept = [line for line in result.out.splitlines() if "app/costs.py:17:" in line]
    assert "whose gate in app.costs.CostUpdater.update" in kept[0]


# ------------------------------------------------------------------------ blame
@pytest.mark.usefixtures("git_env")
def test_blame_dates_committed_and_uncommitted_lines(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    lines = history.blame(repo, "router.py")
    assert {b.author_time for b in lines.values()} == {978307200}  # 2001-01-01
    path = repo / "router.py"
    path.write_text(path.read_text().replace("return order\n", "return order  # edited\n", 1))
    edited = history.blame(repo, "router.py")
    newest = max(b.author_time for b in edited.values())
    assert newest > time.time() - 3600  # uncommitted lines count as changed now
    assert history.blame(repo, "router.py", "HEAD") == lines


@pytest.mark.usefixtures("git_env")
def test_age_gap_and_same_age(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _, findings = _check(repo, "FL101")
    assert findings == []  # gate and code of the same age
    router = repo / "router.py"
    router.write_text(
        router.read_text().replace('"peg", order.ctx, False', '"peg", order.context, False')
    )
    run_git(repo, "commit", "-qam", "new gate", date="2004-01-01T00:00:00+0000")
    _, findings = _check(repo, "FL101")
    assert [(f.line, f.symbol, f.flag) for f in findings] == [(9, "router.power_peg", "peg")]
    assert "1095 days before its gate" in findings[0].message
    assert "path: router.route -> router.power_peg" in findings[0].message


@pytest.mark.usefixtures("git_env")
def test_age_gap_respects_dormant_after_days(tmp_path: Path) -> None:
    repo = _repo(tmp_path, config="dormant-after-days = 2000")
    router = repo / "router.py"
    router.write_text(
        router.read_text().replace('"peg", order.ctx, False', '"peg", order.context, False')
    )
    run_git(repo, "commit", "-qam", "new gate", date="2004-01-01T00:00:00+0000")
    assert _check(repo, "FL101")[1] == []


def _spy_on_git(
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[list[tuple[str, tuple[tuple[int, int], ...]]], list[list[str]]]:
    """What FL101 blames (paths and lines) and the file sets it hands vulture, as they happen."""
    import flaglint.history.blames as history_blame
    import flaglint.rules.dormant.evidence as dormancy

    blamed: list[tuple[str, tuple[tuple[int, int], ...]]] = []
    scanned: list[list[str]] = []
    real_blame, real_scan = history.blame, dormancy.scan_sources

    def spy_blame(
        repo: Path, path: str, revision: str = "", ignore_revs=(), contents=None, spans=()
    ):
        blamed.append((path, tuple(spans)))
        return real_blame(repo, path, revision, ignore_revs, contents, spans)

    def spy_scan(sources):
        scanned.append(sorted(sources))
        return real_scan(sources)

    monkeypatch.setattr(history_blame, "blame", spy_blame)
    monkeypatch.setattr(dormancy, "scan_sources", spy_scan)
    return blamed, scanned


@pytest.mark.usefixtures("git_env")
def test_only_relevant_files_are_blamed_and_scanned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _repo(tmp_path)
    blamed, scanned = _spy_on_git(monkeypatch)
    _check(repo, "FL101")
    # Only the gate (its read and its call) and the gated function, not the whole file.
    assert blamed == [("router.py", ((5, 6), (9, 11)))]
    assert scanned == [["router.py"]]


@pytest.mark.usefixtures("git_env")
def test_fl101_starts_blaming_before_the_other_rules_and_is_checked_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git blames while the other rules run: FL101 starts first and is checked last,
    blaming each file once, with the findings a plain check gives."""
    from flaglint.rules.base import Rule
    from flaglint.rules.dormant.dormant_flag_path import DormantFlagPath

    repo = _repo(tmp_path, doc="Deprecated: use route_v2.")
    plain = [(f.rule, f.line, f.symbol) for f in _check(repo, "FL101")[1]]
    assert plain == [("FL101", 9, "router.power_peg")]
    events: list[str] = []

    class Other(Rule):
        code = "FL998"
        name = "other"

        def check(self, project):  # type: ignore[no-untyped-def]
            events.append("other checked")
            return []

    real_start, real_check = DormantFlagPath.start, DormantFlagPath.check

    def start(self, project):  # type: ignore[no-untyped-def]
        events.append("FL101 started")
        return real_start(self, project)

    def check(self, project):  # type: ignore[no-untyped-def]
        events.append("FL101 checked")
        return real_check(self, project)

    monkeypatch.setattr(DormantFlagPath, "start", start)
    monkeypatch.setattr(DormantFlagPath, "check", check)
    blamed, _ = _spy_on_git(monkeypatch)
    project = analyse(load_config(repo), [repo], use_cache=False)
    found = run_rules(project, [DormantFlagPath, Other])
    assert events == ["FL101 started", "other checked", "FL101 checked"]
    assert [(f.rule, f.line, f.symbol) for f in found] == plain
    assert [path for path, _ in blamed] == ["router.py"]


@pytest.mark.usefixtures("git_env")
def test_both_graphs_are_built_before_fl101_starts_blaming(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Graphs resolve in forked workers only while one thread runs: with --base, the
    head's and the base's graphs are built before FL101's blame threads start."""
    import threading

    from flaglint.callgraph import build as build_module
    from flaglint.engine import attach_base

    repo = _repo(tmp_path)
    (repo / "other.py").write_text("def helper():\n    return 2\n")
    run_git(repo, "commit", "-qam", "two", date="2004-01-01T00:00:00+0000")
    threads: list[int] = []
    real = build_module.resolve_in_workers

    def spy(graph, files, jobs):  # type: ignore[no-untyped-def]
        threads.append(threading.active_count())
        return real(graph, files, jobs)

    monkeypatch.setattr(build_module, "resolve_in_workers", spy)
    blamed, _ = _spy_on_git(monkeypatch)
    config = load_config(repo)
    project = attach_base(analyse(config, [repo], use_cache=False), config, "HEAD~1")
    run_rules(project, [by_code("FL101"), by_code("FL104")])
    assert threads == [1, 1]
    assert [path for path, _ in blamed] == ["router.py"]


@pytest.mark.usefixtures("git_env")
def test_a_side_whose_default_is_unknown_is_scanned_but_not_blamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Age is no evidence where nobody knows which side runs: git is not asked."""
    repo = _repo(tmp_path, doc="Obsolete since 2003.")
    router = repo / "router.py"
    text = router.read_text().replace("def route(order):", "def route(order, fallback):")
    router.write_text(
        text.replace('"peg", order.ctx, False', '"peg", order.ctx, fallback').replace(
            "route(None)", "route(None, None)"
        )
    )
    run_git(repo, "commit", "-qam", "default from the caller", date="2004-01-01T00:00:00+0000")
    blamed, scanned = _spy_on_git(monkeypatch)
    _, findings = _check(repo, "FL101")
    assert [(f.symbol, f.flag) for f in findings] == [("router.power_peg", "peg")]
    assert "1095 days" not in findings[0].message
    assert scanned == [["router.py"]]
    assert blamed == []


SCHEME_GATED = """\
import environ

env = environ.FileAwareEnv(PEG=(bool, {default}))


def route(order):
    if env("PEG"):
        power_peg(order)


def power_peg(order):
    '''Peg orders.'''
    return order


if __name__ == "__main__":
    route(None)
"""


@pytest.mark.usefixtures("git_env")
@pytest.mark.parametrize("default", ["False", "True"])
def test_a_django_environ_scheme_states_the_default(tmp_path: Path, default: str) -> None:
    """``environ.FileAwareEnv(PEG=(bool, False))``: the flag is off unless set, so the
    on side is the one age speaks for; with ``(bool, True)`` it runs every day."""
    repo = _repo(tmp_path)
    (repo / "router.py").write_text(SCHEME_GATED.format(default=default).replace("PEG", "OLD"))
    run_git(repo, "commit", "-qam", "old", date="2001-01-01T00:00:00+0000")
    (repo / "router.py").write_text(SCHEME_GATED.format(default=default))
    run_git(repo, "commit", "-qam", "new gate", date="2004-01-01T00:00:00+0000")
    _, findings = _check(repo, "FL101")
    if default == "True":
        assert findings == []
        return
    assert [(f.line, f.symbol, f.flag) for f in findings] == [(11, "router.power_peg", "PEG")]
    assert "1095 days before its gate" in findings[0].message


@pytest.mark.usefixtures("git_env")
def test_blames_are_kept_between_runs_until_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = _repo(tmp_path)
    router = repo / "router.py"
    router.write_text(
        router.read_text().replace('"peg", order.ctx, False', '"peg", order.context, False')
    )
    run_git(repo, "commit", "-qam", "new gate", date="2004-01-01T00:00:00+0000")
    blamed, _ = _spy_on_git(monkeypatch)

    def fl101() -> list[tuple[int, str, str]]:
        project = analyse(load_config(repo), [repo])  # with the cache folder
        return [(f.line, f.symbol, f.message) for f in run_rules(project, [by_code("FL101")])]

    first = fl101()
    assert [(line, symbol) for line, symbol, _ in first] == [(9, "router.power_peg")]
    assert "1095 days before its gate" in first[0][2]
    assert [path for path, _ in blamed] == ["router.py"]
    assert fl101() == first  # the stored blame answers
    assert [path for path, _ in blamed] == ["router.py"]
    # An uncommitted edit elsewhere in the file: blamed afresh, and not stored.
    router.write_text(router.read_text() + "\n\ndef later():\n    return 2\n")
    assert fl101() == first
    assert fl101() == first
    assert [path for path, _ in blamed] == ["router.py"] * 3
    # Committed: a new HEAD, a new blame, then stored again.
    run_git(repo, "commit", "-qam", "later", date="2005-01-01T00:00:00+0000")
    assert fl101() == first
    assert fl101() == first
    assert [path for path, _ in blamed] == ["router.py"] * 4
    # A commit that leaves the file alone keeps its blame (the pre-commit
    # hook's next run after every commit).
    (repo / "other.py").write_text("def other():\n    return 3\n")
    run_git(repo, "add", "other.py")
    run_git(repo, "commit", "-qm", "elsewhere", date="2006-01-01T00:00:00+0000")
    assert fl101() == first
    assert [path for path, _ in blamed] == ["router.py"] * 4


def test_no_git_means_no_age_evidence_but_markers_work(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "router.py").write_text(GATED.format(doc="Obsolete since 2003."))
    _, findings = _check(tmp_path, "FL101")
    assert [f.symbol for f in findings] == ["router.power_peg"]
    assert "docstring says 'Obsolete'" in findings[0].message


def test_deprecation_words_are_configurable(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.flaglint]\ndeprecation-words = ["sunset"]\n')
    (tmp_path / "router.py").write_text(GATED.format(doc="Legacy peg."))
    assert _check(tmp_path, "FL101")[1] == []
    (tmp_path / "router.py").write_text(GATED.format(doc="Sunset in Q3."))
    assert [f.symbol for f in _check(tmp_path, "FL101")[1]] == ["router.power_peg"]


def test_finding_relates_gate_and_evidence(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    source = GATED.format(doc="Peg.").replace(
        "    return order\n\n\ndef unrelated",
        "    warnings.warn('x', DeprecationWarning)\n    return order\n\n\ndef unrelated",
    )
    (tmp_path / "router.py").write_text("import warnings\n" + source)
    _, findings = _check(tmp_path, "FL101")
    assert len(findings) == 1
    related = [(r.path, r.line, r.message) for r in findings[0].related]
    assert ("router.py", 7, "gate: flag 'peg' on calls here") in related
    assert ("router.py", 12, "warns DeprecationWarning") in related


def test_revision_projects_read_sources_from_git(tmp_path: Path, git_env: None) -> None:
    repo = _repo(tmp_path, doc="Deprecated.")
    (repo / "router.py").unlink()  # the work tree no longer has it; the revision does
    project = analyse_revision(load_config(repo), "HEAD")
    rule = by_code("FL101")
    assert rule is not None
    findings = run_rules(project, [rule])
    assert [f.symbol for f in findings] == ["router.power_peg"]


def test_fl101_is_suppressed_on_the_def_line(run_cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    source = GATED.format(doc="Deprecated.")
    (tmp_path / "router.py").write_text(source)
    assert run_cli("check", "--select", "FL101", "--no-cache", str(tmp_path)).code == 1
    (tmp_path / "router.py").write_text(
        source.replace("def power_peg(order):", "def power_peg(order):  # flaglint: ignore[FL101]")
    )
    quiet = run_cli("check", "--select", "FL101", "--no-cache", str(tmp_path))
    assert quiet.code == 0, quiet.out


@pytest.mark.usefixtures("git_env")
def test_blame_honours_git_blame_ignore_revs(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    router = repo / "router.py"
    router.write_text(router.read_text().replace("return order\n", "return (order)\n"))
    run_git(repo, "commit", "-qam", "sweep", date="2010-01-01T00:00:00+0000")
    sweep = run_git(repo, "rev-parse", "HEAD").strip()
    assert max(b.author_time for b in history.blame(repo, "router.py").values()) > 978307200
    (repo / ".git-blame-ignore-revs").write_text(f"# style sweep\n{sweep}\n{'f' * 40}\n")
    run_git(repo, "add", ".git-blame-ignore-revs")
    run_git(repo, "commit", "-qm", "ignore the sweep", date="2010-01-02T00:00:00+0000")
    for revision in ("", "HEAD"):
        lines = history.blame(repo, "router.py", revision)
        assert {b.author_time for b in lines.values()} == {978307200}, revision


@pytest.mark.usefixtures("git_env")
def test_a_failing_blame_is_retried_only_without_an_ignore_revs_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git blame is run again without the ignore-revs file only when one was used: a
    blame that fails for another reason (a blob a partial clone lacks) fails once."""
    import flaglint.history.blames as blames

    repo = _repo(tmp_path)
    blamed: list[tuple[str, ...]] = []
    real_git = blames.git

    def spy(repo_: Path, *args: str, **kwargs):  # type: ignore[no-untyped-def]
        if "blame" in args:
            blamed.append(args)
        return real_git(repo_, *args, **kwargs)

    monkeypatch.setattr(blames, "git", spy)
    with pytest.raises(history.HistoryError):
        history.blame(repo, "missing.py")
    assert len(blamed) == 1
    # With commits listed in .git-blame-ignore-revs, a failure is retried without them.
    first = run_git(repo, "rev-parse", "HEAD").strip()
    (repo / ".git-blame-ignore-revs").write_text(f"{first}\n")
    blamed.clear()
    with pytest.raises(history.HistoryError):
        history.blame(repo, "missing.py")
    assert len(blamed) == 2
    assert "--ignore-rev" in blamed[0] and "--ignore-rev" not in blamed[1]


@pytest.mark.usefixtures("git_env")
def test_reformat_only_compares_syntax_trees(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    router = repo / "router.py"
    router.write_text(router.read_text().replace('"peg"', "'peg'"))
    run_git(repo, "commit", "-qam", "quotes", date="2010-01-01T00:00:00+0000")
    assert history.reformat_only(repo, run_git(repo, "rev-parse", "HEAD").strip(), "router.py")
    router.write_text(router.read_text().replace("'peg'", "'peg2'"))
    run_git(repo, "commit", "-qam", "rename", date="2010-01-02T00:00:00+0000")
    assert not history.reformat_only(repo, run_git(repo, "rev-parse", "HEAD").strip(), "router.py")


def test_vulture_trusts_no_unused_verdict_a_file_it_cannot_read_may_contradict() -> None:
    from flaglint.rules.dormant.unused import scan_sources

    sources = {
        "lib.py": b"def migrate(x):\n    return x\n\n\ndef orphan(x):\n    return x\n",
        # Syntax this Python cannot parse (PEP 695 on older versions looks the same to it).
        "use.py": b"from lib import migrate\n\ndef run(:\n    return migrate(1)\n",
    }
    report = scan_sources(sources)
    assert report.definition("lib.py", 1, "migrate") is None
    assert report.definition("lib.py", 5, "orphan") is not None


def test_vulture_reads_new_grammar_lowered() -> None:
    from flaglint.rules.dormant.unused import scan_sources

    sources = {
        "lib.py": b"def migrate(x):\n    return x\n",
        "use.py": b"from lib import migrate\n\n\ndef run[T](x: T) -> T:\n    return migrate(x)\n",
    }
    assert scan_sources(sources).definition("lib.py", 1, "migrate") is None


def test_provider_absent_must_be_a_bool(tmp_path: Path) -> None:
    from flaglint.config import ConfigError

    (tmp_path / "pyproject.toml").write_text(
        '[tool.flaglint]\n[[tool.flaglint.providers]]\nname = "x"\nmethods = ["on"]\n'
        'absent = "no"\n'
    )
    with pytest.raises(ConfigError, match="providers.absent"):
        load_config(tmp_path)


def test_waffle_absent_agrees_with_and_without_settings() -> None:
    from flaglint.rules.dormant.polarity import waffle_absent

    # A wrapper whose name says no kind: off when nothing is set, whether or not settings exist.
    assert waffle_absent("is_on", {}) is False
    assert waffle_absent("is_on", {"WAFFLE_SAMPLE_DEFAULT": {"False"}}) is False
    assert waffle_absent("is_on", {"WAFFLE_FLAG_DEFAULT": {"True"}}) is None
    assert waffle_absent("switch_is_active", {"WAFFLE_FLAG_DEFAULT": {"True"}}) is False
    assert waffle_absent("flag_is_active", {"WAFFLE_FLAG_DEFAULT": {"True", "False"}}) is None


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Install old requirements.\n\nThis is the old behavior and the one to drop.", True),
        ("This helper was the legacy way to seed the cache.", True),
        ("It is now the previous implementation, kept for one release.", True),
        ("This method is the deprecated code path.", True),
        ("This is the new behavior, where every project is heading.", False),
        ("It accepts manifests in the old format too.", False),
        ("Sync the mirror; the old path on disk is kept for the archive.", False),
        ("Old behavior", False),  # a side's label, not a sentence about the function
        # A bare "it" past the first word is what the text named, not the function.
        ("Install fast.\n\nBefore FEATURE_FAST existed, it was the old behaviour here.", False),
    ],
)
def test_calls_itself_old(text: str, said: bool) -> None:
    assert bool(calls_itself_old(text)) is said


@pytest.mark.usefixtures("git_env")
def test_a_shallow_clone_stores_no_blame_and_deepened_finds_the_old_code(
    tmp_path: Path,
) -> None:
    """Blamed shallow, every line is as young as the clone; deepened, the ages come back."""
    origin = _repo(tmp_path)
    router = origin / "router.py"
    router.write_text(
        router.read_text().replace('"peg", order.ctx, False', '"peg", order.context, False')
    )
    run_git(origin, "commit", "-qam", "new gate", date="2004-01-01T00:00:00+0000")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{origin}", str(clone)], check=True
    )
    (clone / "pyproject.toml").write_text("[tool.flaglint]\n")

    def fl101() -> list[str]:
        project = analyse(load_config(clone), [clone])  # with the cache folder
        return [f.symbol for f in run_rules(project, [by_code("FL101")])]

    assert fl101() == []
    run_git(clone, "fetch", "-q", "--unshallow")
    assert fl101() == ["router.power_peg"]


@pytest.mark.usefixtures("git_env")
def test_a_configured_ignore_revs_file_is_read_from_the_work_tree(tmp_path: Path) -> None:
    """git reads blame.ignoreRevsFile from the work tree: the store's key follows it."""
    from flaglint.rules.dormant.ages import _ignore_revs

    repo = _repo(tmp_path)
    run_git(repo, "config", "blame.ignoreRevsFile", ".git-blame-ignore-revs")
    (repo / ".git-blame-ignore-revs").write_text("")
    before = _ignore_revs(repo, "HEAD")
    (repo / ".git-blame-ignore-revs").write_text("0" * 40 + "\n")
    assert _ignore_revs(repo, "HEAD") != before
    run_git(repo, "config", "blame.ignoreRevsFile", "/etc/hostname")
    assert _ignore_revs(repo, "HEAD") is None  # outside the repository: not stored


@pytest.mark.usefixtures("git_env")
def test_an_editors_buffer_is_blamed_as_it_reads(tmp_path: Path) -> None:
    """``--stdin-filename``: the buffer's lines are blamed, not the saved file's.

    The buffer is the committed file under a new header: the gate and the code it
    reaches moved ten lines down, and keep their ages there.
    """
    import subprocess
    import sys

    repo = _repo(tmp_path)
    router = repo / "router.py"
    router.write_text(
        router.read_text().replace('"peg", order.ctx, False', '"peg", order.context, False')
    )
    run_git(repo, "commit", "-qam", "new gate", date="2004-01-01T00:00:00+0000")
    buffer = "# header\n" * 10 + router.read_text()
    done = subprocess.run(
        [sys.executable, "-m", "flaglint", "check", "--no-cache", "--select", "FL101"]
        + ["--stdin-filename", "router.py"],
        cwd=repo,
        input=buffer.encode(),
        capture_output=True,
    )
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stdout.decode().startswith("router.py:19:"), done.stdout
    assert "1095 days before its gate" in done.stdout.decode()


def test_merged_spans_sorts_and_joins_overlapping_and_adjacent_lines() -> None:
    from flaglint.history.blames import merged_spans

    assert merged_spans([(9, 11), (5, 5), (6, 6), (10, 14), (20, 20), (0, -3)]) == (
        (1, 1),
        (5, 6),
        (9, 14),
        (20, 20),
    )
    assert merged_spans([]) == ()


@pytest.mark.usefixtures("git_env")
def test_blame_cache_answers_from_the_prefetched_lines_and_blames_the_unforeseen_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One blame of a file's foreseen spans answers every question inside them; a
    question outside gets a blame of its own lines; both see each line's own commit."""
    repo = _repo(tmp_path)
    router = repo / "router.py"
    router.write_text(router.read_text().replace("return order\n\n\ndef", "return 1\n\n\ndef", 1))
    run_git(repo, "commit", "-qam", "two", date="2004-01-01T00:00:00+0000")
    blamed, _ = _spy_on_git(monkeypatch)
    cache = history.BlameCache(repo, "HEAD")
    cache.prefetch({"router.py": [(14, 15), (9, 11)]})
    assert blamed == [("router.py", ((9, 11), (14, 15)))]
    power_peg, unrelated = cache.newest("router.py", 9, 11), cache.newest("router.py", 14, 15)
    assert power_peg is not None and unrelated is not None
    assert power_peg.author_time > unrelated.author_time  # line 11 changed in 2004
    assert cache.newest("router.py", 14, 14) == unrelated
    assert len(blamed) == 1
    route = cache.newest("router.py", 4, 6)
    assert blamed[1:] == [("router.py", ((4, 6),))]
    assert route is not None and route.author_time == unrelated.author_time


@pytest.mark.usefixtures("git_env")
def test_a_span_past_the_blamed_texts_end_keeps_the_files_other_ages(
    tmp_path: Path, run_cli
) -> None:
    """``--staged`` reads the index and blames the work tree: a staged addition the work
    tree lacks asks lines past the work-tree file's end. git refuses such a ``-L``;
    the file's other lines keep their ages (as a whole-file blame gives them)."""
    repo = _repo(tmp_path)
    router = repo / "router.py"
    router.write_text(
        router.read_text().replace('"peg", order.ctx, False', '"peg", order.context, False')
    )
    run_git(repo, "commit", "-qam", "new gate", date="2004-01-01T00:00:00+0000")
    committed = router.read_text()
    router.write_text(
        committed
        + "\n\ndef route_fast(order):\n"
        + '    if ldclient.get().variation("fast", order.context, False):\n'
        + "        fast_fill(order)\n\n\ndef fast_fill(order):\n    return order\n\n\n"
        + "route_fast(None)\n"
    )
    run_git(repo, "add", "router.py")
    router.write_text(committed)  # unstaged: the work tree is the shorter text again
    result = run_cli("check", "--staged", "--select", "FL101", "--no-cache", cwd=repo)
    assert "router.py:9:1: FL101 dormant `power_peg`" in result.out, result.out
    assert "1095 days before its gate" in result.out
