"""flaglint against vulture and the ``ast.parse`` floor, on real corpora from PyPI.

Usage (from the repository root, in a venv with flaglint and vulture installed):

    python benchmarks/run.py                       # both corpora, 3 repetitions
    python benchmarks/run.py --corpus django -n 5
    python benchmarks/run.py --write benchmarks/RESULTS.md

Each PyPI corpus is downloaded once with ``pip download`` into ``benchmarks/corpora/``
(gitignored), unpacked, and committed twice into a git repository of its own:
the second commit changes one file, so ``check --base HEAD~1`` has a parent.
The flag-heavy corpora (koku, snuba, course-discovery, edx-enterprise) are real
repositories cloned at a pinned commit with their history (``--source NAME=PATH``
clones a local copy instead of GitHub):

    python benchmarks/run.py --corpus koku --source koku=/path/to/koku -n 1

Every repetition runs, each in its own child process: vulture; ``ast.parse``
over every file on 1 and on 2 workers; ``flaglint check`` cold (empty cache),
warm (nothing changed: the stored findings answer), warm again with the stored
findings removed (the project stage runs), after editing one file, the
pre-commit hook's command on that edit once staged, and ``--base HEAD~1``.
Wall time and peak RSS come from ``os.wait4`` on each child. Ratios are taken
against vulture within the same repetition and the median over repetitions is
reported, so that load from other processes moves both sides of a ratio.

The run fails (exit 1) when the warm run parsed anything, when its output or
the recomputed findings differ from the cold run's by a byte, or when an edit
did not parse exactly one file. Targets are printed as PASS or MISS; they do
not change the exit code.
"""

from __future__ import annotations

import argparse
import ast
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
import warnings
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPORA = HERE / "corpora"
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Corpus:
    """A package from PyPI whose Python source is the benchmark input."""

    name: str
    requirement: str
    sdist: bool  # an sdist carries tests too; a wheel only the package


@dataclass(frozen=True)
class GitCorpus:
    """A real repository that reads many flags, at a pinned commit, with its history.

    Cloned from ``url``, or from a local copy given with ``--source NAME=PATH`` (a
    machine without GitHub access). The edit and ``--base HEAD~1`` rows use the
    repository's own previous commit.
    """

    name: str
    url: str
    commit: str
    flags: str  # what kind of flags it reads, for the results page


CORPUS_TABLE: dict[str, Corpus | GitCorpus] = {
    "django": Corpus("django", "django==5.2.19", sdist=True),
    "homeassistant": Corpus("homeassistant", "homeassistant==2024.3.3", sdist=False),
    "koku": GitCorpus(
        "koku",
        "https://github.com/project-koku/koku",
        "768be82535f8e75523d966b4797e954ad054b52f",
        "Unleash toggles through project wrappers",
    ),
    "snuba": GitCorpus(
        "snuba",
        "https://github.com/getsentry/snuba",
        "61009262d9a0b81ba952265a7f245e502674cef2",
        "runtime configuration and settings switches",
    ),
    "course-discovery": GitCorpus(
        "course-discovery",
        "https://github.com/openedx/course-discovery",
        "e519c2834f2dcd89cda9b82656ac99369eb9ca1b",
        "waffle switches and flags",
    ),
    "edx-enterprise": GitCorpus(
        "edx-enterprise",
        "https://github.com/openedx/edx-enterprise",
        "06d3340eeb51f10e18a73b200e76690249509702",
        "waffle switches and settings toggles",
    ),
}

# Ratio to vulture's time (or RSS, or the 2-worker ast.parse floor) that each target
# allows: issue #20's targets.
TARGETS = {
    "cold": ("vulture", 0.8),
    "warm": ("vulture", 0.1),
    "edit": ("vulture", 0.2),
    "hook": ("vulture", 0.3),
    "base": ("vulture", 0.5),
    "rss": ("vulture", 2.0),
    "cold/floor": ("floor2", 3.0),
}
STATS = re.compile(rb"flaglint: files=(\d+) lines=(\d+) parsed=(\d+) cached=(\d+)")
GIT_IDENTITY = [
    "-c",
    "user.name=flaglint benchmark",
    "-c",
    "user.email=benchmark@flaglint.invalid",
    "-c",
    "commit.gpgsign=false",
]


# ------------------------------------------------------------------ corpora
def clone(corpus: GitCorpus, source: str | None) -> Path:
    """The repository at its pinned commit (a branch ``benchmark``); cloned once."""
    tree = CORPORA / corpus.name
    if (tree / ".git").is_dir() and _git(tree, "rev-parse", "HEAD") == corpus.commit:
        return tree
    shutil.rmtree(tree, ignore_errors=True)
    CORPORA.mkdir(parents=True, exist_ok=True)
    origin = ["--shared", source] if source else [corpus.url]
    subprocess.run(["git", "clone", "-q", "--no-checkout", *origin, str(tree)], check=True)
    _git(tree, "checkout", "-q", "-B", "benchmark", corpus.commit)
    (tree / "flaglint-benchmark.toml").write_text("[tool.flaglint]\njobs = 2\n")
    (tree / ".git" / "info" / "exclude").write_text("flaglint-benchmark.toml\n")
    return tree


def fetch(corpus: Corpus) -> Path:
    """The corpus as a git repository with two commits; downloaded and built once."""
    tree = CORPORA / corpus.name
    if (tree / ".git").is_dir() and _git(tree, "rev-parse", "--verify", "-q", "HEAD~1"):
        return tree
    downloads = CORPORA / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    archive = _archive(downloads, corpus)
    if archive is None:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d"]
        command += [str(downloads), corpus.requirement]
        if corpus.sdist:
            command += ["--no-binary", ":all:"]
        else:
            command += ["--only-binary", ":all:"]
        subprocess.run(command, check=True)
        archive = _archive(downloads, corpus)
        if archive is None:
            raise SystemExit(f"pip download gave no archive for {corpus.requirement}")
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    if archive.name.endswith(".whl"):
        with zipfile.ZipFile(archive) as wheel:
            wheel.extractall(tree)
    else:
        with tarfile.open(archive) as sdist:
            sdist.extractall(tree, filter="data")
        (top,) = list(tree.iterdir())
        for child in top.iterdir():
            child.rename(tree / child.name)
        top.rmdir()
    # flaglint reads this table (and nothing above it); the benchmark pins the workers.
    (tree / "flaglint-benchmark.toml").write_text("[tool.flaglint]\njobs = 2\n")
    _git(tree, "init", "-q")
    (tree / ".git" / "info" / "exclude").write_text("flaglint-benchmark.toml\n")
    _commit(tree, "corpus as published", "2020-01-01T00:00:00Z")
    changed = _pick(tree, 2)
    with open(changed, "a", encoding="utf-8") as handle:
        handle.write("\n\ndef _flaglint_benchmark_head():\n    return None\n")
    _commit(tree, "change one file", "2020-01-02T00:00:00Z")
    return tree


def _archive(downloads: Path, corpus: Corpus) -> Path | None:
    name, _, version = corpus.requirement.partition("==")
    suffixes = (".tar.gz", ".zip") if corpus.sdist else (".whl",)
    for path in sorted(downloads.iterdir()):
        lowered = path.name.lower()
        if lowered.startswith(f"{name}-{version}") and lowered.endswith(suffixes):
            return path
    return None


def _git(tree: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", *GIT_IDENTITY, *args], cwd=tree, capture_output=True, text=True, check=False
    )
    return result.stdout.strip() if result.returncode == 0 else ""


def _commit(tree: Path, message: str, date: str) -> None:
    env = dict(os.environ, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    subprocess.run(["git", "add", "-A"], cwd=tree, check=True, env=env)
    subprocess.run(
        ["git", *GIT_IDENTITY, "commit", "-q", "-m", message], cwd=tree, check=True, env=env
    )


def python_files(tree: Path) -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", "*.py"], cwd=tree, capture_output=True, check=True
    ).stdout
    return [tree / name for name in listed.decode().split("\0") if name]


def _pick(tree: Path, divisor: int) -> Path:
    """A deterministic, ordinary file: the one 1/divisor of the way through the sorted list."""
    files = sorted(python_files(tree))
    sized = [f for f in files if 2_000 < f.stat().st_size < 40_000] or files
    return sized[len(sized) // divisor]


# ------------------------------------------------------------------ children
@dataclass
class Sample:
    seconds: float
    rss_mb: float
    stdout: bytes
    stderr: bytes
    code: int
    cpu: float = 0.0  # user + system seconds of it and its waited-for children


def run_child(command: list[str], cwd: Path) -> Sample:
    """Run one command; wall time, and CPU time and peak RSS of it and its waited-for
    children (CPU time moves less than wall time with other load on the machine)."""
    out_path = CORPORA / ".stdout"
    err_path = CORPORA / ".stderr"
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
    return Sample(
        seconds,
        usage.ru_maxrss / 1024,
        out_path.read_bytes(),
        err_path.read_bytes(),
        child.returncode,
        usage.ru_utime + usage.ru_stime,
    )


def floor_child(tree: str, workers: int) -> None:
    """Child mode: read and ``ast.parse`` every Python file, on ``workers`` processes."""
    files = [str(p) for p in python_files(Path(tree))]
    if workers <= 1:
        _parse_all(files)
        return
    files.sort(key=lambda p: -os.path.getsize(p))
    chunks = [files[i : i + 24] for i in range(0, len(files), 24)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_parse_all, chunks))


def _parse_all(paths: list[str]) -> int:
    warnings.simplefilter("ignore")
    parsed = 0
    for path in paths:
        with open(path, "rb") as handle:
            source = handle.read()
        try:
            ast.parse(source)
            parsed += 1
        except (SyntaxError, ValueError):
            pass
    return parsed


def base_child(tree: str, revision: str) -> None:
    """Child mode: what ``check --base REV`` does, through the engine, for older CLIs."""
    from flaglint.config import load_config
    from flaglint.engine import analyse, analyse_revision, run_rules
    from flaglint.rules import ALL_RULES

    config = load_config(Path(tree), Path(tree) / "flaglint-benchmark.toml")
    project = analyse(config, [])
    project.base = analyse_revision(config, revision, project.cache)
    findings = run_rules(project, ALL_RULES)
    sys.stdout.write(f"{len(findings)} findings\n")


def cli_has_base() -> bool:
    help_text = subprocess.run(
        [str(BIN / "flaglint"), "check", "--help"], capture_output=True, text=True, check=False
    ).stdout
    return "--base" in help_text


# ------------------------------------------------------------- repetitions
@dataclass
class Results:
    corpus: str
    files: int = 0
    lines: int = 0
    seconds: dict[str, list[float]] = field(default_factory=dict)
    rss: dict[str, list[float]] = field(default_factory=dict)
    cpu: dict[str, list[float]] = field(default_factory=dict)
    ratios: dict[str, list[float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def add(self, name: str, sample: Sample) -> None:
        self.seconds.setdefault(name, []).append(sample.seconds)
        self.rss.setdefault(name, []).append(sample.rss_mb)
        self.cpu.setdefault(name, []).append(sample.cpu)


def _cache_folders(tree: Path) -> list[Path]:
    """Where flaglint cached for ``tree``: the user cache folder the script sets, and
    ``.flaglint_cache`` in the tree for versions before caches moved out of it."""
    home = Path(os.environ["FLAGLINT_CACHE_DIR"]) / "repos"
    return [*sorted(home.glob(f"{tree.name}-*")), tree / ".flaglint_cache"]


def _clear_caches(tree: Path) -> None:
    for folder in _cache_folders(tree):
        shutil.rmtree(folder, ignore_errors=True)


def repetition(tree: Path, results: Results, rep: int, use_cli_base: bool) -> None:
    config = ["--config", "flaglint-benchmark.toml"]
    flaglint = [str(BIN / "flaglint"), "check", *config, "--stats"]
    samples: dict[str, Sample] = {}

    samples["vulture"] = run_child([str(BIN / "vulture"), "."], tree)
    for workers in (1, 2):
        samples[f"floor{workers}"] = run_child(
            [sys.executable, __file__, "--floor-child", str(tree), str(workers)], tree
        )

    _clear_caches(tree)
    samples["cold"] = cold = run_child(flaglint, tree)
    samples["warm"] = warm = run_child(flaglint, tree)
    cold_stats, warm_stats = _stats(cold.stderr), _stats(warm.stderr)
    results.files, results.lines = cold_stats[0], cold_stats[1]
    if warm_stats[2] != 0 or warm_stats[3] != warm_stats[0]:
        results.failures.append(f"rep {rep}: warm run parsed files: {warm_stats}")
    if cold.stdout != warm.stdout:
        results.failures.append(f"rep {rep}: warm output differs from cold output")
    if rep == 0:
        results.notes.append(
            f"cold stats: parsed={cold_stats[2]} cached={cold_stats[3]}; "
            f"warm stats: parsed={warm_stats[2]} cached={warm_stats[3]}; "
            f"cold and warm stdout identical: {cold.stdout == warm.stdout} "
            f"({len(cold.stdout)} bytes)"
        )

    # The same tree again without its stored findings: the project stage runs
    # (edges from the snapshot), and must say exactly what the cached run said.
    for stored in _cache_folders(tree):
        (stored / "results.pickle").unlink(missing_ok=True)
    samples["project"] = project = run_child(flaglint, tree)
    if project.stdout != cold.stdout:
        results.failures.append(f"rep {rep}: recomputed findings differ from the cold run's")

    edited = _pick(tree, 3)
    original = edited.read_bytes()
    marker = f"\n\ndef _flaglint_benchmark_edit_{rep}_{time.time_ns()}():\n    return None\n"
    relative = edited.relative_to(tree).as_posix()
    try:
        edited.write_bytes(original + marker.encode())
        samples["edit"] = edit = run_child(flaglint, tree)
        # What the pre-commit hook runs once the edit is staged.
        _git(tree, "add", "--", relative)
        hook = [*flaglint, "--staged", "--base", "HEAD", "--new-only"]
        samples["hook"] = run_child(hook, tree)
    finally:
        _git(tree, "reset", "-q", "--", relative)
        edited.write_bytes(original)
    edit_stats = _stats(edit.stderr)
    if edit_stats[2] != 1:
        results.failures.append(f"rep {rep}: the edit run parsed {edit_stats[2]} files, not 1")

    if use_cli_base:
        samples["base"] = run_child([*flaglint, "--base", "HEAD~1"], tree)
    else:
        command = [sys.executable, __file__, "--base-child", str(tree), "HEAD~1"]
        samples["base"] = run_child(command, tree)

    # The first check after a commit that changed no file: HEAD moved, so the
    # findings are computed again; FL101's stored blames still answer.
    empty_commit = ["git", *GIT_IDENTITY, "commit", "-q", "--allow-empty", "-m", "benchmark"]
    if subprocess.run(empty_commit, cwd=tree, capture_output=True, check=False).returncode == 0:
        try:
            samples["commit"] = run_child(flaglint, tree)
        finally:
            _git(tree, "reset", "-q", "--soft", "HEAD~1")

    # An auditor handed the repository: the whole audit, history included, from an
    # empty cache; --stats shows each phase.
    _clear_caches(tree)
    samples["audit"] = audit = run_child(
        [str(BIN / "flaglint"), "audit", *config, "--stats", "--format", "json"], tree
    )
    if rep == 0:
        phases = audit.stderr.decode("utf-8", "replace").strip().splitlines()
        results.notes.append(f"audit stats: {phases[-1] if phases else '(none)'}")

    for name, sample in samples.items():
        if sample.code not in (0, 1, 3) and name != "vulture":
            results.failures.append(f"rep {rep}: {name} exited {sample.code}: {sample.stderr!r}")
        results.add(name, sample)
    vulture = samples["vulture"]
    commands = ("cold", "warm", "project", "edit", "hook", "base", "commit", "audit")
    for name in commands:
        if name in samples:
            results.ratios.setdefault(name, []).append(samples[name].seconds / vulture.seconds)
    results.ratios.setdefault("cold/floor", []).append(cold.seconds / samples["floor2"].seconds)
    peak = max(samples[n].rss_mb for n in commands if n in samples)
    results.ratios.setdefault("rss", []).append(peak / vulture.rss_mb)


def _stats(stderr: bytes) -> tuple[int, int, int, int]:
    match = STATS.search(stderr)
    if match is None:
        raise SystemExit(f"no --stats line in flaglint's stderr: {stderr[-500:]!r}")
    files, lines, parsed, cached = (int(g) for g in match.groups())
    return files, lines, parsed, cached


# ------------------------------------------------------------------- report
ROWS = [
    ("vulture", "vulture", None),
    ("floor1", "ast.parse, 1 worker", None),
    ("floor2", "ast.parse, 2 workers", None),
    ("cold", "flaglint check, cold", "cold"),
    ("warm", "flaglint check, warm", "warm"),
    ("project", "flaglint check, warm, findings recomputed", None),
    ("edit", "flaglint check, one file edited", "edit"),
    ("hook", "pre-commit hook on the staged edit", "hook"),
    ("base", "flaglint check --base HEAD~1, warm", "base"),
    ("commit", "flaglint check after an empty commit", None),
    ("audit", "flaglint audit, history included, cold", None),
]


def table(results: Results, repeat: int) -> str:
    def med(values: list[float]) -> float:
        return statistics.median(values)

    lines = [
        f"### {results.corpus}: {results.files} files, {results.lines:,} lines, median of {repeat}",
        "",
        "| run | seconds | CPU seconds | peak RSS (MB) | ratio | target |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for key, label, target in ROWS:
        if key not in results.seconds:
            continue  # not measured (no git to commit in)
        ratio, verdict = "", ""
        if target is not None:
            ratio, verdict = _verdict(results, target)
        elif key in results.ratios:
            ratio = f"{statistics.median(results.ratios[key]):.2f}x"
        lines.append(
            f"| {label} | {med(results.seconds[key]):.2f} | {med(results.cpu[key]):.2f} "
            f"| {med(results.rss[key]):.0f} "
            f"| {ratio} | {verdict} |"
        )
    for target, label in (
        ("cold/floor", "cold / ast.parse on 2 workers"),
        ("rss", "peak RSS, every command (audit, hook, --base included)"),
    ):
        ratio, verdict = _verdict(results, target)
        lines.append(f"| {label} | | | | {ratio} | {verdict} |")
    lines.append("")
    lines.extend(f"- {note}" for note in results.notes)
    lines.extend(f"- FAILED: {failure}" for failure in results.failures)
    return "\n".join(lines) + "\n"


def _verdict(results: Results, target: str) -> tuple[str, str]:
    against, limit = TARGETS[target]
    value = statistics.median(results.ratios[target])
    mark = "PASS" if value <= limit else "MISS"
    return f"{value:.2f}x", f"<= {limit}x {against}: {mark}"


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = subprocess.run(
        [str(BIN / "vulture"), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    flaglint = subprocess.run(
        [str(BIN / "flaglint"), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"nproc {os.cpu_count()}, CPU {model or platform.processor()}, "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}; "
        f"{flaglint}, vulture {versions}; load average at the end {load}"
    )


def compile_flaglint() -> str:
    """Byte-compile flaglint's modules, as ``pip install`` does for a user.

    An editable install under ``PYTHONDONTWRITEBYTECODE`` (set on some CI
    machines) compiles every module from source on each run: about 0.3 s per
    command that vulture, installed with its bytecode, does not pay.
    """
    import compileall

    import flaglint

    package = Path(flaglint.__file__).parent
    ok = compileall.compile_dir(str(package), quiet=2, force=False)
    return f"flaglint byte-compiled in place ({'ok' if ok else 'with errors'})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", action="append", choices=sorted(CORPUS_TABLE))
    parser.add_argument("-n", "--repeat", type=int, default=3)
    parser.add_argument(
        "--source",
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="clone a git corpus from this local repository instead of its URL",
    )
    parser.add_argument("--write", type=Path, help="also write the tables to this file")
    parser.add_argument("--floor-child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--base-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    # Caches (and their key) in a folder of the benchmark's own, cleared for cold runs.
    os.environ["FLAGLINT_CACHE_DIR"] = str(CORPORA / "cache-home")
    if args.floor_child:
        floor_child(args.floor_child[0], int(args.floor_child[1]))
        return 0
    if args.base_child:
        base_child(*args.base_child)
        return 0

    sources = dict(item.partition("=")[::2] for item in args.source)
    compiled = compile_flaglint()
    use_cli_base = cli_has_base()
    sections = []
    failed = False
    for name in args.corpus or ["django", "homeassistant"]:
        corpus = CORPUS_TABLE[name]
        if isinstance(corpus, GitCorpus):
            tree = clone(corpus, sources.get(name))
        else:
            tree = fetch(corpus)
        results = Results(name)
        if not use_cli_base:
            results.notes.append("--base measured through the engine API (no CLI option)")
        for rep in range(args.repeat):
            repetition(tree, results, rep, use_cli_base)
            print(f"{name}: repetition {rep + 1}/{args.repeat} done", file=sys.stderr)
        section = table(results, args.repeat)
        print(section)
        sections.append(section)
        failed = failed or bool(results.failures)
    about = machine() + f"; {compiled}"
    print(about)
    if args.write:
        body = "# Benchmark results\n\nWritten by `python benchmarks/run.py --write`.\n\n"
        body += f"Machine: {about}.\n\n" + "\n".join(sections)
        args.write.write_text(body)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
