"""FL101 on real repositories at their checked-out commit, scored against read verdicts.

Runs ``flaglint check --select FL101`` on each repository of ``FL101_REPOS``
(paths and flag config from ``benchmarks/inventory/truth/<name>.json`` when it
exists), then matches every finding with the verdicts in ``FL101_READ.json``
(by repository, symbol and flag) and prints, per repository, the findings,
how many were read, how many were justified, and the precision. A finding
without a verdict is printed as UNREAD. Always exits 0.

    python benchmarks/realcases/fl101_scan.py --corpora /work/corpora --flaglint flaglint

With ``--revisions`` it runs instead at the revisions of ``FL101_REVISIONS``:
parents of real flag-removal commits, where the flags later removed were still
live and their stale side still existed (``--at name@rev`` runs one revision
of any repository). Verdicts of those findings are keyed ``name@rev`` (the
first 12 hex digits).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import checkout  # noqa: E402  (the benchmark's worktree helper, blobs or not)

TRUTH = HERE.parent / "inventory" / "truth"
CONFIG_NAME = "flaglint-benchmark.toml"
# Folders under --corpora (clones with history); None: paths and config from the
# inventory truth of the same name.
FL101_REPOS = {
    "kitsune": (["kitsune"], ""),
    "koku": None,
    "insights-rbac": None,
    "course-discovery": None,
    "snuba": None,
    "bookwyrm": None,
    "healthchecks": None,
    "wger": None,
    "mathesar": None,
    "credentials": (["credentials"], ""),
    "mit-learn": (["."], ""),
    "edx-enterprise": (["enterprise", "consent", "integrated_channels"], ""),
    "bk-notifications-api": (["app"], ""),
    "bk-freqtrade": (["freqtrade"], ""),
    "bk-hummingbot": (["hummingbot"], ""),
    "bk-lumibot": (["lumibot"], ""),
    "bk-octobot-trading": (["octobot_trading"], ""),
    "bk-passivbot": (["src"], ""),
    "realcases/ecommerce": (["ecommerce"], ""),
    "realcases/kuma": (["kuma"], ""),
    "realcases/readthedocs.org": (
        ["readthedocs"],
        '[[tool.flaglint.providers]]\nname = "rtd-project-feature"\nmethods = ["has_feature"]\n'
        'modules = ["readthedocs.projects.models"]\nkey-index = 0\n',
    ),
}


# Parents of flag-removal commits (name under --corpora, revision, the removal it precedes).
FL101_REVISIONS: list[tuple[str, str, str]] = []


def settings(name: str) -> tuple[list[str], str]:
    given = FL101_REPOS[name]
    if given is not None:
        return given
    truth = json.loads((TRUTH / f"{Path(name).name}.json").read_text(encoding="utf-8"))
    return list(truth.get("paths") or ["."]), truth.get("config") or ""


def run_checked_out(flaglint: str, clone: Path, paths: list[str], config: str) -> list[dict]:
    """Run in the clone, or in a temporary worktree at its HEAD when it has no work tree."""
    if any((clone / p).exists() for p in paths):
        return run(flaglint, clone, paths, config)
    with tempfile.TemporaryDirectory(prefix="fl101-scan-") as folder:
        tree = Path(folder) / clone.name
        git = ["git", "-C", str(clone), "worktree"]
        subprocess.run([*git, "add", "--detach", str(tree), "HEAD"], capture_output=True)
        try:
            return run(flaglint, tree, paths, config)
        finally:
            subprocess.run([*git, "remove", "--force", str(tree)], capture_output=True)
            subprocess.run([*git, "prune"], capture_output=True)


def run(flaglint: str, checkout: Path, paths: list[str], config: str) -> list[dict]:
    cmd = [flaglint, "check", "--format", "json", "--select", "FL101"]
    if config.strip():
        text = config if "[tool.flaglint]" in config else "[tool.flaglint]\n" + config
        (checkout / CONFIG_NAME).write_text(text, encoding="utf-8")
        cmd += ["--config", CONFIG_NAME]
    proc = subprocess.run([*cmd, *paths], cwd=checkout, capture_output=True, text=True)
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError:
        print(f"  cannot parse output: {proc.stderr.strip()[:300]}", file=sys.stderr)
        return []
    findings = data["findings"] if isinstance(data, dict) else data
    return [f for f in findings if f.get("code", f.get("rule")) == "FL101"]


def run_at(flaglint: str, clone: Path, rev: str, paths: list[str], config: str) -> list[dict]:
    """Run in a temporary worktree of ``clone`` at ``rev``."""
    with checkout(clone, rev) as (tree, note):
        if tree is None:
            print(f"  {note}", file=sys.stderr)
            return []
        return run(flaglint, tree, paths, config)


def targets(args: argparse.Namespace) -> list[tuple[str, str, str | None]]:
    """(verdict name, clone name, revision or None for the checked-out commit)."""
    if args.at:
        return [(f"{n}@{r[:12]}", n, r) for n, _, r in (a.partition("@") for a in args.at)]
    if args.revisions:
        return [(f"{n}@{r[:12]}", n, r) for n, r, _ in FL101_REVISIONS]
    return [(n, n, None) for n in args.repo or list(FL101_REPOS)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default="/work/corpora", type=Path)
    parser.add_argument("--flaglint", default="flaglint")
    parser.add_argument("--repo", action="append", help="only these repositories")
    parser.add_argument("--verdicts", default=HERE / "FL101_READ.json", type=Path)
    parser.add_argument("--json", action="store_true", help="print the raw findings")
    parser.add_argument("--revisions", action="store_true", help="run at FL101_REVISIONS")
    parser.add_argument("--at", action="append", help="NAME@REV: run at this revision")
    args = parser.parse_args(argv)
    verdicts = {}
    if args.verdicts.exists():
        for v in json.loads(args.verdicts.read_text(encoding="utf-8")):
            verdicts[(v["repo"], v["symbol"], v["flag"])] = v
    total = justified = read = 0
    raw = {}
    for name, clone_name, rev in targets(args):
        clone = args.corpora / clone_name
        if not clone.is_dir():
            print(f"{name}: missing clone at {clone}")
            continue
        paths, config = settings(clone_name)
        if rev is None:
            findings = run_checked_out(args.flaglint, clone, paths, config)
        else:
            findings = run_at(args.flaglint, clone, rev, paths, config)
        raw[name] = findings
        ok = seen = 0
        print(f"{name}: {len(findings)} FL101 findings")
        for f in findings:
            verdict = verdicts.get((name, f.get("symbol"), f.get("flag")))
            mark = "UNREAD" if verdict is None else verdict["verdict"]
            if verdict is not None:
                seen += 1
                ok += verdict["verdict"] == "justified"
            print(
                f"  {mark:10} {f.get('symbol')} flag={f.get('flag')} "
                f"{f.get('path')}:{f.get('line')}"
            )
        total += len(findings)
        justified += ok
        read += seen
    precision = f"{justified / read:.0%}" if read else "n/a"
    print(f"total: {total} findings, {read} read, {justified} justified, precision {precision}")
    if args.json:
        print(json.dumps(raw, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
