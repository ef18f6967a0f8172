"""Replay ``remove-flag`` on real flags that real projects later removed, and score it.

Usage (from the repository root, in a venv with flaglint installed):

    python benchmarks/removeflag/run.py                 # every case in cases.json
    python benchmarks/removeflag/run.py koku-vms ...    # some cases by name

Each case in ``cases.json`` names a repository under ``/work/corpora`` (or
``$FLAGLINT_CORPORA``), the commit that removed the flag in real life, the key
and the side the project kept. A case of several flags removed in one commit
gives ``keys`` (a list; ``KEY=on|off`` for a key whose side differs from
``keep``) instead of ``key``: they are removed in one run (``--flag``). The
script checks out the parent of that commit (Python files only) in a scratch
clone, runs ``flaglint remove-flag KEY --keep SIDE PATHS --write``, and
measures, on every file the rewrite touched:

- parses: ``python -m py_compile``;
- new F401/F841/F811: ``ruff check --select F401,F841,F811`` after minus before;
- vulture: new "unused" reports (60% confidence) after minus before;
- real: how the rewritten file compares with the same file in the real removal
  commit (``same``, or the number of differing lines), and which non-test
  Python files the real commit changed that the rewrite did not.

The verdict per case ("lands" or "edit", with the reason) was written by
hand after reading both diffs; it is data in ``cases.json``. A case whose
rewrite does not parse or adds an F401/F841/F811 counts as "edit" whatever
the recorded verdict says. Prints one line per case and the landing rate.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPORA = Path(os.environ.get("FLAGLINT_CORPORA", "/work/corpora"))
CONFIG_NAME = ".flaglint-removeflag.toml"
TEST_PATH = re.compile(r"(^|/)(tests?|testing)(/|_)|(^|/)test_[^/]*\.py$|_tests?\.py$")


def run(args: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=check)


def checkout(repo: Path, commit: str, into: Path) -> None:
    """Python (and config) files of ``commit``: corpora share objects, some large blobs absent."""
    run(["git", "clone", "-q", "--shared", "--no-checkout", str(repo), str(into)], into.parent)
    patterns = ["*.py", "*.toml", "*.cfg", "*.ini"]
    # Templates too: remove-flag folds the ones that read a flag's value.
    patterns += ["*.html", "*.sql", "*.jinja", "*.jinja2", "*.j2"]
    run(["git", "sparse-checkout", "set", "--no-cone", *patterns], into)
    run(["git", "checkout", "-q", commit], into)


def ruff_codes(root: Path, paths: list[str]) -> dict[str, int]:
    if not paths:
        return {}
    result = run(
        ["ruff", "check", "--isolated", "--select", "F401,F841,F811", "--output-format", "json"]
        + paths,
        root,
        check=False,
    )
    counts: dict[str, int] = {}
    for item in json.loads(result.stdout or "[]"):
        name = f"{Path(item['filename']).relative_to(root)} {item['code']} {item['message']}"
        counts[name] = counts.get(name, 0) + 1
    return counts


def vulture_names(root: Path, paths: list[str]) -> set[str]:
    if not paths:
        return set()
    vulture = Path(sys.executable).parent / "vulture"
    result = run([str(vulture), "--min-confidence", "60", *paths], root, check=False)
    # "path:line: unused function 'x' (60% confidence)": line numbers move, names do not.
    return {re.sub(r":\d+:", ":", line) for line in result.stdout.splitlines()}


def flag_arguments(case: dict[str, object]) -> list[str]:
    """``KEY --keep SIDE``, or ``KEY --flag KEY2 ... --keep SIDE`` for several keys."""
    keys = [str(k) for k in case.get("keys") or [case["key"]]]  # type: ignore[attr-defined]
    more = [arg for key in keys[1:] for arg in ("--flag", key)]
    return [keys[0], *more, "--keep", str(case["keep"])]


def score(case: dict[str, object], scratch: Path) -> dict[str, object]:
    name = str(case["name"])
    repo = CORPORA / str(case["repo"])
    commit = str(case["commit"])
    work = scratch / name
    checkout(repo, f"{commit}^", work)
    paths = [str(p) for p in case.get("paths", ["."])]  # type: ignore[union-attr]
    flaglint = Path(sys.executable).parent / "flaglint"
    env = {**os.environ, "FLAGLINT_CACHE_DIR": str(scratch / "cache")}
    options = []
    config = str(case.get("config") or "")
    if config:
        # The project's flaglint configuration, as a user would write it (readers it defines).
        (work / CONFIG_NAME).write_text("[tool.flaglint]\n" + config, encoding="utf-8")
        options = ["--config", CONFIG_NAME]
    diff = subprocess.run(
        [str(flaglint), "remove-flag", *flag_arguments(case)] + options + paths,
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
    )
    headers = [line for line in diff.stdout.splitlines() if line.startswith("+++ b/")]
    touched = sorted(line.removeprefix("+++ b/") for line in headers)
    # Templates are compared with the real commit; parsing, ruff and vulture are for Python.
    python = [path for path in touched if path.endswith(".py")]
    before_f = ruff_codes(work, python)
    before_v = vulture_names(work, python)
    originals = {path: (work / path).read_text(encoding="utf-8") for path in touched}
    written = subprocess.run(
        [str(flaglint), "remove-flag", *flag_arguments(case), "--write"] + options + paths,
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
    )
    parses = all(
        run([sys.executable, "-m", "py_compile", path], work, check=False).returncode == 0
        for path in python
    )
    after_f = ruff_codes(work, python)
    new_f = sorted(k for k, v in after_f.items() if v > before_f.get(k, 0))
    new_v = sorted(vulture_names(work, python) - before_v)
    real_changed = run(
        ["git", "diff", "--name-only", f"{commit}^", commit, "--", "*.py"], work
    ).stdout.split()
    compared: dict[str, str] = {}
    for path in touched:
        real = run(["git", "show", f"{commit}:{path}"], work, check=False)
        mine = (work / path).read_text(encoding="utf-8")
        if real.returncode != 0:
            compared[path] = "deleted in real"
            continue
        if real.stdout == mine:
            compared[path] = "same"
            continue
        differing = sum(
            1
            for line in difflib.unified_diff(real.stdout.splitlines(), mine.splitlines(), n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        )
        unchanged_in_real = real.stdout == originals[path]
        compared[path] = f"{differing} lines differ" + (
            " (real left it as is)" if unchanged_in_real else ""
        )
    missed = [p for p in real_changed if p not in touched and not TEST_PATH.search(p)]
    return {
        "name": name,
        "exit": diff.returncode,
        "write_exit": written.returncode,
        "touched": touched,
        "parses": parses,
        "new_ruff": new_f,
        "new_vulture": new_v,
        "real": compared,
        "real_only": missed,
        "notes": [line for line in diff.stderr.splitlines() if not line.startswith("error:")],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="cases to run (default: all)")
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the notes")
    parser.add_argument("--keep-trees", type=Path, help="keep the rewritten checkouts here")
    args = parser.parse_args()
    cases = json.loads((HERE / "cases.json").read_text(encoding="utf-8"))
    if args.names:
        cases = [c for c in cases if c["name"] in args.names]
    results = []
    landed: dict[str, bool] = {}
    with tempfile.TemporaryDirectory(prefix="flaglint-removeflag-") as temporary:
        scratch = Path(temporary)
        if args.keep_trees:
            args.keep_trees.mkdir(parents=True, exist_ok=True)
            scratch = args.keep_trees
        for case in cases:
            measured = score(case, scratch)
            results.append(measured)
            clean = measured["parses"] and not measured["new_ruff"]
            verdict = case.get("verdict", "?") if clean else "edit"
            landed[str(case["name"])] = verdict == "lands"
            print(
                f"{case['name']:<28} exit {measured['exit']} files {len(measured['touched'])} "
                f"parses {'yes' if measured['parses'] else 'NO'} "
                f"new-F {len(measured['new_ruff'])} new-vulture {len(measured['new_vulture'])} "
                f"{verdict}: {case.get('why', '')}"
            )
            for path, how in measured["real"].items():  # type: ignore[union-attr]
                print(f"    {path}: {how}")
            for path in measured["real_only"]:  # type: ignore[union-attr]
                print(f"    real removal also changed {path}")
            for item in [*measured["new_ruff"], *measured["new_vulture"]]:  # type: ignore[misc]
                print(f"    new: {item}")
            if args.verbose:
                for note in measured["notes"]:  # type: ignore[union-attr]
                    print(f"    note: {note}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print()
    single = [c for c in cases if "keys" not in c]
    several = [c for c in cases if "keys" in c]
    report_rate("one key per case", single, landed)
    if several:
        report_rate("several keys per case", several, landed)
        report_rate("both together", cases, landed)
        # The real commit replayed once: its multi-key case instead of its one-key cases.
        replaced = {str(c["commit"]) for c in several}
        per_commit = [c for c in single if str(c["commit"]) not in replaced] + several
        report_rate("one case per real commit's removal", per_commit, landed)
    return 0


def report_rate(what: str, cases: list[dict[str, object]], landed: dict[str, bool]) -> None:
    lands = sum(landed[str(c["name"])] for c in cases)
    total = len(cases)
    rate = 100 * lands / total if total else 0.0
    print(f"lands unchanged ({what}): {lands} of {total} ({rate:.0f}%); Piranha reports 65%")


if __name__ == "__main__":
    raise SystemExit(main())
