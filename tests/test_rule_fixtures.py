"""Every rule fixture: each ``# expect:`` finding appears on its line, and nothing else.

Single files (``fixtures/rules/*.py``) run with the default configuration;
project folders (``fixtures/rules_projects/<case>/``) carry a pyproject.toml;
histories (``fixtures/histories/<case>/``) are replayed into a git repository
and checked at HEAD against their base revision.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from histories import HISTORIES, load_case, replay
from markers import Marker, parse_markers

from flaglint.config import Config, load_config, split_codes
from flaglint.engine import analyse, analyse_revision, run_rules
from flaglint.findings import Finding
from flaglint.project import Project
from flaglint.rules import ALL_RULES, iter_selected

FIXTURES = Path(__file__).parent / "fixtures"
SINGLE = sorted(p.name for p in (FIXTURES / "rules").glob("*.py"))
PROJECTS = sorted(p.name for p in (FIXTURES / "rules_projects").iterdir() if p.is_dir())
HISTORY_CASES = sorted(p.name for p in HISTORIES.iterdir() if p.is_dir())


def assert_matches(findings: list[Finding], markers: list[Marker]) -> None:
    """Compare findings with the markers: rule, path, line and (when given) symbol."""
    by_line: dict[tuple[str, int], list[Finding]] = defaultdict(list)
    for finding in findings:
        by_line[(finding.path, finding.line)].append(finding)
    expected: set[tuple[str, int, str]] = set()
    problems: list[str] = []
    for marker in markers:
        where = f"{marker.path}:{marker.line}"
        code, _, symbol = marker.value.partition(" ")
        here = [f for f in by_line[(marker.path, marker.line)] if f.rule == code]
        if marker.kind == "expect":
            expected.add((marker.path, marker.line, code))
            if not here:
                problems.append(
                    f"{where}: expected {code}, got {by_line[(marker.path, marker.line)]}"
                )
            elif symbol and not any(
                f.symbol == symbol or f.symbol.endswith("." + symbol) for f in here
            ):
                problems.append(
                    f"{where}: {code} on symbol {symbol!r}, got {[f.symbol for f in here]}"
                )
        elif marker.kind == "ok" and here:
            problems.append(f"{where}: {code} must stay quiet, got {here[0].message}")
        elif marker.kind == "todo-expect" and here:
            problems.append(f"{where}: {code} now found; promote todo-expect to expect")
    for finding in findings:
        if (finding.path, finding.line, finding.rule) not in expected:
            problems.append(
                f"unexpected {finding.rule} at {finding.path}:{finding.line}: {finding.message}"
            )
    assert not problems, "\n".join(problems)


def _run(project: Project, select: list[str] | tuple[str, ...] = ()) -> list[Finding]:
    rules = list(iter_selected(ALL_RULES, split_codes(select), ()))
    return run_rules(project, rules)


@pytest.mark.parametrize("case", SINGLE)
def test_single_file_fixture(case: str) -> None:
    root = FIXTURES / "rules"
    project = analyse(Config(root=root), [root / case], use_cache=False)
    assert_matches(_run(project), [m for m in parse_markers(root) if m.path == case])


@pytest.mark.parametrize("case", PROJECTS)
def test_project_fixture(case: str) -> None:
    root = FIXTURES / "rules_projects" / case
    project = analyse(load_config(root), [root], use_cache=False)
    assert_matches(_run(project), parse_markers(root))


@pytest.mark.parametrize("case", HISTORY_CASES)
def test_history_fixture(case: str, tmp_path: Path) -> None:
    repo = replay(case, tmp_path / case)
    options = load_case(case)
    config = load_config(repo)
    project = analyse(config, [repo], use_cache=False)
    project.base = analyse_revision(config, options.base)
    assert_matches(_run(project, options.select), parse_markers(repo))


def expected_codes() -> set[str]:
    roots = [
        FIXTURES / "rules",
        *(FIXTURES / "rules_projects").iterdir(),
        # Suppression fixtures are run through the CLI by test_suppress.py.
        *(FIXTURES / "gate_projects").iterdir(),
        *(
            p / sorted(q.name for q in p.iterdir() if q.is_dir())[-1]
            for p in HISTORIES.iterdir()
            if p.is_dir()
        ),
    ]
    codes = set()
    for root in roots:
        if root.is_dir():
            codes.update(m.value.split()[0] for m in parse_markers(root) if m.kind == "expect")
    return codes


def test_every_rule_has_a_positive_fixture() -> None:
    missing = sorted(r.code for r in ALL_RULES if r.code not in expected_codes())
    assert not missing, f"rules without an '# expect:' fixture: {missing}"


def test_replay_writes_deletes_and_dates(tmp_path: Path) -> None:
    from flaglint.history import git

    repo = replay("replay_basics", tmp_path / "repo")
    log = git(repo, "log", "--format=%ad %s", "--date=short").decode().splitlines()
    assert log == ["2021-06-01 break and remove", "2020-01-01 initial"]
    assert not (repo / "app" / "gone.py").exists()
    base = analyse_revision(load_config(repo), "HEAD~1")
    assert [f.path for f in base.files] == ["app/__init__.py", "app/gone.py", "app/good.py"]
