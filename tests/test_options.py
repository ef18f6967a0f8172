"""The options users script with: --exit-zero, -o, --statistics, -q, rules/graph formats."""

from __future__ import annotations

import json
from pathlib import Path

from flaglint.rules import ALL_RULES

BROKEN = "def broken(:\n    pass\n"
EXPIRED = """\
import os


def start():
    if os.getenv("FEATURE_OLD"):  # flaglint: expires=2001-01-01
        old()
    if os.getenv("FEATURE_OLDER"):  # flaglint: expires=2000-01-01
        older()
"""


def _project(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "broken.py").write_text(BROKEN)
    (tmp_path / "app.py").write_text(EXPIRED)
    return tmp_path


def test_exit_zero_keeps_the_report(run_cli, tmp_path: Path) -> None:
    result = run_cli("check", "--exit-zero", cwd=_project(tmp_path))
    assert result.code == 0 and "FL901" in result.out and "FL103" in result.out


def test_exit_zero_keeps_usage_errors(run_cli, tmp_path: Path) -> None:
    result = run_cli("check", "--exit-zero", "--select", "FL999", cwd=_project(tmp_path))
    assert result.code == 2


def test_output_file_takes_the_report(run_cli, tmp_path: Path) -> None:
    project = _project(tmp_path / "p")
    result = run_cli("check", "--format", "json", "-o", str(tmp_path / "out.json"), cwd=project)
    assert result.code == 1 and result.out == ""
    data = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    assert {f["rule"] for f in data["findings"]} == {"FL103", "FL901"}
    same = run_cli("check", "--output-file", str(tmp_path / "out.txt"), cwd=project)
    text = (tmp_path / "out.txt").read_text(encoding="utf-8")
    assert same.code == 1 and "\x1b[" not in text and text.endswith("in 2 files.\n")


def test_output_file_that_cannot_be_written(run_cli, tmp_path: Path) -> None:
    project = _project(tmp_path / "p")
    result = run_cli("check", "-o", str(tmp_path / "no" / "such" / "out.txt"), cwd=project)
    assert result.code == 2 and "--output-file" in result.err


def test_statistics_counts_per_rule(run_cli, tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = run_cli("check", "--statistics", cwd=project)
    assert result.code == 1
    assert result.out.splitlines() == ["2\tFL103\tflag-expired", "1\tFL901\tparse-error"]
    data = json.loads(run_cli("check", "--statistics", "--format", "json", cwd=project).out)
    assert data == [
        {"code": "FL103", "name": "flag-expired", "count": 2},
        {"code": "FL901", "name": "parse-error", "count": 1},
    ]


def test_quiet_prints_findings_only(run_cli, tmp_path: Path) -> None:
    project = _project(tmp_path)
    loud = run_cli("check", cwd=project).out.splitlines()
    quiet = run_cli("check", "-q", cwd=project)
    assert quiet.code == 1 and quiet.out.splitlines() == loud[:-1]
    assert loud[-1].startswith("Found 3 findings")
    (project / "broken.py").unlink()
    (project / "app.py").write_text("x = 1\n")
    clean = run_cli("check", "--quiet", cwd=project)
    assert clean.code == 0 and clean.out == "" and clean.err == ""


def test_rules_as_json(run_cli) -> None:
    result = run_cli("rules", "--format", "json")
    data = json.loads(result.out)
    assert [r["code"] for r in data] == [r.code for r in ALL_RULES]
    by_code = {r["code"]: r for r in data}
    assert by_code["FL103"]["name"] == "flag-expired"
    assert by_code["FL104"]["needs_base"] is True


CHAIN = """\
import ldclient

client = ldclient.get()


def route(order, ctx):
    if client.variation("peg", ctx, False):
        power_peg(order)


def power_peg(order):
    child(order)


def child(order):
    grandchild(order)


def grandchild(order):
    return order


def main():
    route(None, None)


if __name__ == "__main__":
    main()
"""


def _chain(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "router.py").write_text(CHAIN)
    return tmp_path


def test_graph_depth_limits_the_reach(run_cli, tmp_path: Path) -> None:
    project = _chain(tmp_path)
    full = json.loads(run_cli("graph", "peg", "--format", "json", cwd=project).out)
    assert "router.grandchild" in full["on"]["reach"]
    one = json.loads(run_cli("graph", "peg", "--format", "json", "--depth", "1", cwd=project).out)
    assert set(one["on"]["reach"]) == {"router.power_peg"}
    assert one["on"]["reach"]["router.power_peg"] == []
    two = json.loads(run_cli("graph", "peg", "--format", "json", "--depth", "2", cwd=project).out)
    assert set(two["on"]["reach"]) == {"router.power_peg", "router.child"}
    assert set(two["on"]["exclusive"]) == {"router.power_peg", "router.child"}
    assert run_cli("graph", "peg", "--depth", "0", cwd=project).code == 2


def test_graph_as_mermaid(run_cli, tmp_path: Path) -> None:
    result = run_cli("graph", "peg", "--format", "mermaid", cwd=_chain(tmp_path))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "flowchart LR"
    ids = {
        line.split("[", 1)[1].strip('"]'): line.split("[", 1)[0].strip()
        for line in lines
        if line.strip().startswith("n") and "[" in line
    }
    route, peg = ids["router.route"], ids["router.power_peg"]
    assert f'  {route} -->|"peg on (router.py:8)"| {peg}' in lines
    assert f"  {peg} --> {ids['router.child']}" in lines
    assert f"  class {peg} exclusive" in lines
