"""What the value flow's cap on a location's values costs and buys, on a real tree.

Usage (in flaglint's venv; the tree is never imported or run):

    python benchmarks/flowcap.py benchmarks/corpora/koku
    python benchmarks/flowcap.py benchmarks/corpora/django --limit 1000000

The solver (:mod:`flaglint.callgraph.flow`) turns a location with more than
``LIMIT`` values into "many values", which says nothing, and stops what flowed
through it: an attribute stored through it, arguments bound by a call through
it. That keeps the solve cheap, and makes its solution depend on the order values
arrive in (a location that had two values when a call went through it bound that
call's arguments before it overflowed). An incremental solve that reorders work
would then not give a full solve's answer, which is why every edit solves the
whole program again (benchmarks/RESULTS.md, session 34).

This script builds the call graph of a tree once with the cap given (the
default: the solver's own) from an empty cache folder of its own, with facts
collected in this process, and prints the solve's CPU seconds, how many
locations and values it found, the largest set, how many locations hold "many",
the graph's edge count, this process's peak RSS, and a digest of the edges.
Running it with ``--limit 1000000`` shows what solving without a cap would cost
and which edges it would change.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tree", type=Path, help="the root of the tree to analyse")
    parser.add_argument("--limit", type=int, default=0, help="values per location; 0: the default")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="flowcap-") as cache:
        os.environ["FLAGLINT_CACHE_DIR"] = cache
        from flaglint.callgraph import flow, workers
        from flaglint.config import load_config
        from flaglint.engine.analyse import analyse

        if arguments.limit:
            flow.LIMIT = arguments.limit
        workers.PARALLEL_RESOLUTION = 1 << 62  # one process: its CPU time is the solve's
        measured: list[str] = []
        solve = flow.FlowSolver.solve

        def timed(solver: flow.FlowSolver) -> None:
            started = time.process_time()
            solve(solver)
            seconds = time.process_time() - started
            sizes = [len(values) for values in solver.pts.values()]
            many = sum(1 for values in solver.pts.values() if flow.MANY in values)
            measured.append(
                f"solve {seconds:.2f} s CPU; {len(sizes)} locations, {sum(sizes)} values, "
                f"largest {max(sizes, default=0)}, {many} holding many"
            )

        flow.FlowSolver.solve = timed  # type: ignore[method-assign]
        root = arguments.tree.resolve()
        benchmark_config = root / "flaglint-benchmark.toml"
        config = load_config(root, benchmark_config if benchmark_config.exists() else None)
        project = analyse(config, [config.root], lazy=True)
        graph = project.graph
        edges = sorted(graph.edges())
        print(f"cap: {flow.LIMIT} values per location")
        print(*measured, sep="\n")
        print(f"edges {len(edges)}, digest {hashlib.sha256(repr(edges).encode()).hexdigest()[:12]}")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"peak RSS of this process {peak} MB")


if __name__ == "__main__":
    main()
