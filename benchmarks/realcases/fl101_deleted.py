"""What real flag removals deleted that only a flag side reached, and what FL101 could see of it.

At the parent of each flag-removal commit of ``fl101_scan.FL101_REVISIONS``
(analysed like ``fl101_scan.py`` does, same paths and config), lists every
function that only one side of a live flag reaches (non-test code) and that
the removal commit deleted (its ``def`` is gone from the file at the commit),
with the side's class (``default``: the side the flag takes when nobody set
it, searched only for the author's own words; ``flipped``: the side that needs
the flag flipped, searched for age, vulture and markers; ``unknown`` or
``mode``: only markers and vulture count) and the evidence FL101's evidence
code finds for it on any side, and whether FL101 reported it. This is the
recall side of ``fl101_scan.py``: how much code real removals deleted with a
flag was in reach of the rule at all. Always exits 0.

    python benchmarks/realcases/fl101_deleted.py --corpora /work/corpora
    python benchmarks/realcases/fl101_deleted.py --repo koku --repo snuba
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from fl101_scan import CONFIG_NAME, FL101_REVISIONS, settings  # noqa: E402
from run import checkout  # noqa: E402

from flaglint.config import load_config  # noqa: E402
from flaglint.engine.analyse import analyse  # noqa: E402
from flaglint.rules.dormant.dormant_flag_path import DormantFlagPath  # noqa: E402
from flaglint.rules.dormant.evidence import DormancyEvidence  # noqa: E402
from flaglint.rules.dormant.helpers import feature_flags, functions_of  # noqa: E402
from flaglint.rules.dormant.polarity import FlagDefaults  # noqa: E402


def git(clone: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(clone), *args], capture_output=True, text=True)
    return proc.stdout if proc.returncode == 0 else ""


def deleted_at(clone: Path, commit: str, path: str, name: str) -> bool:
    """Whether ``def name`` is gone from ``path`` (or the file is) at ``commit``."""
    text = git(clone, "show", f"{commit}:{path}")
    return not re.search(rf"^\s*(?:async\s+)?def\s+{re.escape(name)}\b", text, re.M)


def side_class(defaults: FlagDefaults, key: str, on: bool) -> str:
    if defaults.is_mode(key):
        return "mode"
    default = defaults.default(key)
    if default is None:
        return "unknown"
    return "default" if default is on else "flipped"


def place(clone: Path, name: str, rev: str, removal: str) -> list[tuple[str, str, str, str, bool]]:
    """(function, flag side, side class, evidence, reported) for each deleted gated function."""
    paths, config = settings(name)
    with checkout(clone, rev) as (tree, note):
        if tree is None:
            print(f"  {note}", file=sys.stderr)
            return []
        present = [p for p in paths if (tree / p).exists()] or ["."]
        config_file = None
        if config.strip():
            config_file = tree / CONFIG_NAME
            text = config if "[tool.flaglint]" in config else "[tool.flaglint]\n" + config
            config_file.write_text(text, encoding="utf-8")
        project = analyse(
            load_config(tree, config_file=config_file, fallback_root=tree),
            [tree / p for p in present],
        )
        graph = project.graph
        live = feature_flags(project)
        defaults = FlagDefaults(project)
        reaches = [graph.reach(key, on) for key, on in graph.flag_keys() if key in live]
        reaches = [r for r in reaches if functions_of(graph, r.exclusive)]
        evidence = DormancyEvidence(project)
        files = {site[0] for r in reaches for site in r.sites}
        for reach in reaches:
            files |= {graph.nodes[q].facts.path for q in functions_of(graph, reach.exclusive)}
        evidence.prefetch(sorted(files))
        evidence.scan(sorted(files))
        reported = {f.symbol for f in DormantFlagPath().check(project)}
        rows = []
        for reach in reaches:
            for qualified in functions_of(graph, reach.exclusive):
                info = graph.nodes[qualified]
                if info.facts.module in graph.test_modules or info.definition is None:
                    continue
                if not deleted_at(clone, removal, info.facts.path, info.definition.name):
                    continue
                found = [e.text for e in evidence.markers(info)]
                unused = evidence.vulture(info)
                if unused is not None:
                    found.append(unused.text)
                for site in reach.sites:
                    age = evidence.age_gap(info, site[0], [site[1]])
                    if age is not None:
                        found.append(age.text)
                        break
                side = f"{reach.key} {'on' if reach.on else 'off'}"
                rows.append(
                    (
                        qualified,
                        side,
                        side_class(defaults, reach.key, reach.on),
                        "; ".join(found),
                        qualified in reported,
                    )
                )
        return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpora", default="/work/corpora", type=Path)
    parser.add_argument("--repo", action="append", help="only these repositories")
    args = parser.parse_args(argv)
    totals: Counter[str] = Counter()
    for name, rev, note in FL101_REVISIONS:
        if args.repo and name not in args.repo:
            continue
        clone = args.corpora / name
        removal = git(clone, "rev-parse", "--verify", "--quiet", note.split()[0] + "^{commit}")
        if not clone.is_dir() or not removal.strip():
            print(f"{name}@{rev[:12]}: missing clone or removal commit")
            continue
        rows = place(clone, name, rev, removal.strip())
        totals["places"] += 1
        print(f"{name}@{rev[:12]} ({note[:70]}): {len(rows)} deleted gated functions")
        for qualified, side, kind, found, reported in rows:
            totals[kind] += 1
            totals["with evidence"] += bool(found)
            totals["reported"] += reported
            mark = "REPORTED" if reported else "quiet"
            print(f"  {mark:8} {qualified} [{side}, {kind}] {found or 'no evidence'}")
    print("total: " + ", ".join(f"{k} {v}" for k, v in totals.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
