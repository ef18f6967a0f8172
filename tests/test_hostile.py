"""Hostile and unlucky input: every run ends with findings or one clear line, never a traceback.

``fixtures/hostile/`` holds the files that can live in git (keys made of
escapes, a 400-link alias chain, a 400-branch elif chain, a 200,000-character
comment line, Python 2, NUL bytes, bad encodings, nesting past CPython's
limits); what cannot (file names that are not UTF-8, links, FIFOs) is made
here. Each run goes through a subprocess with a timeout: a hang is a failure.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, run_git

from flaglint.facts.comments import marker_pattern
from flaglint.report.escape import dot_string, printable, uri_path

COMMANDS = [
    ("check",),
    ("check", "--format", "json"),
    ("check", "--format", "sarif"),
    ("check", "--format", "github"),
    ("check", "--base", "HEAD~1"),
    ("flags",),
    ("flags", "--format", "json"),
    ("audit",),
    ("audit", "--format", "json", "--since", "HEAD~1"),
    ("callgraph",),
]
FORGED = "::error file=a.py::forged"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / "repo"
    shutil.copytree(FIXTURES / "hostile", root)

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=root,
            check=True,
            capture_output=True,
            env=dict(os.environ, GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull),
        )

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "one")
    # What git cannot carry, or a clone would not have.
    (root / "pkg" / os.fsdecode(b"caf\xe9.py")).write_text(
        "import waffle\n\ndef v(r):\n    if waffle.flag_is_active(r, 'latin-name'):\n"
        "        return 1\n"
    )
    (root / "pkg" / "loop").symlink_to(root / "pkg" / "loop")
    (root / "pkg" / "outside.py").symlink_to("/etc/hostname")
    os.mkfifo(root / "pkg" / "fifo.py")
    (root / "pkg" / "empty.py").write_text("")
    git("add", "-A")
    git("commit", "-qm", "two")
    return root


def _run(root: Path, *args: str, cache: Path) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, FLAGLINT_CACHE_DIR=str(cache))
    return subprocess.run(
        [sys.executable, "-m", "flaglint", *args],
        cwd=root,
        capture_output=True,
        timeout=300,
        env=env,
        check=False,
    )


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_every_command_gets_through_the_hostile_corpus(
    hostile: Path, args: tuple[str, ...], tmp_path: Path
) -> None:
    for attempt in ("cold", "warm"):
        result = _run(hostile, *args, cache=tmp_path / "cache")
        assert result.returncode in (0, 1), (attempt, result.stderr.decode()[-2000:])
        assert b"Traceback" not in result.stderr, result.stderr.decode()[-2000:]
        out = result.stdout
        # Nothing from the analysed code drives the terminal or forges a line.
        assert b"\x1b" not in out and b"\x00" not in out and b"\x07" not in out
        assert not any(line.startswith(FORGED.encode()) for line in out.splitlines())
        out.decode("utf-8")  # always valid UTF-8, whatever the file names hold
        if "json" in args or "sarif" in args or args == ("callgraph",):
            json.loads(out)


def test_the_corpus_is_analysed_not_skipped(hostile: Path, tmp_path: Path) -> None:
    text = _run(hostile, "check", cache=tmp_path / "c").stdout.decode()
    errors = {line.split(":")[0] for line in text.splitlines() if " FL901 " in line}
    # Real syntax errors, Python 2 and limits of the grammar are reported as such ...
    assert {"pkg/broken.py", "pkg/python2.py", "pkg/nul.py", "pkg/deep_parens.py"} <= errors
    # ... while a long elif chain, a long comment and odd keys are ordinary code.
    assert not errors & {"pkg/long_elif.py", "pkg/hashes.py", "pkg/keys.py", "pkg/alias_chain.py"}
    flags = _run(hostile, "flags", cache=tmp_path / "c").stdout.decode()
    assert "x\\x1b[31mred" in flags and "\\x0a::error" in flags
    assert "\\ud800" in flags and "\\u202etxt.exe" in flags
    assert "latin-name" in flags and "caf\\udce9.py" in flags


def test_the_comment_prefilter_is_linear_and_exact() -> None:
    markers = marker_pattern(("deprecated", "legacy"))
    assert markers.search(b"x = 1  # noqa: E501, FL103\n")
    assert markers.search(b"def f():  # legacy path\n")
    assert markers.search(b"# flaglint: expires=2030-01-01\n")
    assert not markers.search(b"x = 1  # noqa: E501\n")
    assert not markers.search(b"s = 'legacy'\n")  # no comment on the line
    assert markers.search(b"x = 1  # noqa: E501 # note: FL1 is elsewhere? no\n") is not None
    for hostile_line in (b"#" * 1_000_000, b"# noqa" * 200_000, b"# noqa:" + b" " * 1_000_000):
        markers.search(hostile_line + b"\n")  # returns at once (quadratic before: hours)


def test_escaping_for_each_sink() -> None:
    assert printable("a\nb\x1b[31m\x9b\u202e\ud800") == "a\\x0ab\\x1b[31m\\x9b\\u202e\\ud800"
    assert printable("plain é and 日本") == "plain é and 日本"
    assert dot_string('a"b\\c\nd') == 'a\\"b\\\\c\\\\x0ad'
    assert uri_path("dir/odd name#1?.py") == "dir/odd%20name%231%3F.py"
    assert uri_path(os.fsdecode(b"caf\xe9.py")) == "caf%E9.py"


def test_a_forged_baseline_cannot_inject_workflow_commands(
    run_cli, git_env, tmp_path: Path
) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / "m.py").write_text("X = 1\n")
    run_git(root, "init", "-q")
    baseline = tmp_path / "baseline.json"
    assert run_cli("check", "--write-baseline", str(baseline), cwd=root).code == 0
    document = json.loads(baseline.read_text())
    entry = dict.fromkeys(("rule", "path", "symbol", "flag", "fingerprint"), "x")
    entry.update(line=1, path="m.py\n" + FORGED)
    document["findings"] = [{k: entry.get(k, "x") for k in entry}]
    baseline.write_text(json.dumps(document))
    result = run_cli("check", "--baseline", str(baseline), cwd=root)
    assert result.code == 0 and "no longer match" in result.err  # the stale entry is listed
    assert not any(line.lstrip().startswith("::") for line in result.err.splitlines())


def test_paths_outside_the_root_are_an_error_not_a_clean_pass(run_cli, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "m.py").write_text("X = 1\n")
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.toml").write_text("[tool.flaglint]\n")
    result = run_cli("check", "--config", str(other / "x.toml"), str(project))
    assert result.code == 2 and "outside the root" in result.err
    empty = project / "docs"
    empty.mkdir()
    result = run_cli("check", str(empty), cwd=project)
    assert result.code == 2 and "no Python files" in result.err


def test_paths_the_configuration_excludes_name_the_pattern(run_cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.flaglint]\nexclude = ["build", "legacy"]\n')
    legacy = tmp_path / "legacy" / "old"
    legacy.mkdir(parents=True)
    (legacy / "a.py").write_text("X = 1\n")
    (legacy / "b.py").write_text("Y = 1\n")
    result = run_cli("check", "legacy/old", cwd=tmp_path)
    assert result.code == 2
    line = result.err.strip()
    assert line.startswith("flaglint: error: no Python files to analyse in legacy/old: ")
    assert "its 2 Python files match the pattern 'legacy' of exclude in " in line
    assert str(tmp_path / "pyproject.toml") in line and len(result.err.splitlines()) == 1
    result = run_cli("check", "--extend-exclude", "*/a.py", "legacy/old/a.py", cwd=tmp_path)
    assert "its 1 Python file matches the pattern 'legacy' of exclude in " in result.err
    result = run_cli("check", "--exclude", "old", "legacy/old/a.py", cwd=tmp_path)
    assert "its 1 Python file matches the pattern 'old' of --exclude " in result.err
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    result = run_cli("check", "legacy/old", cwd=tmp_path)
    assert result.code == 0 and "no Python files" not in result.err
    result = run_cli("check", "--extend-exclude", "*/a.py", "legacy/old/a.py", cwd=tmp_path)
    assert "its 1 Python file matches the pattern '*/a.py' of --extend-exclude " in result.err


@pytest.mark.parametrize(
    "text",
    ["tool = 1\n", "[[tool.flaglint]]\nselect = []\n", "[tool]\nflaglint = 3\n"],
)
def test_odd_pyproject_shapes_are_one_line(run_cli, tmp_path: Path, text: str) -> None:
    (tmp_path / "m.py").write_text("X = 1\n")
    (tmp_path / "pyproject.toml").write_text(text)
    result = run_cli("check", cwd=tmp_path)
    if text.startswith("tool = 1"):
        assert result.code == 0  # a pyproject whose `tool` is no table configures nothing
    else:
        assert result.code == 2 and result.err.count("\n") == 1


def test_a_closed_stdout_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("X = 1\n")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.stdout.close(); sys.stdout = None; "
            "from flaglint.cli import run; run()",
            "check",
        ],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert b"Traceback" not in result.stderr


def test_pool_workers_leave_when_their_parent_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "parent.py"
    script.write_text(
        "import os, sys, time\n"
        "from concurrent.futures import ProcessPoolExecutor\n"
        "from flaglint.lifetime import watch_parent\n"
        "pool = ProcessPoolExecutor(2, initializer=watch_parent)\n"
        "futures = [pool.submit(os.getpid) for _ in range(8)]\n"
        "print(' '.join(sorted({str(f.result()) for f in futures})), flush=True)\n"
        "time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    workers = [int(p) for p in parent.stdout.readline().split()]
    assert workers
    parent.kill()
    parent.wait()
    alive = [p for p in workers if not _ended(p, timeout=30)]
    assert alive == [], "pool workers outlived their killed parent"


def _ended(pid: int, timeout: float) -> bool:
    """Whether ``pid`` ends within ``timeout`` seconds, waiting on its pidfd where Linux has one."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    except (AttributeError, OSError):  # no pidfd here: look at /proc until the deadline
        import time

        deadline = time.monotonic() + timeout
        while _running(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        return not _running(pid)
    try:
        readable, _, _ = select.select([fd], [], [], timeout)
        return bool(readable)
    finally:
        os.close(fd)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_stale_temporary_files_are_cleaned(tmp_path: Path) -> None:
    from flaglint.cache.facts import prepare_directory

    old, fresh = tmp_path / ".tmp-old", tmp_path / ".tmp-fresh"
    old.write_bytes(b"x")
    fresh.write_bytes(b"x")
    os.utime(old, (0, 0))
    prepare_directory(tmp_path)
    assert not old.exists() and fresh.exists()


def test_files_over_the_size_limit_are_reported_not_parsed(run_cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\nmax-file-size = 1\n")
    (tmp_path / "small.py").write_text("X = 1\n")
    (tmp_path / "generated.py").write_text("X = 1\n" * 300_000)  # 1.8 MB
    result = run_cli("check", "--no-cache", cwd=tmp_path)
    assert result.code == 1
    assert "generated.py:1:1: FL901" in result.out and "over max-file-size (1 MB)" in result.out


def test_an_empty_base_is_a_usage_error(run_cli, tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("X = 1\n")
    result = run_cli("check", "--base", "", cwd=tmp_path)
    assert result.code == 2 and "--base needs a revision" in result.err
    result = run_cli("audit", "--since", " ", cwd=tmp_path)
    assert result.code == 2 and "--since needs a revision" in result.err


def test_running_out_of_memory_while_parsing_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    import ast

    from flaglint.facts import build_facts

    def exhausted(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(ast, "parse", exhausted)
    facts = build_facts("m.py", b"X = 1\n", "m", False, frozenset(), marker_pattern(()))
    assert facts.error is not None and "out of memory" in facts.error.message


def test_a_marker_word_in_code_before_the_comment_does_not_hide_it() -> None:
    markers = marker_pattern(("deprecated",))
    assert markers.search(b"flaglint_on = f()  # noqa: FL101\n")
    assert markers.search(b'if os.getenv("FEATURE_EXPIRES_OLD"):  # flaglint: expires=2001-01-01\n')
    assert markers.search(b"deprecated_total = 1  # deprecated: use total\n")


def test_cache_dir_never_hides_code_from_the_analysis(run_cli, git_env, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.flaglint]\ncache-dir = "src"\n'
        '[tool.flaglint.flags]\nold = { expires = "2001-01-01" }\n'
    )
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        'import waffle\n\n\ndef v():\n    if waffle.switch_is_active("old"):\n        return 1\n'
    )
    run_git(tmp_path, "init", "-q")
    run_git(tmp_path, "add", "-A")
    result = run_cli("check", cwd=tmp_path)
    assert "src/app.py:5" in result.out and "FL103" in result.out


def test_no_output_line_is_a_ci_log_command(run_cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "::error title=Forged::All good, merge.py").write_text("def broken(:\n")
    (tmp_path / "m.py").write_text(
        'import waffle\n\n\ndef v():\n    if waffle.switch_is_active("::add-mask::x"):\n'
        "        return 1\n"
    )
    for args in (("check",), ("flags",), ("audit",), ("check", "--format", "github")):
        result = run_cli(*args, "--no-cache", cwd=tmp_path)
        for line in (result.out + result.err).splitlines():
            stripped = line.lstrip()
            if args[-1] == "github" and stripped.startswith(("::error file=", "::warning file=")):
                continue  # the format's own commands
            assert not stripped.startswith(("::", "##[", "##vso[")), (args, line)


def test_a_defect_in_the_collector_is_one_file_s_diagnostic(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bug of flaglint's met on one file costs that file's facts, with a message
    that says so, not the whole run (a real one: an assertion on ``[(1, 1), (2, 1)]``)."""
    from flaglint.facts import build_facts
    from flaglint.facts.collector import FactCollector

    def broken(self, node):
        assert node is None

    monkeypatch.setattr(FactCollector, "visit", broken)
    facts = build_facts("m.py", b"X = 1\n", "m", False, frozenset(), marker_pattern(()))
    assert facts.error is not None
    message = facts.error.message
    assert message.startswith("internal error in flaglint (AssertionError")
    assert "test_hostile.py" in message and "please report" in message


@pytest.mark.parametrize(
    "compare",
    [
        "batched(r, 2) == [[0, 1], [2, 3], [4, 5]]",  # a nested list of 0/1 among numbers
        'v in (("true", "1"), "2")',
        "v == [(True,), 3]",
        "batched(r, 2) == [[0, 1], [1, 0]]",  # nested, every item 0 or 1: still data
        'v in (("true", "1"), ("false", "0"))',
    ],
)
def test_nested_literal_collections_in_a_comparison_are_facts_not_a_crash(compare: str) -> None:
    from flaglint.facts import build_facts

    source = f"def t(v, r):\n    assert {compare}\n".encode()
    facts = build_facts("m.py", source, "m", False, frozenset(), marker_pattern(()))
    assert facts.error is None
    assert not facts.boolean_calls and not facts.boolean_params


def test_a_file_libcst_fails_on_is_that_file_s_diagnostic() -> None:
    """LibCST's own parser raises a logic error on implicitly concatenated t-strings
    (valid Python 3.14): on an older interpreter that file must stay one file's
    syntax error, not end the run."""
    from flaglint.facts import build_facts

    source = b"x = t'a' t'{b()}'\ny = send()\n"
    facts = build_facts("m.py", source, "m", False, frozenset(), marker_pattern(()))
    if sys.version_info < (3, 14):
        assert facts.error is not None
        assert facts.error.message.startswith("syntax error")
    else:  # pragma: no cover - ast reads it
        assert facts.error is None


def _break_lowering(monkeypatch: pytest.MonkeyPatch) -> bytes:
    if sys.version_info >= (3, 12):
        pytest.skip("type parameters are read by ast itself")
    from flaglint.facts import lowering

    monkeypatch.setattr(lowering._Lower, "leave_FunctionDef", _defect)
    return b"def f[T](x: T) -> T:\n    return x\n"


def _break_comments(monkeypatch: pytest.MonkeyPatch) -> bytes:
    import flaglint.facts

    monkeypatch.setattr(flaglint.facts, "collect_comments", _defect)
    return b"def f(x):  # flaglint: ignore\n    return x\n"


def _defect(*args: object, **kwargs: object) -> None:
    raise KeyError("defect")


@pytest.mark.parametrize("break_it", [_break_lowering, _break_comments])
def test_a_defect_anywhere_in_a_file_s_facts_is_one_file_s_diagnostic(
    monkeypatch: pytest.MonkeyPatch, break_it
) -> None:
    """Not only the collector's walk: a defect while lowering newer grammar or reading
    the comments after the walk is that file's internal error too."""
    from flaglint.facts import build_facts

    source = break_it(monkeypatch)
    facts = build_facts("m.py", source, "m", False, frozenset(), marker_pattern(()))
    assert facts.error is not None
    assert facts.error.message.startswith("internal error in flaglint (KeyError")


def test_an_undecodable_file_keeps_its_encoding_message() -> None:
    """LibCST's fallback says why a file with undecodable bytes is not read; catching
    LibCST's own defects must not swallow that message."""
    from flaglint.facts import build_facts

    source = (FIXTURES / "hostile" / "pkg" / "bad_encoding.py").read_bytes()
    facts = build_facts("m.py", source, "m", False, frozenset(), marker_pattern(()))
    assert facts.error is not None
    assert facts.error.message == "syntax error: invalid or missing encoding declaration"


def test_every_record_has_all_its_fields() -> None:
    """``model.record`` builds records with ``tuple.__new__``, which checks no arity: a
    field added to a record and not to a fast-path call would leave records short."""
    from flaglint.facts import build_facts

    source = (
        b"import os\n\n\n"
        b"class C(Base):\n"
        b"    def m(self, a, *args, **kw):\n"
        b"        x = [f(a), g(*args)]\n"
        b"        while not self.done(x) and a < LIMIT:\n"
        b"            if os.getenv('X') == '1':\n"
        b"                send(a, k=lambda: h(kw))\n"
        b"            a += 1\n"
        b"        return {'k': x}[a] or self.y\n"
    )
    facts = build_facts("m.py", source, "m", False, frozenset({"getenv"}), marker_pattern(()))
    assert facts.error is None
    seen = 0

    def check(value: object) -> None:
        nonlocal seen
        if isinstance(value, tuple):
            fields = getattr(type(value), "_fields", None)
            if fields is not None:
                assert len(value) == len(fields), (type(value).__name__, value)
                seen += 1
            for item in value:
                check(item)

    check(facts)
    assert seen > 50
