"""The audit page at scale: its size and build time on a synthetic tree of N flags, or a real one.

Usage (standard library only; run from the repository root):

    python benchmarks/audit_page.py                       # 400 synthetic flags
    python benchmarks/audit_page.py --flags 1000 --keep /tmp/synth
    python benchmarks/audit_page.py --repo /work/corpora/kitsune
    python benchmarks/audit_page.py --shots /tmp/audit-shots   # + Chromium screenshots

The synthetic tree is a git repository written by this script, in four
commits dated 2012, 2016, 2021 and 2024: flags read through LaunchDarkly,
environment switches and Django waffle; each gated function calls a chain of
helpers only it uses, a shared utility module and a dispatching call
(``send_order``, a default ``sinks`` word). The 2021 commit points the gates of
one old flag in twenty at new code (the Knight Capital shape: an old key with
a new gate) and drops some reads; one flag in three gates a shared module
of 400 functions, so that the page has to summarise long reach lists (the
issue's page held every reached name: 10 MB for 400 flags).

It prints the page size (the budget is 2 MB for 400 flags), the JSON size,
the audit's wall time, and whether headless Chromium loads the page without
console errors when ``chromium`` is installed. Nothing is asserted on time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUDGET = 2_000_000
BIG = 400  # functions in the shared module that one flag in three reaches
DATES = ("2012-03-01T10:00:00+0000", "2016-06-01T10:00:00+0000", "2021-09-01T10:00:00+0000")
LAST = "2024-02-01T10:00:00+0000"


def _git(repo: Path, *args: str, date: str = "") -> None:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="synthetic",
        GIT_AUTHOR_EMAIL="synthetic@example.com",
        GIT_COMMITTER_NAME="synthetic",
        GIT_COMMITTER_EMAIL="synthetic@example.com",
    )
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def _read(index: int) -> str:
    """The gate expression of flag ``index``, by provider."""
    if index % 3 == 0:
        return f'ldclient.get().variation("synthetic-flag-{index}", ctx, False)'
    if index % 3 == 1:
        return f'os.getenv("FEATURE_SYNTHETIC_{index}")'
    return f'waffle.flag_is_active(ctx, "synthetic_waffle_{index}")'


def _module(index: int, rewired: bool) -> str:
    helpers = "".join(
        f"\n\ndef step_{index}_{depth}(order):\n"
        + (f"    return step_{index}_{depth + 1}(order)\n" if depth < 3 else "    return order\n")
        for depth in range(1, 4)
    )
    big = "    shared.big.entry(order)\n" if index % 3 == 0 else ""
    target = f"new_path_{index}" if rewired else f"old_path_{index}"
    # The new code an old flag now gates resends forever: FL301 for the findings table.
    new_code = (
        f"\n\ndef new_path_{index}(order):\n    step_{index}_1(order)\n"
        "    while True:\n        gateway.send_order(order)\n"
        if rewired
        else ""
    )
    return (
        "import os\n\nimport ldclient\nimport waffle\n\nfrom shared import gateway, util\n"
        "import shared.big\n"
        f"\n\ndef old_path_{index}(order):\n    util.normalise(order)\n{big}"
        f"    gateway.send_order(order)\n    return step_{index}_1(order)\n"
        f"{helpers}{new_code}"
        f"\n\ndef handle_{index}(ctx, order):\n    if {_read(index)}:\n"
        f"        return {target}(order)\n    return util.normalise(order)\n"
    )


def write_synthetic(repo: Path, flags: int) -> Path:
    """A git repository with ``flags`` flags in four commits; returns ``repo``."""
    repo.mkdir(parents=True, exist_ok=True)
    (repo / "pyproject.toml").write_text("[tool.flaglint]\n")
    shared = repo / "shared"
    shared.mkdir(exist_ok=True)
    (shared / "__init__.py").write_text("")
    (shared / "gateway.py").write_text("def send_order(order):\n    return order\n")
    (shared / "util.py").write_text("def normalise(order):\n    return order\n")
    big = "".join(f"\n\ndef part_{i}(order):\n    return part_{i + 1}(order)\n" for i in range(BIG))
    (shared / "big.py").write_text(
        f"def entry(order):\n    return part_0(order)\n{big}\n\ndef part_{BIG}(order):\n"
        "    return order\n"
    )
    app = repo / "app"
    app.mkdir(exist_ok=True)
    (app / "__init__.py").write_text("")
    _git(repo, "init", "-q", "-b", "main")
    first, second = flags // 2, flags * 7 // 8
    for index in range(first):
        (app / f"flag_{index}.py").write_text(_module(index, False))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "first half of the flags", date=DATES[0])
    for index in range(first, second):
        (app / f"flag_{index}.py").write_text(_module(index, False))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "more flags", date=DATES[1])
    for index in range(0, first, 20):
        (app / f"flag_{index}.py").write_text(_module(index, True))
    for index in range(5, first, 40):
        (app / f"flag_{index}.py").unlink()
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "reuse old flags for the new router; drop a few", date=DATES[2])
    for index in range(second, flags):
        (app / f"flag_{index}.py").write_text(_module(index, False))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "last flags", date=LAST)
    return repo


def chromium_console_errors(page: Path) -> list[str] | None:
    """Console errors of the page in headless Chromium, or None without Chromium."""
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        return None
    with tempfile.TemporaryDirectory() as profile:
        result = subprocess.run(
            [binary, "--headless", "--disable-gpu", "--no-sandbox", f"--user-data-dir={profile}",
             "--enable-logging=stderr", "--v=0", "--dump-dom", page.resolve().as_uri()],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    return [line for line in result.stderr.splitlines() if "CONSOLE" in line]


def screenshot(page: Path, target: Path, height: int = 1800) -> None:
    binary = shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [binary, "--headless", "--disable-gpu", "--no-sandbox", f"--user-data-dir={profile}",
             f"--screenshot={target}", f"--window-size=1400,{height}", page.resolve().as_uri()],
            capture_output=True, timeout=120, check=False,
        )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--flags", type=int, default=400)
    parser.add_argument("--repo", type=Path, help="audit this repository instead")
    parser.add_argument("--keep", type=Path, help="write the synthetic tree here and keep it")
    parser.add_argument("--flaglint", default=shutil.which("flaglint") or "flaglint")
    parser.add_argument("--shots", type=Path, help="save Chromium screenshots here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        repo = args.repo
        if repo is None:
            repo = write_synthetic(args.keep or Path(scratch) / "synthetic", args.flags)
        page = Path(scratch) / "audit.html"
        cache = Path(scratch) / "cache"
        started = time.perf_counter()
        result = subprocess.run(
            [args.flaglint, "audit", "--html", str(page), "--format", "json"],
            cwd=repo, capture_output=True, text=True, check=False,
            env=dict(os.environ, FLAGLINT_CACHE_DIR=str(cache)),
        )  # fmt: skip
        elapsed = time.perf_counter() - started
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
            return 1
        size = page.stat().st_size
        flags = result.stdout.count('"providers"')
        print(f"repository      {repo}")
        print(f"flags           {flags}")
        print(f"page            {size:,} bytes ({'within' if size <= BUDGET else 'OVER'} 2 MB)")
        print(f"json report     {len(result.stdout.encode()):,} bytes")
        print(f"audit time      {elapsed:.1f} s (cold cache)")
        errors = chromium_console_errors(page)
        if errors is None:
            print("chromium        not installed: load not checked")
        else:
            print(f"chromium        {len(errors)} console error(s)")
            for line in errors[:5]:
                print(f"  {line[:200]}")
        if args.shots is not None:
            args.shots.mkdir(parents=True, exist_ok=True)
            name = repo.name
            screenshot(page, args.shots / f"{name}-top.png")
            flags_only = page.with_name("flags.html")
            flags_only.write_text(
                page.read_text(encoding="utf-8").replace(
                    "</head>",
                    "<style>header,#summary,#findings,.filter,.table-wrap:has(#flags-table)"
                    "{display:none}</style></head>",
                    1,
                ),
                encoding="utf-8",
            )
            screenshot(flags_only, args.shots / f"{name}-flags.png")
            print(f"screenshots     {args.shots}/{name}-top.png, {name}-flags.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
