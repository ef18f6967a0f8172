"""Every look-alike a review wrote against an FL301 quiet shape must stay reported.

Each folder is a small project a reviewer wrote (session 28: ``s28``; session 29:
``s29-p1`` to ``s29-p4``) where a shape's reason for silence does not hold: a
dedupe set emptied by another method, a holdings walk refilled each tick, a
budget with a floor, a batch cap that grows, Power Peg in each shape's words.
``expected.txt`` lists the ``path:line`` of every FL301 finding flaglint gave at
main 914269b, before any shape. Session 31's ``s31`` and ``s31-reinit`` are the
look-alikes of a once-per-key shape built on a whole-program writer check (branch
``s31-fl``, not merged): their ``expected.txt`` lists the lines that shape had to
keep reported (the bounded variants beside them are left out). A shape that
silences one of them is unsound::

    python benchmarks/realcases/fl301_lookalikes/check.py [--flaglint PATH]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).parent


def reported(flaglint: str, folder: Path, cache: str) -> set[str]:
    env = {**os.environ, "FLAGLINT_CACHE_DIR": cache}
    out = subprocess.run(
        [flaglint, "check", ".", "--select", "FL301", "--no-cache"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return {":".join(line.split(":")[:2]) for line in out.splitlines() if ": FL301 " in line}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flaglint", default="flaglint")
    args = parser.parse_args()
    silenced = 0
    with tempfile.TemporaryDirectory() as cache:
        for folder in sorted(p for p in HERE.iterdir() if (p / "expected.txt").is_file()):
            expected = set((folder / "expected.txt").read_text().split())
            missing = sorted(expected - reported(args.flaglint, folder, cache))
            silenced += len(missing)
            print(f"{folder.name}: {len(expected) - len(missing)} of {len(expected)} reported")
            for site in missing:
                print(f"  silenced: {site}")
    return 1 if silenced else 0


if __name__ == "__main__":
    sys.exit(main())
