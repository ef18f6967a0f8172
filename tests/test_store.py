"""The call graph's adjacency: edge order and kinds, and networkx views for algorithms."""

from __future__ import annotations

import random
import subprocess
import sys
import textwrap
from pathlib import Path

import networkx as nx

from flaglint.callgraph.model import EdgeKind
from flaglint.callgraph.store import Adjacency


def test_an_existing_edge_keeps_its_kind_and_place() -> None:
    graph = Adjacency()
    graph.link("a", "b", EdgeKind.REF)
    graph.link("a", "c", EdgeKind.CALL)
    graph.link("a", "b", EdgeKind.CALL)
    assert list(graph.edges()) == [("a", "b", EdgeKind.REF), ("a", "c", EdgeKind.CALL)]
    assert list(graph) == ["a", "b", "c"]
    assert list(graph.predecessors("b")) == ["a"]


def test_a_call_joining_a_may_edge_makes_it_a_call_and_moves_it_last() -> None:
    graph = Adjacency()
    graph.link_all(
        [(("h", "x"), EdgeKind.MAY), (("h", "y"), EdgeKind.MAY), (("h", "x"), EdgeKind.CALL)]
    )
    graph.link_all([(("h", "y"), EdgeKind.REF)])  # not a call: the may edge stays
    assert list(graph.edges()) == [("h", "y", EdgeKind.MAY), ("h", "x", EdgeKind.CALL)]
    assert graph.kind("h", "x") == EdgeKind.CALL
    assert graph.kind("x", "h") is None
    assert graph.kind("nowhere", "h") is None
    assert graph.out_degree("h") == 2


def _same_graphs(seed: int) -> tuple[Adjacency, nx.DiGraph]:
    rng = random.Random(seed)
    ours, theirs = Adjacency(), nx.DiGraph()
    names = [f"n{i}" for i in range(120)]
    for _ in range(400):
        source, target = rng.choice(names), rng.choice(names)
        ours.link(source, target, EdgeKind.CALL)
        theirs.add_edge(source, target)
    return ours, theirs


def test_the_networkx_view_walks_as_a_networkx_graph_would() -> None:
    for seed in range(5):
        ours, theirs = _same_graphs(seed)
        view = ours.networkx()
        for source in list(theirs)[:30]:
            assert nx.descendants(view, source) == nx.descendants(theirs, source)
            for target in list(theirs)[::7]:
                try:
                    expected = nx.shortest_path(theirs, source, target)
                except nx.NetworkXNoPath:
                    expected = None
                try:
                    found = nx.shortest_path(view, source, target)
                except nx.NetworkXNoPath:
                    found = None
                # Of equally short paths, the same one: the adjacency order is kept.
                assert found == expected


def test_a_graph_is_built_without_networkx(tmp_path: Path) -> None:
    """Only a question needing one of its algorithms imports it (issue #20's decision)."""
    (tmp_path / "app.py").write_text(
        "def a():\n    b()\n\ndef b():\n    a()\n\ndef c():\n    a()\n"
    )
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from flaglint.config import load_config
        from flaglint.engine import analyse
        root = Path({str(tmp_path)!r})
        project = analyse(load_config(root), [root], use_cache=False)
        graph = project.graph
        assert graph.successors("app.a") == ["app.b"], graph.successors("app.a")
        print("networkx" in sys.modules)
        cycles = graph.call_cycles()
        print(sorted(sorted(c) for c in cycles), "networkx" in sys.modules)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "False"
    assert out[1] == "[['app.a', 'app.b']] True"
