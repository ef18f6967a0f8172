"""Fuzzing flaglint: generated programs must never crash it, and remove-flag must keep behaviour.

Usage (from the repository root, in a venv with flaglint installed):

    python benchmarks/fuzz.py --remove-flag 2000          # differential remove-flag fuzzer
    python benchmarks/fuzz.py --hypothesmith 3000         # needs `pip install hypothesmith`
    python benchmarks/fuzz.py --remove-flag 2000 --hypothesmith 3000 --seed 7

**remove-flag**: programs of our own (``tests/remove_flag_fuzz.py``: one
django-waffle switch read in fifteen statement shapes and six generator
shapes, in functions and methods) are rewritten with ``--keep on`` and
``--keep off``; every function of the original (the switch stubbed to the
kept value) and of the rewrite is run on a few inputs, and what each
returns, yields or raises must be the same. Also counted: rewrites that
leave the key in the file without saying so ("silent leftovers").

**hypothesmith**: random programs from Python's grammar (Zac Hatfield-Dodds'
hypothesmith), written into a project in batches, analysed with
``flaglint check`` and ``flaglint flags``; any traceback, exit code other than
0 or 1, or timeout is a failure, and the program is kept for a look.

Prints the counts; exit 1 if any failure was found. Nothing here runs in the
test suite (``tests/test_codemod_differential.py`` runs 60 programs).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from remove_flag_fuzz import KEY, behaviour, program  # noqa: E402


def fuzz_remove_flag(count: int, seed: int, keep_failures: Path) -> dict[str, int]:
    from flaglint.codemod import plan_removal
    from flaglint.config import load_config
    from flaglint.engine import analyse

    counts = dict(programs=0, rewrites=0, behaviour_changes=0, silent_leftovers=0, reported=0)
    with tempfile.TemporaryDirectory(prefix="flaglint-fuzz-") as scratch:
        for number in range(seed, seed + count):
            source = program(number)
            counts["programs"] += 1
            for keep in ("on", "off"):
                folder = Path(scratch) / f"{number}-{keep}"
                folder.mkdir()
                (folder / "pyproject.toml").write_text("[tool.flaglint]\n")
                (folder / "program.py").write_text(source)
                expected = behaviour(folder, keep == "on")
                config = load_config(folder)
                project = analyse(config, [folder], use_cache=False)
                plan = plan_removal(project, KEY, keep == "on")
                if plan.leftovers:
                    counts["reported"] += 1
                if not plan.rewrites:
                    continue
                counts["rewrites"] += 1
                after = plan.rewrites[0].after.decode()
                (folder / "program.py").write_text(after)
                if KEY in after and not plan.leftovers:
                    counts["silent_leftovers"] += 1
                    _keep(keep_failures, f"silent-{number}-{keep}", source, after)
                if behaviour(folder, keep == "on") != expected:
                    counts["behaviour_changes"] += 1
                    _keep(keep_failures, f"behaviour-{number}-{keep}", source, after)
                shutil.rmtree(folder)
    return counts


def fuzz_hypothesmith(
    count: int, seed: int, keep_failures: Path, batch: int = 100
) -> dict[str, int]:
    try:
        import hypothesmith
        from hypothesis import HealthCheck, given, settings
        from hypothesis import seed as hypothesis_seed
    except ImportError:
        raise SystemExit("hypothesmith is not installed: pip install hypothesmith") from None
    sources: list[str] = []

    @hypothesis_seed(seed)
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(hypothesmith.from_grammar())
    def collect(text: str) -> None:
        sources.append(text)

    collect()
    counts = dict(programs=len(sources), runs=0, failures=0)
    with tempfile.TemporaryDirectory(prefix="flaglint-hypothesmith-") as scratch:
        for start in range(0, len(sources), batch):
            root = Path(scratch) / f"batch{start}"
            root.mkdir()
            (root / "pyproject.toml").write_text("[tool.flaglint]\n")
            for offset, text in enumerate(sources[start : start + batch]):
                (root / f"m{offset}.py").write_text(text, encoding="utf-8", errors="surrogatepass")
            for command in (["check", "--no-cache"], ["flags", "--no-cache", "--format", "json"]):
                counts["runs"] += 1
                try:
                    done = subprocess.run(
                        [sys.executable, "-m", "flaglint", *command],
                        cwd=root,
                        capture_output=True,
                        timeout=600,
                        check=False,
                    )
                    failed = done.returncode not in (0, 1) or b"Traceback" in done.stderr
                    detail = done.stderr.decode("utf-8", "replace")[-2000:]
                except subprocess.TimeoutExpired:
                    failed, detail = True, "timeout"
                if failed:
                    counts["failures"] += 1
                    target = keep_failures / f"hypothesmith-{start}"
                    shutil.copytree(root, target, dirs_exist_ok=True)
                    (target / "FAILURE.txt").write_text(f"{command}\n{detail}\n")
    return counts


def _keep(folder: Path, name: str, before: str, after: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.before.py").write_text(before)
    (folder / f"{name}.after.py").write_text(after)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--remove-flag", type=int, default=0, metavar="N")
    parser.add_argument("--hypothesmith", type=int, default=0, metavar="N")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--failures", type=Path, default=HERE / "corpora" / "fuzz-failures")
    args = parser.parse_args()
    report: dict[str, object] = {"seed": args.seed}
    failed = False
    if args.remove_flag:
        started = time.perf_counter()
        counts = fuzz_remove_flag(args.remove_flag, args.seed, args.failures)
        report["remove_flag"] = {**counts, "seconds": round(time.perf_counter() - started, 1)}
        failed |= bool(counts["behaviour_changes"] or counts["silent_leftovers"])
    if args.hypothesmith:
        started = time.perf_counter()
        counts = fuzz_hypothesmith(args.hypothesmith, args.seed, args.failures)
        report["hypothesmith"] = {**counts, "seconds": round(time.perf_counter() - started, 1)}
        failed |= bool(counts["failures"])
    print(json.dumps(report, indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
