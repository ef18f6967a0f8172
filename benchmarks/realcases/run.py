#!/usr/bin/env python3
"""Score flaglint on real cases mined from public git histories.

Every ``*.json`` file next to this script holds a list of cases (see README.md).
For each case the script checks out the case's ``head`` commit from a local clone
into a temporary ``git worktree``, runs

    flaglint check --format json --no-cache --select RULE [--base BASE] PATHS...

there, and counts the case FOUND when a finding of that rule names the case's
symbol (exactly, or by its last component in the same file), MISSED otherwise.
Stdlib only; exit status is always 0.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parent.parent
DEFAULT_CORPORA = PROJECT_ROOT / "benchmarks" / "corpora" / "realcases"
REQUIRED = ("id", "repo", "head", "rule", "symbol", "path", "paths")


def load_cases(selectors: list[str]) -> list[dict]:
    """Load the cases of every *.json here, or of the files/ids in selectors."""
    files = sorted(HERE.glob("*.json"))
    wanted_ids: set[str] = set()
    chosen_files: list[Path] = []
    for sel in selectors:
        p = Path(sel)
        if p.suffix == ".json" and (p.exists() or (HERE / p.name).exists()):
            chosen_files.append(p if p.exists() else HERE / p.name)
        else:
            wanted_ids.add(sel)
    if chosen_files and not wanted_ids:
        files = chosen_files
    elif chosen_files:
        files = sorted(set(files) | set(chosen_files))
    cases: list[dict] = []
    for f in files:
        try:
            data = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            print(f"warning: cannot read {f}: {exc}", file=sys.stderr)
            continue
        if isinstance(data, dict):
            data = data.get("cases", [])
        if not isinstance(data, list) or not any(
            isinstance(c, dict) and "rule" in c and "head" in c for c in data
        ):
            continue  # not a case file (e.g. another benchmark's data kept here)
        for case in data:
            missing = [k for k in REQUIRED if k not in case]
            if missing:
                print(
                    f"warning: {f.name}: case {case.get('id', '?')} lacks {missing}",
                    file=sys.stderr,
                )
                continue
            case = dict(case)
            case["_file"] = f.name
            cases.append(case)
    if wanted_ids:
        known = {c["id"] for c in cases}
        for w in sorted(wanted_ids - known):
            print(f"warning: no case with id {w!r}", file=sys.stderr)
        cases = [
            c
            for c in cases
            if c["id"] in wanted_ids or c["_file"] in {p.name for p in chosen_files}
        ]
    return cases


def git(*args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=check)


def has_commit(clone: Path, rev: str) -> bool:
    return git("-C", str(clone), "cat-file", "-e", f"{rev}^{{commit}}", check=False).returncode == 0


def match(case: dict, findings: list[dict]) -> tuple[dict | None, str]:
    """Return (finding, how) for the first finding that names the case's symbol."""
    sym = case["symbol"]
    last = sym.rsplit(".", 1)[-1]
    same_rule = [f for f in findings if f.get("rule") == case["rule"]]
    for f in same_rule:
        if f.get("symbol") == sym:
            return f, "exact symbol"
    for f in same_rule:
        fs = f.get("symbol") or ""
        if (fs == last or fs.endswith("." + last)) and f.get("path") == case["path"]:
            return f, f"last component '{last}' in {case['path']} (finding symbol {fs})"
    return None, ""


def closest(case: dict, findings: list[dict]) -> dict | None:
    same_rule = [f for f in findings if f.get("rule") == case["rule"]]
    if not same_rule:
        return None

    def score(f: dict) -> tuple:
        return (
            f.get("path") == case["path"],
            difflib.SequenceMatcher(None, f.get("symbol") or "", case["symbol"]).ratio(),
        )

    return max(same_rule, key=score)


@contextlib.contextmanager
def checkout(clone: Path, rev: str) -> Iterator[tuple[Path | None, str]]:
    """A temporary detached worktree of ``clone`` at ``rev``: (path or None, note)."""
    tmp = Path(tempfile.mkdtemp(prefix="flaglint-realcase-"))
    wt = tmp / "wt"
    try:
        add = git("-C", str(clone), "worktree", "add", "--detach", str(wt), rev, check=False)
        note = ""
        if add.returncode != 0:
            # A partial clone or a mirror without its largest blobs cannot check every
            # file out: retry without checkout and write out every blob that exists.
            git("-C", str(clone), "worktree", "remove", "--force", str(wt), check=False)
            shutil.rmtree(wt, ignore_errors=True)
            git("-C", str(clone), "worktree", "prune", check=False)
            add2 = git(
                "-C", str(clone), "worktree", "add", "--detach", "--no-checkout", str(wt), rev,
                check=False,
            )  # fmt: skip
            if add2.returncode != 0:
                lines = (add2.stderr or add.stderr).strip().splitlines()
                yield None, "git worktree add failed" + (f": {lines[-1]}" if lines else "")
                return
            git("-C", str(wt), "reset", "-q", check=False)
            files = git("-C", str(wt), "ls-files", "-z", check=False).stdout
            subprocess.run(
                ["git", "-C", str(wt), "checkout-index", "-f", "-z", "--stdin"],
                input=files,
                capture_output=True,
                text=True,
                check=False,
            )
            note = "worktree written without the blobs the clone lacks"
        yield wt, note
    finally:
        git("-C", str(clone), "worktree", "remove", "--force", str(wt), check=False)
        shutil.rmtree(tmp, ignore_errors=True)
        git("-C", str(clone), "worktree", "prune", check=False)


@contextlib.contextmanager
def copied(folder: Path) -> Iterator[tuple[Path | None, str]]:
    """A temporary copy of an unpacked source distribution (the config goes inside it)."""
    tmp = Path(tempfile.mkdtemp(prefix="flaglint-realcase-"))
    try:
        shutil.copytree(folder, tmp / "src", symlinks=True)
        yield tmp / "src", ""
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_config(wt: Path, config: str) -> list[str]:
    """The ``--config`` option for a case's TOML text (empty: no option)."""
    config = config.strip()
    if not config:
        return []
    cfg = wt / "flaglint-benchmark.toml"
    body = config if config.lstrip().startswith("[tool.flaglint") else "[tool.flaglint]\n" + config
    cfg.write_text(body + "\n", encoding="utf-8")
    return ["--config", str(cfg)]


def run_case(case: dict, corpora: Path, flaglint: str, timeout: float) -> dict:
    res = {
        "id": case["id"],
        "rule": case["rule"],
        "repo": case["repo"],
        "symbol": case["symbol"],
        "status": "error",
        "seconds": 0.0,
        "how": "",
        "message": "",
        "closest": None,
        "findings": 0,
    }
    name = case.get("clone") or case["repo"].split("/")[-1]
    clone = corpora / name
    url = case.get("url") or f"https://github.com/{case['repo']}"
    if not (clone / ".git").exists() and not (clone / "HEAD").exists():
        res["status"] = "skipped"
        res["message"] = f"no clone; run: git clone {url} {clone}"
        return res
    for rev in [case["head"]] + ([case["base"]] if case.get("base") else []):
        if not has_commit(clone, rev):
            res["status"] = "skipped"
            res["message"] = f"commit {rev} not in {clone}; run: git -C {clone} fetch {url}"
            return res

    start = time.monotonic()
    with checkout(clone, case["head"]) as (wt, note):
        res["message"] = note
        if wt is None:
            res["seconds"] = round(time.monotonic() - start, 1)
            return res
        res.update(_check_case(case, wt, flaglint, timeout))
    res["seconds"] = round(time.monotonic() - start, 1)
    return res


def run_flaglint(cmd: list[str], wt: Path, timeout: float) -> tuple[dict | None, str]:
    """flaglint's JSON output, or None and why there is none."""
    try:
        proc = subprocess.run(cmd, cwd=wt, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, f"flaglint did not finish in {timeout:.0f}s"
    except OSError as exc:
        return None, f"cannot run {cmd[0]}: {exc}"
    try:
        return json.loads(proc.stdout), ""
    except ValueError:
        err = proc.stderr.strip().splitlines()
        return None, f"exit {proc.returncode}, no JSON: {err[-1] if err else proc.stdout[:200]}"


def _check_case(case: dict, wt: Path, flaglint: str, timeout: float) -> dict:
    res: dict = {}
    cmd = [flaglint, "check", "--format", "json", "--no-cache", "--select", case["rule"]]
    cmd += write_config(wt, case.get("config") or "")
    if case.get("base"):
        cmd += ["--base", case["base"]]
    cmd += list(case["paths"]) or ["."]
    out, why = run_flaglint(cmd, wt, timeout)
    if out is None:
        res["status"] = "timeout" if "did not finish" in why else "error"
        res["message"] = why
        return res
    findings = out.get("findings", [])
    res["findings"] = sum(1 for f in findings if f.get("rule") == case["rule"])
    errors = out.get("errors", [])
    if errors:
        res["message"] = (
            f"{len(errors)} analysis error(s), first: {errors[0].get('path')}: "
            + errors[0].get("message", "")[:120]
        )
    hit, how = match(case, findings)
    # A case whose guard still holds at head expects silence: a finding is a false alarm.
    quiet = case.get("expect") == "none"
    if hit:
        res["status"] = "false-alarm" if quiet else "found"
        res["how"] = how
        res["finding_message"] = hit.get("message", "")
    else:
        res["status"] = "quiet" if quiet else "missed"
        c = closest(case, findings)
        if c:
            res["closest"] = {k: c.get(k) for k in ("path", "line", "symbol", "flag", "message")}
    return res


def run_corpus(path: Path, corpora: Path, flaglint: str, timeout: float) -> dict:
    """Run FL301 over each codebase of a corpus file and compare with the verdicts kept there.

    A finding matches a kept verdict by path and line, then by path, symbol and sink.
    Findings with no verdict are printed for a reviewer to read and judge.
    """
    runs = json.loads(path.read_text(encoding="utf-8"))
    totals = {"findings": 0, "justified": 0, "wrong": 0, "unjudged": 0}
    for run in runs:
        # ``clone``: the folder's name when two repositories share a last name part.
        clone = corpora / (run.get("clone") or run["repo"].split("/")[-1])
        if run.get("sdist"):
            clone = corpora / run["sdist"]  # an unpacked source distribution, no git
            if not clone.is_dir():
                print(f"{run['name']:<28} SKIPPED (unpack {run['sdist']} into {corpora})")
                continue
        elif not has_commit(clone, run["commit"]):
            print(f"{run['name']:<28} SKIPPED (no clone with {run['commit'][:12]} in {clone})")
            continue
        with copied(clone) if run.get("sdist") else checkout(clone, run["commit"]) as (wt, note):
            if wt is None:
                print(f"{run['name']:<28} ERROR {note}")
                continue
            cmd = [flaglint, "check", "--format", "json", "--no-cache", "--select", "FL301"]
            cmd += write_config(wt, run.get("config") or "") or ["--config", str(_empty(wt))]
            out, why = run_flaglint(cmd + list(run["paths"]), wt, timeout)
        if out is None:
            print(f"{run['name']:<28} ERROR {why}")
            continue
        kept = run.get("findings", [])
        counts = {"justified": 0, "wrong": 0, "unjudged": 0}
        lines = []
        for f in (f for f in out.get("findings", []) if f.get("rule") == "FL301"):
            verdict = _verdict(f, kept)
            counts[verdict or "unjudged"] += 1
            lines.append(
                f"    {verdict or 'UNJUDGED':<9} {f['path']}:{f['line']} {f.get('symbol')}: "
                + f.get("message", "")[:160]
            )
        total = sum(counts.values())
        print(
            f"{run['name']:<28} {total:>3} finding(s): {counts['justified']} justified, "
            f"{counts['wrong']} wrong, {counts['unjudged']} unjudged"
        )
        print("\n".join(lines)) if lines else None
        totals["findings"] += total
        for k, v in counts.items():
            totals[k] += v
    return totals


def _empty(wt: Path) -> Path:
    """A config of defaults inside the tree, so that another file cannot configure the run."""
    cfg = wt / "flaglint-benchmark.toml"
    cfg.write_text("[tool.flaglint]\n", encoding="utf-8")
    return cfg


def _verdict(finding: dict, kept: list[dict]) -> str:
    for k in kept:
        if k["path"] == finding["path"] and k["line"] == finding["line"]:
            return str(k["verdict"])
    sink = finding.get("message", "").split("`")[1:2]
    for k in kept:
        if (
            k["path"] == finding["path"]
            and k["symbol"] == finding.get("symbol")
            and k.get("message_start", "").split("`")[1:2] == sink
            and k.get("moves", True)
        ):
            return str(k["verdict"])
    return ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--case",
        action="append",
        default=[],
        help="a case id or a JSON file (repeatable); default: every *.json here",
    )
    ap.add_argument(
        "--corpora",
        default=str(DEFAULT_CORPORA),
        help="folder holding one clone per repository, named like the repository",
    )
    ap.add_argument(
        "--flaglint",
        default=shutil.which("flaglint") or "flaglint",
        help="the flaglint executable (default: the one on PATH)",
    )
    ap.add_argument(
        "--timeout", type=float, default=900, help="seconds allowed per case (default 900)"
    )
    ap.add_argument("--json", action="store_true", help="print machine-readable results")
    ap.add_argument(
        "--fl301-corpus",
        metavar="FILE",
        help="instead of cases, run FL301 over the runs of FILE (fl301_corpus.json) "
        "and compare its findings with the verdicts kept there",
    )
    args = ap.parse_args(argv)

    corpora = Path(args.corpora).expanduser()
    if not corpora.is_absolute():
        corpora = (Path.cwd() / corpora).resolve()
    if args.fl301_corpus:
        corpus = Path(args.fl301_corpus)
        corpus = corpus if corpus.exists() else HERE / corpus.name
        t = run_corpus(corpus, corpora, args.flaglint, args.timeout)
        judged = t["justified"] + t["wrong"]
        share = f"{100 * t['justified'] / judged:.0f}%" if judged else "n/a"
        print(
            f"\nFL301: {t['findings']} finding(s), {t['justified']} justified, {t['wrong']} wrong "
            f"({share} of judged), {t['unjudged']} unjudged"
        )
        return 0
    cases = load_cases(args.case)
    results = []
    for case in cases:
        r = run_case(case, corpora, args.flaglint, args.timeout)
        results.append(r)
        if not args.json:
            line = f"{r['id']:<48} {r['rule']:<6} {r['status'].upper():<8} {r['seconds']:>6.1f}s"
            if r["status"] in ("found", "false-alarm"):
                line += f"  [{r['how']}] {r.get('finding_message', '')[:300]}"
            elif r["status"] in ("missed", "quiet"):
                c = r["closest"]
                line += f"  ({r['findings']} {r['rule']} finding(s)"
                line += f"; closest: {c['path']}:{c['line']} {c['symbol']})" if c else ")"
            if r["message"]:
                line += f"  {r['message']}"
            print(line, flush=True)

    totals: dict[str, dict[str, int]] = {}
    for r in results:
        t = totals.setdefault(
            r["rule"],
            {"cases": 0, "found": 0, "missed": 0, "quiet": 0, "false-alarm": 0, "skipped": 0},
        )
        t["cases"] += 1
        t[r["status"]] = t.get(r["status"], 0) + 1
    if args.json:
        print(
            json.dumps({"flaglint": args.flaglint, "results": results, "totals": totals}, indent=2)
        )
    else:
        print()
        for rule, t in sorted(totals.items()):
            extra = ", ".join(
                f"{k} {v}"
                for k, v in t.items()
                if k not in ("cases", "found", "missed", "quiet", "false-alarm") and v
            )
            expecting = t["found"] + t["missed"]
            print(
                f"{rule}: {t['found']}/{expecting} expected findings found, {t['missed']} missed; "
                f"{t['quiet']}/{t['quiet'] + t['false-alarm']} cases expecting silence quiet"
                + (f"; {extra}" if extra else "")
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
