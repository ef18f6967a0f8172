#!/usr/bin/env python3
"""Score `flaglint flags` against the hand-built ground truth in truth/*.json.

Usage:
    python benchmarks/inventory/score.py [NAME ...] [--corpora DIR] [--flaglint PATH] [--json]

Each truth file names a public repository and a pinned commit. The checkout is
expected at <corpora>/<name>; a missing one is skipped with the commands that
make it. Standard library only (Python 3.10+).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TRUTH_DIR = HERE / "truth"
DEFAULT_CORPORA = Path("benchmarks/corpora/inventory")
CONFIG_NAME = "flaglint-benchmark.toml"


def load_truths(names: list[str]) -> list[dict]:
    files = sorted(TRUTH_DIR.glob("*.json"))
    truths = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    if names:
        known = {t["name"]: t for t in truths}
        missing = [n for n in names if n not in known]
        if missing:
            sys.exit(f"no truth file for: {', '.join(missing)} (have: {', '.join(sorted(known))})")
        truths = [known[n] for n in names]
    return truths


def git_head(checkout: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip()


def run_flaglint(flaglint: str, truth: dict, checkout: Path) -> tuple[dict | None, float, str]:
    cmd = [flaglint, "flags", "--format", "json", "--no-cache"]
    config = truth.get("config") or ""
    if config.strip():
        text = config if "[tool.flaglint]" in config else "[tool.flaglint]\n" + config
        (checkout / CONFIG_NAME).write_text(text, encoding="utf-8")
        cmd += ["--config", CONFIG_NAME]
    cmd += list(truth.get("paths") or ["."])
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=checkout, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        return None, seconds, f"exit {proc.returncode}: {proc.stderr.strip()[:500]}"
    try:
        return json.loads(proc.stdout), seconds, proc.stderr.strip()
    except json.JSONDecodeError as exc:
        return None, seconds, f"unparsable JSON ({exc}); stderr: {proc.stderr.strip()[:500]}"


def score(truth: dict, output: dict, seconds: float) -> dict:
    flags = {f["key"]: f for f in truth["flags"]}
    ambiguous = {a["key"] for a in truth.get("ambiguous", [])}
    not_flags: dict[str, dict] = {}
    for n in truth.get("not_flags", []):
        not_flags.setdefault(n["key"], n)
    found: dict[str, dict] = {}
    for f in output.get("flags", []):
        found.setdefault(f["key"], f)
    scored = [k for k in found if k not in ambiguous]
    tp = [k for k in scored if k in flags]
    fp = sorted(k for k in scored if k not in flags)
    misses = sorted(k for k in flags if k not in found)
    gating = [k for k, f in flags.items() if f.get("gates_code")]
    gated = [
        k
        for k in gating
        # Gates: gated calls per polarity, or branches the flag decides (code with no call).
        if k in found
        and (
            any(found[k].get("gates", {}).get(side) for side in ("on", "off"))
            or found[k].get("branches")
        )
    ]
    ungated = sorted(k for k in gating if k in found and k not in gated)
    return {
        "name": truth["name"],
        "keys_found": len(found),
        "true_positives": len(tp),
        "truth_flags": len(flags),
        "precision": round(len(tp) / len(scored), 4) if scored else None,
        "recall": round(len(tp) / len(flags), 4) if flags else None,
        "gate_share": round(len(gated) / len(gating), 4) if gating else None,
        "seconds": round(seconds, 2),
        "errors": len(output.get("errors", [])),
        "dynamic_reads": len(output.get("dynamic_reads", [])),
        "false_positives": [
            {
                "key": k,
                "provider": found[k].get("provider"),
                "read": (found[k].get("reads") or [{}])[0],
                "truth": ("not a flag: " + not_flags[k]["reason"])
                if k in not_flags
                else "not in the truth",
            }
            for k in fp
        ],
        "misses": [
            {
                "key": k,
                "mechanism": flags[k].get("mechanism"),
                "reason": flags[k].get("reason", ""),
                "read": (flags[k].get("reads") or [{}])[0],
            }
            for k in misses
        ],
        "found_without_gates": [
            {"key": k, "gate": (flags[k].get("gate_sites") or [{}])[0]} for k in ungated
        ],
    }


def pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f}%"


def where(site: dict) -> str:
    return f"{site.get('path', '?')}:{site.get('line', '?')}" if site else "?"


def print_text(result: dict) -> None:
    print(f"== {result['name']}")
    print(
        f"   keys found {result['keys_found']}, true positives {result['true_positives']} "
        f"of {result['truth_flags']} truth flags"
    )
    print(
        f"   precision {pct(result['precision'])}  recall {pct(result['recall'])}  "
        f"gate share {pct(result['gate_share'])}  {result['seconds']:.1f}s  "
        f"(errors {result['errors']}, dynamic reads {result['dynamic_reads']})"
    )
    if result["false_positives"]:
        print(f"   false positives ({len(result['false_positives'])}):")
        for fp in result["false_positives"]:
            print(f"     {fp['key']}  [{fp['provider']}] {where(fp['read'])}  -- {fp['truth']}")
    if result["misses"]:
        print(f"   misses ({len(result['misses'])}):")
        for m in result["misses"]:
            print(f"     {m['key']}  [{m['mechanism']}] {where(m['read'])}  -- {m['reason']}")
    if result["found_without_gates"]:
        print(f"   found but no gates listed ({len(result['found_without_gates'])}):")
        for g in result["found_without_gates"]:
            print(f"     {g['key']}  first gate in truth: {where(g['gate'])}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("names", nargs="*", help="truth names to score (default: all)")
    ap.add_argument(
        "--corpora",
        type=Path,
        default=DEFAULT_CORPORA,
        help=f"folder holding one checkout per truth name (default: {DEFAULT_CORPORA})",
    )
    ap.add_argument(
        "--flaglint", default=None, help="flaglint executable (default: the one on PATH)"
    )
    ap.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = ap.parse_args(argv)

    flaglint = args.flaglint or shutil.which("flaglint")
    if not flaglint:
        sys.exit("flaglint is not on PATH; pass --flaglint PATH")
    results, skipped = [], []
    for truth in load_truths(args.names):
        checkout = args.corpora / truth["name"]
        if not checkout.is_dir():
            msg = (
                f"{truth['name']}: no checkout at {checkout}; make one with:\n"
                f"  git clone {truth['url']} {checkout}\n"
                f"  git -C {checkout} checkout {truth['commit']}"
            )
            print(msg, file=sys.stderr)
            skipped.append({"name": truth["name"], "reason": "missing checkout"})
            continue
        head = git_head(checkout)
        if head != truth["commit"]:
            print(
                f"{truth['name']}: {checkout} is at {head}, not the pinned {truth['commit']}; "
                f"run: git -C {checkout} checkout {truth['commit']}",
                file=sys.stderr,
            )
            skipped.append(
                {"name": truth["name"], "reason": f"HEAD {head} is not the pinned commit"}
            )
            continue
        output, seconds, err = run_flaglint(flaglint, truth, checkout.resolve())
        if output is None:
            print(f"{truth['name']}: flaglint failed: {err}", file=sys.stderr)
            skipped.append({"name": truth["name"], "reason": f"flaglint failed: {err}"})
            continue
        result = score(truth, output, seconds)
        results.append(result)
        if not args.json:
            print_text(result)
    if args.json:
        numbers = [
            {
                k: v
                for k, v in r.items()
                if k not in ("false_positives", "misses", "found_without_gates")
            }
            | {
                "false_positive_keys": [fp["key"] for fp in r["false_positives"]],
                "missed_keys": [m["key"] for m in r["misses"]],
            }
            for r in results
        ]
        print(json.dumps({"results": numbers, "skipped": skipped}, indent=2))
    return 0 if results or not skipped else 1


if __name__ == "__main__":
    sys.exit(main())
