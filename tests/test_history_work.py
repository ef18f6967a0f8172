"""History rules do work in proportion to what changed between ``--base`` and head,
and find what a full comparison finds (issue #20)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_git
from histories import replay

from flaglint.config import load_config
from flaglint.engine import analyse, attach_base
from flaglint.project import Project
from flaglint.rules.identity import flag_repurposed
from flaglint.rules.identity.flag_repurposed import FlagRepurposed


def _commit(repo: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    run_git(repo, "add", "-A")
    run_git(repo, "commit", "-q", "-m", message, date="2025-01-01T00:00:00+0000")


def _with_base(repo: Path, base: str = "HEAD~1") -> Project:
    config = load_config(repo)
    project = analyse(config, [repo], use_cache=False)
    attach_base(project, config, base)
    return project


def test_fl201_reads_no_file_when_no_key_gates_other_code(
    git_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit that leaves every key's gated functions alone asks no key's default."""
    repo = replay("FL201", tmp_path / "repo")
    _commit(repo, {"app/notes.py": "def note(order):\n    return order\n"}, "unrelated")
    parsed: list[bytes | None] = []
    real = flag_repurposed._parsed

    def counting(source: bytes | None):  # type: ignore[no-untyped-def]
        parsed.append(source)
        return real(source)

    monkeypatch.setattr(flag_repurposed, "_parsed", counting)
    project = _with_base(repo)
    assert list(FlagRepurposed().check(project)) == []
    assert parsed == []
    # Against the base before the reuse, the two repurposed keys are still found,
    # their reads' file parsed once for both.
    project = _with_base(repo, "HEAD~2")
    found = sorted((f.flag, f.line) for f in FlagRepurposed().check(project))
    assert [flag for flag, _ in found] == ["settlement-v2", "smars-peg-mode"]
    assert len(parsed) == 1


def test_breaker_analysis_resolves_each_call_once(tmp_path: Path) -> None:
    """Which calls dispatch is asked by the sink propagation, the assessments and the
    dispatch sites alike: each call's target is resolved once for all of them."""
    from flaglint.rules.breakers.analysis import analysis
    from flaglint.rules.breakers.dispatch_guards import dispatch_guards

    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "hooks.py").write_text(
        "import requests\n\n\n"
        "def notify(url, body):\n"
        "    requests.post(url, json=body)\n\n\n"
        "def relay(url, events):\n"
        "    while True:\n"
        "        body = events.next()\n"
        "        notify(url, body)\n"
        "        requests.put(url, json=body)\n"
    )
    project = analyse(load_config(tmp_path), [tmp_path], use_cache=False)
    project.graph  # noqa: B018 (its own resolutions are not counted)
    resolver = project.resolver
    asked: list[tuple[str, int, int]] = []
    real = resolver.call_target

    graph_asks = [0]

    def counting(facts, call):  # type: ignore[no-untyped-def]
        if not graph_asks[0]:
            asked.append((facts.path, call.line, call.col))
        return real(facts, call)

    graph_targets = project.graph.targets

    def targets(facts, call):  # type: ignore[no-untyped-def]
        graph_asks[0] += 1  # the graph's own lookups are the graph's business
        try:
            return graph_targets(facts, call)
        finally:
            graph_asks[0] -= 1

    resolver.call_target = counting  # type: ignore[method-assign]
    project.graph.targets = targets  # type: ignore[method-assign]
    found = analysis(project)
    guards = dispatch_guards(project)
    assert sorted(found.sink_functions) == ["hooks.notify"]
    assert sorted(guards.sites) == ["hooks.notify", "hooks.relay"]
    assert asked and len(asked) == len(set(asked))


def _fl3(project: Project) -> list[tuple[str, str, int, str]]:
    from flaglint.engine import run_rules
    from flaglint.rules import ALL_RULES

    rules = [r for r in ALL_RULES if r.code in ("FL301", "FL302")]
    return [(f.rule, f.path, f.line, f.symbol) for f in run_rules(project, rules)]


def test_base_takes_no_sink_answer_whose_lookup_changed(
    git_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loop's file is the same at both revisions, the module it calls is not: at
    base ``transport.send`` is an alias of ``requests.post`` (a sink by its target),
    at head a function that sends. The base resolves that call itself."""
    from flaglint.rules.breakers import analysis as breakers
    from flaglint.rules.breakers import sinks as sinks_module

    repo = replay("FL302_sink_alias_elsewhere", tmp_path / "repo")
    expected = [
        ("FL301", "relay/pump.py", 7, "relay.pump.pump"),
        ("FL302", "relay/pump.py", 7, "relay.pump.pump"),
    ]
    project = _with_base(repo)
    assert _fl3(project) == expected
    sinks = breakers.analysis(project.base).sinks
    assert sinks.lender is breakers.analysis(project).sinks
    assert "relay/__init__.py" in sinks.lent
    assert "relay/pump.py" not in sinks.lent and "relay/transport.py" not in sinks.lent
    # Lending every file of the same content would lose the base's dispatch, once the
    # head resolves ``transport.send`` too (it does not: no import or alias of the head
    # ends in ``post``, and the base finds the call unanswered).
    monkeypatch.setattr(sinks_module, "same_lookups", lambda lender, tree: frozenset(tree.by_path))
    assert _fl3(_with_base(repo)) == expected
    monkeypatch.setattr(sinks_module.SinkPatterns, "_open_tails", None)
    assert _fl3(_with_base(repo)) == expected[:1]


BOUNDED_PUMP = (
    "import requests\n\n\n"
    "def pump(url, limit):\n"
    "    sent = 0\n"
    "    while sent < limit:\n"
    "        requests.post(url)\n"
    "        sent += 1\n"
)


def test_base_assessments_only_for_an_unbounded_dispatch_now(git_env, tmp_path: Path) -> None:
    """No dispatch is unbounded at head: nothing can have lost its bound, and the base
    tree's dispatches are not assessed (its dispatch sites are still compared)."""
    from flaglint.rules.breakers import analysis as breakers

    repo = tmp_path / "repo"
    repo.mkdir()
    run_git(repo, "init", "-q", "-b", "main")
    _commit(repo, {"pyproject.toml": "[tool.flaglint]\n", "pump.py": BOUNDED_PUMP}, "pump")
    _commit(repo, {"notes.py": "def note():\n    return 1\n"}, "unrelated")
    project = _with_base(repo)
    assert _fl3(project) == []
    assert "assessments" in breakers.analysis(project).__dict__
    assert "assessments" not in breakers.analysis(project.base).__dict__
    # Unbounded now: the base is assessed, and the lost bound found.
    (repo / "pump.py").write_text(BOUNDED_PUMP.replace("while sent < limit:", "while True:"))
    project = _with_base(repo, "HEAD")
    assert [(rule, line) for rule, _, line, _ in _fl3(project)] == [("FL301", 7), ("FL302", 7)]
    assert "assessments" in breakers.analysis(project.base).__dict__


def test_base_takes_no_sink_answer_whose_alias_changed_two_imports_away(
    git_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loop's file and the module it imports from are the same at both revisions;
    the module that one re-exports from is not: at base ``client`` is a local helper,
    at head the ``requests`` module. The base's call is no sink, so no bound was lost."""
    from flaglint.rules.breakers import analysis as breakers
    from flaglint.rules.breakers import sinks as sinks_module

    repo = tmp_path / "repo"
    repo.mkdir()
    run_git(repo, "init", "-q", "-b", "main")
    pump = (
        "from relay.api import client\nfrom relay import limits\n\n\n"
        "def pump(url):\n    sent = 0\n    while limits.under_limit(sent):\n"
        "        client.post(url)\n        sent += 1\n"
    )
    _commit(
        repo,
        {
            "pyproject.toml": '[tool.flaglint]\nsinks = ["requests.*"]\n',
            "relay/__init__.py": "",
            "relay/pump.py": pump,
            "relay/api.py": "from relay.impl import client\n",
            "relay/impl.py": "from relay import notify as client\n",
            "relay/notify.py": "def post(url):\n    return url\n",
            "relay/limits.py": "def under_limit(count):\n    return count < 100\n",
        },
        "a local client",
    )
    _commit(
        repo,
        {
            "relay/impl.py": "import requests as client\n",
            "relay/limits.py": "def under_limit(count):\n    return True\n",
        },
        "requests",
    )
    project = _with_base(repo)
    assert [(rule, line) for rule, _, line, _ in _fl3(project)] == [("FL301", 8)]
    lent = breakers.analysis(project.base).sinks.lent
    assert "relay/notify.py" in lent
    assert not {"relay/pump.py", "relay/api.py", "relay/impl.py"} & lent
    # Lending every file of the same content would find a bound lost at base.
    monkeypatch.setattr(sinks_module, "same_lookups", lambda lender, tree: frozenset(tree.by_path))
    assert [(rule, line) for rule, _, line, _ in _fl3(_with_base(repo))] == [
        ("FL301", 8),
        ("FL302", 8),
    ]
