"""Which calls the breaker analysis resolves to match dotted sink patterns."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from flaglint.config import load_config
from flaglint.engine import analyse
from flaglint.project import Project
from flaglint.rules.breakers.analysis import analysis

PUMP = (
    "import requests\n"
    "from relay import hub\n\n\n"
    "def pump(url, body, client):\n"
    "    while True:\n"
    "        client.fetch(url)\n"
    "        hub.relay(url, body)\n"
    "        {call}\n"
)


def _project(root: Path, files: dict[str, str]) -> Project:
    (root / "pyproject.toml").write_text("[tool.flaglint]\n")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return analyse(load_config(root), [root], use_cache=False)


def _resolved(project: Project) -> tuple[list[str], list[tuple[str, int]]]:
    """Callees the sink matching asks the resolver about, and the sink calls assessed."""
    project.graph  # noqa: B018 (the graph's own resolutions are not counted)
    resolver = project.resolver
    real = resolver.call_target
    asked: list[str] = []

    def counting(facts, call):  # type: ignore[no-untyped-def]
        if sys._getframe(1).f_code.co_filename.endswith("sinks.py"):  # not the graph's
            asked.append(call.callee)
        return real(facts, call)

    resolver.call_target = counting  # type: ignore[method-assign]
    found = analysis(project)
    sinks = [(a.call.line, a.sink) for a in found.assessments]
    return sorted(set(asked)), sinks


def test_only_callees_ending_like_a_dotted_sink_are_resolved(tmp_path: Path) -> None:
    """``requests.post`` can match only a name ending in ``post``: with no import or
    alias in the tree ending so, the other calls are answered by their spelling."""
    project = _project(
        tmp_path,
        {
            "relay/__init__.py": "",
            "relay/hub.py": "def relay(url, body):\n    return url, body\n",
            "relay/pump.py": PUMP.format(call="requests.post(url, json=body)"),
        },
    )
    asked, sinks = _resolved(project)
    assert asked == ["requests.post"]
    assert sinks == [(9, "requests.post")]


@pytest.mark.parametrize(
    ("files", "call", "sink"),
    [
        # An import renames the sink.
        (
            {"relay/hub.py": "from requests import post as deliver\n"},
            "hub.deliver(url)",
            "requests.post",
        ),
        # A module-level alias of it.
        (
            {"relay/hub.py": "import requests\n\ndeliver = requests.post\n"},
            "hub.deliver(url)",
            "requests.post",
        ),
        # A package re-exports an alias under another name.
        (
            {
                "relay/__init__.py": "from relay.wire import deliver as push\n",
                "relay/wire.py": "import httpx\n\ndeliver = httpx.put\n",
                "relay/hub.py": "",
            },
            "relay.push(url)",
            "httpx.put",
        ),
    ],
)
def test_a_sink_renamed_by_an_import_or_alias_is_still_found(
    tmp_path: Path, files: dict[str, str], call: str, sink: str
) -> None:
    tree = {"relay/__init__.py": "", **files}
    tree["relay/pump.py"] = PUMP.format(call=call).replace("import requests\n", "import relay\n", 1)
    asked, sinks = _resolved(_project(tmp_path, tree))
    assert sinks == [(9, sink)]
    assert "client.fetch" in asked  # an alias ends in a sink's last segment: every callee


def test_a_pattern_whose_last_segment_is_a_wildcard_resolves_every_callee(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.flaglint]\nsinks = ["relay.hub.*"]\n')
    (tmp_path / "relay").mkdir()
    (tmp_path / "relay/__init__.py").write_text("")
    (tmp_path / "relay/hub.py").write_text("def relay(url, body):\n    return url, body\n")
    (tmp_path / "relay/pump.py").write_text(PUMP.format(call="pass"))
    project = analyse(load_config(tmp_path), [tmp_path], use_cache=False)
    asked, sinks = _resolved(project)
    assert "client.fetch" in asked
    assert sinks == [(8, "relay.hub.relay")]
