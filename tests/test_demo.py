"""The demo repository tells the Knight story, and the inventory sees it."""

from __future__ import annotations

from pathlib import Path

import pytest

from flaglint.config import load_config
from flaglint.demo import TAGS, materialise, run_demo
from flaglint.engine import analyse, analyse_revision, run_rules


@pytest.fixture(scope="module")
def demo_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return materialise(tmp_path_factory.mktemp("demo") / "smars")


def _gates(repo: Path, revision: str | None) -> dict[str, dict[str, list[str]]]:
    config = load_config(repo)
    project = analyse_revision(config, revision) if revision else analyse(config, [repo])
    return project.inventory.gates_by_key()


def test_demo_has_four_dated_commits(demo_repo: Path) -> None:
    from flaglint.history import git

    log = git(demo_repo, "log", "--format=%ad %D", "--date=short").decode().splitlines()
    assert [line.split()[0] for line in log] == [
        "2012-07-27",
        "2005-09-01",
        "2005-03-14",
        "2003-06-02",
    ]
    assert all(tag in git(demo_repo, "tag").decode() for tag in TAGS)


def test_flag_gates_power_peg_then_rlp(demo_repo: Path) -> None:
    assert _gates(demo_repo, "v2003")["smars-peg-mode"]["on"] == ["smars.router.power_peg"]
    assert _gates(demo_repo, "v2005-retired")["smars-peg-mode"]["on"] == ["smars.router.power_peg"]
    head = _gates(demo_repo, None)
    assert head["smars-peg-mode"] == {
        "on": ["smars.rlp.rlp_route"],
        "off": ["smars.gateway.send_order"],
    }
    assert _gates(demo_repo, "v2012-rlp") == head


def test_demo_output_is_deterministic(tmp_path: Path) -> None:
    first = run_demo(tmp_path / "a").replace(str(tmp_path / "a"), "REPO")
    second = run_demo(tmp_path / "b").replace(str(tmp_path / "b"), "REPO")
    assert first == second
    assert "smars-peg-mode" in first and "smars.router.power_peg" in first


def test_demo_refuses_a_non_empty_folder(run_cli, tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "file").write_text("")
    result = run_cli("demo", "--into", str(tmp_path / "x"))
    assert result.code == 2 and "not empty" in result.err


def test_demo_shows_the_reused_flag_and_the_aliased_bit(tmp_path: Path) -> None:
    out = run_demo(tmp_path / "repo")
    deploy = out.split("== Deploy day:", 1)[1]
    assert (
        "smars/router.py:12:8: FL201 servers still running v2005-retired will run `power_peg` "
        "when 'smars-peg-mode' is on; at head it means `rlp_route`. Use a new flag key."
    ) in deploy
    assert "v2005-retired:smars/router.py:23: at v2005-retired the flag gates `power_peg`" in deploy
    at_2012 = out.split("-- flaglint check at v2012-rlp", 1)[1].split("==", 1)[0]
    assert "smars/rlp.py:11:1: FL202 `OrderFlags.RETAIL_LIQUIDITY` has the value 8" in at_2012


def _fl101(repo: Path, revision: str) -> list:
    from flaglint.rules import by_code

    project = analyse_revision(load_config(repo), revision)
    rule = by_code("FL101")
    assert rule is not None
    return run_rules(project, [rule])


def test_fl101_finds_retired_power_peg_in_2005_only(demo_repo: Path) -> None:
    findings = _fl101(demo_repo, "v2005-retired")
    assert [(f.path, f.line, f.symbol, f.flag) for f in findings] == [
        ("smars/router.py", 11, "smars.router.power_peg", "smars-peg-mode")
    ]
    message = findings[0].message
    assert "warns DeprecationWarning" in message and "docstring says 'Deprecated'" in message
    assert "path: smars.router.route -> smars.router.power_peg" in message
    assert _fl101(demo_repo, "v2003") == []  # not yet dormant
    assert _fl101(demo_repo, "v2012-rlp") == []  # deleted


def test_demo_tour_shows_fl101(tmp_path: Path) -> None:
    tour = run_demo(tmp_path / "tour")
    section = tour.split("flaglint check at v2005-retired", 1)[1].split("==", 1)[0]
    assert "FL101 dormant `power_peg`" in section
