"""Circuit breakers: --sink, configured sinks, and the Power Peg story in the demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flaglint.demo import materialise


def _bot(tmp_path: Path) -> Path:
    project = tmp_path / "bot"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.flaglint]\n")
    (project / "mailer.py").write_text(
        "def spam(user):\n    while True:\n        deliver_mail(user.address, 'hi')\n"
    )
    return project


def test_sink_option_adds_patterns(run_cli, tmp_path: Path) -> None:
    project = _bot(tmp_path)
    assert run_cli("check", cwd=project).code == 0
    result = run_cli("check", "--sink", "deliver_*", "--format", "json", cwd=project)
    assert result.code == 1, result.err
    [finding] = json.loads(result.out)["findings"]
    assert (finding["rule"], finding["line"], finding["symbol"]) == ("FL301", 3, "mailer.spam")
    assert "`deliver_mail`" in finding["message"] and "`user`" in finding["message"]
    dotted = run_cli("check", "--sink", "mailer.deliver_*", "--sink", "*.deliver_mail", cwd=project)
    assert dotted.code == 0  # a dotted pattern matches qualified names, and deliver_mail is not one


def test_sink_patterns_from_config(run_cli, tmp_path: Path) -> None:
    project = _bot(tmp_path)
    (project / "pyproject.toml").write_text('[tool.flaglint]\nsinks = ["deliver_mail"]\n')
    result = run_cli("check", "--select", "FL301", cwd=project)
    assert result.code == 1 and "mailer.py:3:" in result.out


def test_demo_shows_the_refactor_and_the_unbounded_loop(tmp_path: Path) -> None:
    from flaglint.demo import run_demo

    text = run_demo(tmp_path / "smars")
    review = text.split("check --base v2003 at v2005-refactor", 1)[1].split("\n== ", 1)[0]
    assert "smars/router.py:15:9: FL301 `send_child_order`" in review
    assert "smars/router.py:15:9: FL302 `send_child_order`" in review
    assert "`filled < parent.quantity` (smars/router.py:12)" in review
    assert "`smars.accounting.quantity_reached`, which nothing calls" in review
    retired = text.split("check at v2005-retired", 1)[1].split("\n== ", 1)[0]
    assert "FL301" in retired and "FL302" not in retired
    at_2003 = text.split("check at v2003", 1)[1].split("\n== ", 1)[0]
    assert "No findings" in at_2003


def test_check_base_reports_fl302_on_the_demo(run_cli, tmp_path: Path) -> None:
    from flaglint.history import git

    repo = materialise(tmp_path / "smars")
    git(repo, "checkout", "-q", "v2005-refactor")
    result = run_cli("check", "--base", "v2003", "--select", "FL302", "--format", "json", cwd=repo)
    [finding] = json.loads(result.out)["findings"]
    assert (finding["rule"], finding["line"], finding["symbol"]) == (
        "FL302",
        15,
        "smars.router.power_peg",
    )
    [related] = finding["related"]
    assert (related["path"], related["line"]) == ("smars/router.py", 12)
    assert related["revision"] == "v2003"  # as the user named it


def test_target_orders_in_a_handler_add_nothing(run_cli, tmp_path: Path) -> None:
    project = tmp_path / "rotation"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        "[tool.flaglint]\n"
        'sinks = ["order_target_percent", "orderTargetValue", "order_size",'
        ' "send_order_to_target"]\n'
        'handlers = ["next"]\n'
    )
    (project / "strategy.py").write_text(
        "class Rotation:\n"
        "    def next(self):\n"
        "        for data in self.universe:\n"
        "            self.order_target_percent(data, target=0.1)\n"
        "            self.order_size(data, size=10)\n"
        "            self.orderTargetValue(data, 1000)\n"
        "            send_order_to_target(data)\n"
    )
    result = run_cli("check", "--select", "FL301", "--format", "json", cwd=project)
    found = {(f["rule"], f["line"], f["symbol"]) for f in json.loads(result.out)["findings"]}
    # ``send_order_to_target`` sends a whole order to a target: only ``order`` right
    # before ``target`` names an order to a target position.
    assert found == {
        ("FL301", 5, "strategy.Rotation.next"),
        ("FL301", 7, "strategy.Rotation.next"),
    }, result.out


def test_target_setters_in_a_loop_add_nothing(run_cli, tmp_path: Path) -> None:
    project = tmp_path / "grid"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[tool.flaglint]\nsinks = ["set_target_volume", "insert_order", "reset_target_volume",'
        ' "sell_all"]\n'
    )
    (project / "grid.py").write_text(
        "def run(api, task, levels):\n"
        "    while True:\n"
        "        api.wait_update()\n"
        "        task.set_target_volume(levels[api.layer()])\n"
        "        api.insert_order('cu', 'BUY', 1)\n"
        "        task.reset_target_volume(0)\n"
        "        api.sell_all()\n"
    )
    result = run_cli("check", "--select", "FL301", "--format", "json", cwd=project)
    found = {(f["rule"], f["line"], f["symbol"]) for f in json.loads(result.out)["findings"]}
    # ``set_target_volume`` moves the position to a target: only a name that starts by
    # setting a target counts, not one that merely mentions it.
    assert found == {("FL301", 5, "grid.run"), ("FL301", 6, "grid.run")}, result.out


def test_a_base_and_its_head_parse_a_file_they_share_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FL302 reads the statements around dispatches at both revisions: a file whose
    content is the same in both is parsed once (a third of a second on koku)."""
    import ast

    from shop_project import analyse_tree, write_tree

    from flaglint.rules.breakers import sources

    files = {
        "pyproject.toml": "[tool.flaglint]\n",
        "a.py": "def run(orders):\n    for o in orders:\n        send_order(o)\n",
        "b.py": "def other():\n    return 1\n",
    }
    head = analyse_tree(write_tree(tmp_path / "head", files))
    base = analyse_tree(
        write_tree(tmp_path / "base", {**files, "b.py": "def other():\n    return 2\n"})
    )
    base.edge_donor = head
    parsed: list[bytes] = []
    real = ast.parse
    monkeypatch.setattr(
        sources.ast, "parse", lambda text, *a, **k: parsed.append(text) or real(text, *a, **k)
    )
    assert sources.ParsedSources(base).function("a.py", "run") is not None
    assert sources.ParsedSources(head).function("a.py", "run") is not None
    assert len(parsed) == 1
    sources.ParsedSources(base).functions("b.py")
    sources.ParsedSources(head).functions("b.py")
    assert len(parsed) == 3  # b.py differs: each revision's own


def _staged_while_a_helper_is_edited(run_cli, tmp_path: Path) -> list[dict[str, object]]:
    """``check --staged --base HEAD`` (FL302) of a staged refactor: run_a now calls a
    helper (read first, by the head), run_b lost it; the helper itself has an
    unstaged edit in the work tree. The findings, as JSON."""
    from conftest import run_git

    repo = tmp_path / "repo"
    send = (
        "def dispatch_batch(batch):\n    for item in batch.items:\n        notify.delay(item)\n"
        "\n\nnotify = None\n"
    )
    limit = (
        "def over_limit(account, batch):\n"
        "    return account.sent + len(batch.items) > account.daily_limit\n"
    )
    guarded = (
        "from jobs.limits import over_limit\nfrom jobs.send import dispatch_batch\n\n\n"
        "def run_{0}(batch, account):\n    if over_limit(account, batch):\n        return\n"
        "    dispatch_batch(batch)\n"
    )
    inline = (
        "from jobs.send import dispatch_batch\n\n\n"
        "def run_a(batch, account):\n"
        "    if account.sent + len(batch.items) > account.daily_limit:\n        return\n"
        "    dispatch_batch(batch)\n"
    )
    unguarded = (
        "from jobs.send import dispatch_batch\n\n\n"
        "def run_b(batch, account):\n    dispatch_batch(batch)\n"
    )
    files = {
        "pyproject.toml": '[tool.flaglint]\nselect = ["FL302"]\n',
        "jobs/__init__.py": "",
        "jobs/send.py": send,
        "jobs/limits.py": limit,
        "jobs/a.py": inline,
        "jobs/b.py": guarded.format("b"),
    }
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    run_git(repo.parent, "init", "-q", str(repo))
    run_git(repo, "add", "-A")
    run_git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "base")
    # Staged: run_a now calls the helper (read first, by the head), run_b lost it.
    (repo / "jobs/a.py").write_text(guarded.format("a"))
    (repo / "jobs/b.py").write_text(unguarded)
    run_git(repo, "add", "-A")
    # Not staged: the helper is being edited in the work tree.
    (repo / "jobs/limits.py").write_text(limit.replace(" + len(batch.items)", ""))
    result = run_cli(
        "check", "--staged", "--base", "HEAD", "--no-cache", "--format", "json", cwd=repo
    )
    return json.loads(result.out)["findings"]  # type: ignore[no-any-return]


def test_a_staged_tree_lends_the_base_no_parse_of_unstaged_edits(run_cli, tmp_path: Path) -> None:
    """FL302 shares a parsed file between base and head by blob id: only a parse of
    that very content may be shared, so the base never sees the work tree's edits."""
    findings = _staged_while_a_helper_is_edited(run_cli, tmp_path)
    lost = [f for f in findings if f["path"] == "jobs/b.py"]
    assert [f["rule"] for f in lost] == ["FL302"], findings
    # The check at HEAD is HEAD's, not the work tree's unstaged edit.
    assert "at HEAD `account.sent + len(batch.items) > account.daily_limit`" in lost[0]["message"]


def test_a_staged_tree_reads_its_staged_files_not_the_work_tree(run_cli, tmp_path: Path) -> None:
    """The staged tree is git's index: FL302 reads the statements around a dispatch
    from the staged content, not from a work tree file with unstaged edits."""
    findings = _staged_while_a_helper_is_edited(run_cli, tmp_path)
    # run_a's check moved into the staged helper, which HEAD's check still is.
    assert [(f["path"], f["rule"]) for f in findings] == [("jobs/b.py", "FL302")], findings


@pytest.mark.usefixtures("git_env")
def test_fl302_names_the_service_a_check_moved_into(run_cli, tmp_path: Path) -> None:
    """A view's limit now tested in the service it calls, on one branch only."""
    from histories import replay

    repo = replay("FL302_moved_into_service", tmp_path / "repo")
    shown = run_cli("check", "--base", "HEAD~1", "--select", "FL302", "--no-cache", str(repo))
    [finding] = [line for line in shown.out.splitlines() if ": FL302 " in line]
    assert finding.startswith("notices/views.py:13:5: FL302 `send_sms` (through `deliver_one`)")
    assert "it was moved into `deliver_one`, which does not test it before every dispatch" in (
        finding
    )


@pytest.mark.usefixtures("git_env")
def test_fl302_a_check_moved_in_front_of_the_service_loop_is_out_of_the_loop(
    run_cli, tmp_path: Path
) -> None:
    """Checked before each send at base; the service the view now calls checks once."""
    from histories import replay

    repo = replay("FL302_service_checks_late", tmp_path / "repo")
    shown = run_cli("check", "--base", "HEAD~1", "--select", "FL302", "--no-cache", str(repo))
    [finding] = [line for line in shown.out.splitlines() if "views.py:5:" in line]
    assert "moved out of the loop: it is tested once, not before each dispatch; " in finding
    assert "moved into `send_all`. " in finding
