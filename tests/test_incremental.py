"""Edges borrowed from an earlier tree must give the graph a fresh build gives.

Every case edits a small project, builds its graph once with the unedited
tree as the lender and once from scratch, and compares every edge with its
kind, call sites and flag conditions, in order, and the roots.
"""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

import pytest
from conftest import cache_folder
from shop_project import FILES
from shop_project import analyse_tree as _project
from shop_project import write_tree as _write

from flaglint.callgraph.incremental import changed_names, reusable
from flaglint.project import Project

FIXTURES = Path(__file__).parent / "fixtures" / "graph_projects"

APPEND = "\n\n{}\n"
ROUND = "def _round(value):\n    return round(value, 2)\n"
EDITS: dict[str, tuple[str, str]] = {
    # (file, text appended to it)
    "unrelated function": ("shop/pricing.py", "def brand_new():\n    return 1"),
    "function another file already calls": ("shop/pricing.py", "def fee(order):\n    return 1"),
    "function a star import passes on": ("shop/pricing.py", "def extra():\n    return 2"),
    "module-level alias": ("shop/pricing.py", "discount = _round"),
    "method a subclass calls on self": (
        "shop/views.py",
        "class Audited(Base):\n    pass\n\n\ndef _x():\n    Checkout().audit(1)",
    ),
    "import of a new name": ("shop/views.py", "from shop.pricing import _round as r2"),
    "a new star import": ("shop/views.py", "from shop.star import *"),
    "body only": ("shop/star.py", "def later():\n    return use()"),
    # Late(Mixin) now inherits Base.validate, which Later.go calls without naming Mixin.
    "an alias a base class goes through": (
        "shop/pricing.py",
        "from shop.views import Base as Mixin",
    ),
}
REPLACES: dict[str, tuple[str, str, str]] = {
    "an __init__ on a base class": (
        "shop/views.py",
        "    def validate(self, order):\n        return order\n",
        "    def validate(self, order):\n        return order\n\n    def __init__(self):\n"
        "        quote(None)\n",
    ),
    "a method added to a base class": (
        "shop/views.py",
        "    def validate(self, order):\n        return order\n",
        "    def validate(self, order):\n        return order\n\n    def audit(self, order):\n"
        "        return quote(order)\n",
    ),
    "a removed function": (
        "shop/pricing.py",
        "def _round(value):\n    return round(value, 2)\n",
        "",
    ),
    "a changed base class": ("shop/views.py", "class Checkout(Base):", "class Checkout(object):"),
    "a function turned into a class": (
        "shop/pricing.py",
        "def _round(value):\n    return round(value, 2)\n",
        "class _round:\n    def __init__(self, value):\n        self.value = value\n",
    ),
    "a call in a body": (
        "shop/star.py",
        "    return extra()",
        "    quote(None)\n    return extra()",
    ),
}


def _shape(project: Project) -> tuple[list[tuple[str, str, str, list[object]]], list[str]]:
    graph = project.graph
    edges = [(s, t, kind, graph.sites(s, t)) for s, t, kind in graph.edges()]
    return edges, sorted(graph.roots)


def _edited(tmp_path: Path, case: str) -> tuple[Project, Project, Project]:
    """(the old tree, the edited tree borrowing from it, the edited tree built fresh)."""
    old_root = _write(tmp_path / "old", FILES)
    files = dict(FILES)
    if case in EDITS:
        name, text = EDITS[case]
        files[name] = files[name] + APPEND.format(text)
    elif case in REPLACES:
        name, before, after = REPLACES[case]
        assert before in files[name], case
        files[name] = files[name].replace(before, after)
    else:
        name, text = case.split(":", 1)
        files[name] = text
    new_root = _write(tmp_path / "new", files)
    old = _project(old_root)
    old.graph  # noqa: B018 - build the lender's graph
    borrowing = _project(new_root)
    # Paths are relative to each root, so the two trees line up file by file.
    borrowing.edge_donor = old
    return old, borrowing, _project(new_root)


@pytest.mark.parametrize(
    "case",
    [
        *EDITS,
        *REPLACES,
        "shop/extra.py:def added():\n    pass\n",
        # A new module whose name other files spell as an attribute of its package.
        "shop/quote.py:def quote(order):\n    return 2\n",
    ],
)
def test_borrowed_edges_build_the_fresh_graph(tmp_path: Path, case: str) -> None:
    _, borrowing, fresh = _edited(tmp_path, case)
    assert _shape(borrowing) == _shape(fresh)
    # Answers taken from the earlier tree are the ones a fresh build computes,
    # and so are the locations they read.
    assert borrowing.graph.flow_answers == fresh.graph.flow_answers
    assert borrowing.graph.flow_reads == fresh.graph.flow_reads


def test_an_unmentioned_new_function_reuses_every_other_file(tmp_path: Path) -> None:
    _, borrowing, _ = _edited(tmp_path, "unrelated function")
    graph = borrowing.graph
    # pricing.py changed; views, star and __init__ keep their edges.
    assert graph.reused == len(graph.file_edges) - 1


def test_a_function_others_call_sends_them_back_to_resolution(tmp_path: Path) -> None:
    _, borrowing, _ = _edited(tmp_path, "function another file already calls")
    graph = borrowing.graph
    assert graph.reused == len(graph.file_edges) - 2  # pricing.py and views.py
    assert "shop.pricing.fee" in graph.callees("shop.views.Checkout.run")


@pytest.mark.parametrize(
    "case", ["an __init__ on a base class", "an alias a base class goes through"]
)
def test_other_changes_build_from_scratch(tmp_path: Path, case: str) -> None:
    _, borrowing, _ = _edited(tmp_path, case)
    assert borrowing.graph.reused == 0


def test_changed_names_lists_what_was_added_or_removed(tmp_path: Path) -> None:
    text = "import os\n\n\ndef f():\n    pass\n"
    before = _project(_write(tmp_path / "a", {"m.py": text}))
    after = _project(_write(tmp_path / "b", {"m.py": text + "\n\ndef g():\n    f()\n"}))
    old, new = before.files[0], after.files[0]
    assert changed_names(old, new) == {"g"}
    assert changed_names(new, old) == {"g"}
    assert changed_names(old, old) == set()
    dunder = _project(
        _write(tmp_path / "c", {"m.py": text + "\n\ndef __getattr__(name):\n    pass\n"})
    )
    assert changed_names(old, dunder.files[0]) is None


def test_a_renamed_module_builds_from_scratch(tmp_path: Path) -> None:
    old = _project(_write(tmp_path / "a", {"m.py": "def f():\n    pass\n"}))
    new = _project(_write(tmp_path / "b", {"n.py": "def f():\n    pass\n"}))
    edges = {"m.py": []}
    assert reusable({"m.py": "m"}, lambda p: old.files[0], edges, new.files, lambda f: True) == {}


def test_the_snapshot_carries_edges_to_the_next_run(run_cli, tmp_path: Path) -> None:
    from flaglint.callgraph.incremental import INDEX

    root = _write(tmp_path / "tree", FILES)
    first = run_cli("check", "--stats", cwd=root)
    assert "edges-reused=0" in first.err and (cache_folder(root) / INDEX).is_file()
    views = root / "shop" / "views.py"
    views.write_text(views.read_text() + "\n\ndef appended():\n    return make()\n")
    edited = run_cli("check", "--stats", cwd=root)
    assert "edges-reused=3" in edited.err  # all but views.py
    assert edited.out == run_cli("check", "--no-cache", cwd=root).out
    for snapshot in cache_folder(root).glob("edges-*.pickle"):
        if snapshot.name != INDEX:
            snapshot.write_bytes(b"garbage")
    views.write_text(views.read_text() + "\n\ndef again():\n    return None\n")
    assert "edges-reused=0" in run_cli("check", "--stats", cwd=root).err


# --------------------------------------------------------------------------
# Review: counterexamples (each builds its own small tree; old -> new edit).
# The edited file keeps the same path and module, so ``reusable`` applies.

CHAIN = {f"chain/c{i}.py": f"from chain.c{i + 1} import f\n" for i in range(9)}
CHAIN["chain/__init__.py"] = ""
CHAIN["chain/c9.py"] = "def f():\n    pass\n"

PAIRS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    # Swapping two conditional bindings of one name: the interface (a set of
    # items) is the same, but the resolver keeps the *last* binding.
    "conditional alias branches swapped": (
        {
            "pkg/__init__.py": "",
            "pkg/impl.py": "import sys\n\n\ndef fast():\n    pass\n\n\ndef slow():\n    pass\n\n\n"
            "if sys.version_info >= (3, 8):\n    handler = fast\nelse:\n    handler = slow\n",
            "pkg/use.py": "from pkg.impl import handler\n\n\ndef run():\n    handler()\n",
        },
        {
            "pkg/impl.py": "import sys\n\n\ndef fast():\n    pass\n\n\ndef slow():\n    pass\n\n\n"
            "if sys.version_info < (3, 8):\n    handler = slow\nelse:\n    handler = fast\n",
        },
    ),
    # Same for a try/except import fallback whose order is swapped.
    "import fallback order swapped": (
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "def f():\n    pass\n",
            "pkg/b.py": "def f():\n    pass\n",
            "pkg/compat.py": "try:\n    from pkg.a import f\nexcept ImportError:\n"
            "    from pkg.b import f\n",
            "pkg/use.py": "from pkg.compat import f\n\n\ndef run():\n    f()\n",
        },
        {
            "pkg/compat.py": "try:\n    from pkg.b import f\nexcept ImportError:\n"
            "    from pkg.a import f\n",
        },
    ),
    # Conditional definitions of one name with different kinds, order swapped:
    # the node's kind (class -> "init" edges, function -> "call") follows the last.
    "conditional def/class order swapped": (
        {
            "pkg/__init__.py": "",
            "pkg/impl.py": "import sys\n\nif sys.platform == 'win32':\n    def thing():\n"
            "        pass\nelse:\n    class thing:\n        pass\n",
            "pkg/use.py": "from pkg.impl import thing\n\n\ndef run():\n    thing()\n",
        },
        {
            "pkg/impl.py": "import sys\n\nif sys.platform != 'win32':\n    class thing:\n"
            "        pass\nelse:\n    def thing():\n        pass\n",
        },
    ),
    # A second definition of an existing method (an overload, a property
    # setter, a conditional redefinition) adds no new interface item, yet
    # _methods_by_name['x'] grows to two and self.x() gains a hub edge.
    "duplicate method definition": (
        {
            "pkg/__init__.py": "",
            "pkg/base.py": "class Base:\n    def x(self):\n        pass\n",
            "pkg/sub.py": "from pkg.base import Base\n\n\nclass Sub(Base):\n"
            "    def run(self):\n        self.x()\n",
        },
        {
            "pkg/base.py": "class Base:\n    @property\n    def x(self):\n        pass\n\n"
            "    @x.setter\n    def x(self, value):\n        pass\n",
        },
    ),
    # graph.targets indexes the _methods_by_name defaultdict for self.Inner():
    # resolving a.py inserts an empty 'Inner' key, after which z.py's
    # obj.Inner() gets a hub edge. A borrowing build skips a.py's resolution.
    "defaultdict key inserted by a reused file": (
        {
            "a.py": "class C:\n    class Inner:\n        pass\n\n"
            "    def make(self):\n        return self.Inner()\n",
            "z.py": "def g(obj):\n    return None\n",
        },
        {"z.py": "def g(obj):\n    return obj.Inner()\n"},
    ),
    # Resolver.canonical caches what it reached at MAX_DEPTH: a.py's query
    # from the middle of a 9-hop re-export chain caches the real target, so
    # z.py's query from the head finds it in a fresh build but stops at
    # chain.c8.f when a.py's edges are borrowed and a.py is never resolved.
    "re-export chain longer than MAX_DEPTH": (
        {
            **CHAIN,
            "a.py": "from chain.c5 import f\n\n\ndef early():\n    f()\n",
            "z.py": "from chain.c0 import f\n\n\ndef late():\n    return None\n",
        },
        {"z.py": "from chain.c0 import f\n\n\ndef late():\n    return f()\n"},
    ),
    # Value flow changes that rename nothing: the unchanged file's answers must
    # be computed again because a location they read holds other values.
    "a factory returns another function": (
        {
            "a.py": "def one():\n    pass\n\n\ndef two():\n    pass\n\n\n"
            "def make():\n    return one\n",
            "b.py": "from a import make\n\n\ndef run():\n    action = make()\n    action()\n",
        },
        {
            "a.py": "def one():\n    pass\n\n\ndef two():\n    pass\n\n\n"
            "def make():\n    return two\n",
        },
    ),
    "an attribute another module stores": (
        {
            "c.py": "class Box:\n    def __init__(self):\n        self.action = None\n",
            "e.py": "def go():\n    pass\n\n\ndef stop():\n    pass\n",
            "d.py": "from c import Box\nfrom e import go, stop\n\nbox = Box()\nbox.action = go\n",
            "f.py": "from d import box\n\n\ndef run():\n    box.action()\n",
        },
        {"d.py": "from c import Box\nfrom e import go, stop\n\nbox = Box()\nbox.action = stop\n"},
    ),
    "a lambda another module starts calling": (
        {
            "g.py": "def work():\n    pass\n\n\nhook = lambda: work()\n",
            "h.py": "import g\n\n\ndef start():\n    return None\n",
        },
        {"h.py": "import g\n\n\ndef start():\n    return g.hook()\n"},
    ),
    # The same chain reached from test modules, which the flow never resolves:
    # only the files' answers ask for it (a review found the borrowed build's
    # answer depended on which of them was answered first).
    "re-export chain longer than MAX_DEPTH, from tests": (
        {
            **CHAIN,
            "tests/__init__.py": "",
            "tests/test_a.py": "from chain.c5 import f\n\n\ndef test_early():\n    f()\n",
            "tests/test_z.py": "from chain.c0 import f\n\n\ndef test_late():\n    return None\n",
        },
        {"tests/test_z.py": "from chain.c0 import f\n\n\ndef test_late():\n    return f()\n"},
    ),
    # A changed name reached through aliases the reused files never spell as such.
    "a name re-exported under another name": (
        {
            "x.py": "def one():\n    pass\n\n\ndef two():\n    pass\n\n\nhelper = one\n",
            "g.py": "from x import helper as h\n",
            "h.py": "from g import h\n\n\ndef run():\n    h()\n",
        },
        {"x.py": "def one():\n    pass\n\n\ndef two():\n    pass\n\n\nhelper = two\n"},
    ),
    "a name aliased by a module-level binding": (
        {
            "x.py": "def one():\n    pass\n\n\ndef two():\n    pass\n\n\nhelper = one\n",
            "g.py": "import x\n\nalias = x.helper\n",
            "h.py": "from g import alias\n\n\ndef run():\n    alias()\n",
        },
        {"x.py": "def one():\n    pass\n\n\ndef two():\n    pass\n\n\nhelper = two\n"},
    ),
    "a base class passed on by a star import": (
        {
            "x.py": "class A:\n    def go(self):\n        pass\n\n\nclass B:\n    def go(self):\n"
            "        pass\n\n\nBase = A\n",
            "g.py": "from x import *\n\n\nclass Sub(Base):\n    pass\n",
            "h.py": "from g import Sub\n\n\ndef run():\n    Sub().go()\n",
        },
        {
            "x.py": "class A:\n    def go(self):\n        pass\n\n\nclass B:\n    def go(self):\n"
            "        pass\n\n\nBase = B\n"
        },
    ),
    "a base class renamed on the way": (
        {
            "x.py": "class A:\n    def go(self):\n        pass\n\n\nclass B:\n    def go(self):\n"
            "        pass\n\n\nBase = A\n",
            "g.py": "from x import Base as Root\n",
            "s.py": "from g import Root\n\n\nclass Sub(Root):\n    pass\n",
            "h.py": "from s import Sub\n\n\ndef run():\n    Sub().go()\n",
        },
        {
            "x.py": "class A:\n    def go(self):\n        pass\n\n\nclass B:\n    def go(self):\n"
            "        pass\n\n\nBase = B\n"
        },
    ),
    # A location read changes but the answers do not: they are computed again
    # and found equal to the earlier ones (the edges are reused all the same).
    "an instance handed to a builtin": (
        {
            "a.py": "class A:\n    pass\n\n\nclass B:\n    pass\n\n\ndef helper():\n"
            "    return A()\n",
            "b.py": "from a import helper\n\n\ndef run():\n    value = helper()\n"
            "    print(value)\n",
        },
        {"a.py": "class A:\n    pass\n\n\nclass B:\n    pass\n\n\ndef helper():\n    return B()\n"},
    ),
    # Structure reached through values, never spelled by the unchanged file:
    # a class whose base changes, so a method an instance's attribute finds
    # (or an override self.m() may run) changes; a callback turned generator.
    "a subclass moved off the base whose method it overrides": (
        {
            "base.py": "class Base:\n    def run(self):\n        self.step()\n\n"
            "    def step(self):\n        pass\n",
            "sub.py": "from base import Base\n\n\nclass Other:\n    pass\n\n\n"
            "class Worker(Base):\n    def step(self):\n        pass\n",
        },
        {
            "sub.py": "from base import Base\n\n\nclass Other:\n    pass\n\n\n"
            "class Worker(Other):\n    def step(self):\n        pass\n"
        },
    ),
    "a made instance's class changes its base": (
        {
            "kinds.py": "class Plain:\n    def go(self):\n        pass\n\n\n"
            "class Fancy:\n    def go(self):\n        pass\n\n\n"
            "class Thing(Plain):\n    pass\n\n\ndef make():\n    return Thing()\n",
            "use.py": "from kinds import make\n\n\ndef run():\n    make().go()\n",
        },
        {
            "kinds.py": "class Plain:\n    def go(self):\n        pass\n\n\n"
            "class Fancy:\n    def go(self):\n        pass\n\n\n"
            "class Thing(Fancy):\n    pass\n\n\ndef make():\n    return Thing()\n"
        },
    ),
    "a callback handed over becomes a generator": (
        {
            "jobs.py": "class Job:\n    def run(self):\n        pass\n\n\n"
            "def produce():\n    return Job()\n\n\ndef pick():\n    return produce\n",
            "drive.py": "from jobs import pick\n\n\ndef main():\n    source = pick()\n"
            "    for job in source():\n        job.run()\n    source().run()\n",
        },
        {
            "jobs.py": "class Job:\n    def run(self):\n        pass\n\n\n"
            "def produce():\n    yield Job()\n\n\ndef pick():\n    return produce\n",
        },
    ),
    # Structure that only value flow reads: a decorator that rebinds the name,
    # a function turned into a generator.
    "a decorator added to a called function": (
        {
            "k.py": "def other():\n    pass\n\n\ndef swap(func):\n    return other\n\n\n"
            "def task():\n    pass\n",
            "l.py": "from k import task\n\n\ndef run():\n    task()\n",
        },
        {
            "k.py": "def other():\n    pass\n\n\ndef swap(func):\n    return other\n\n\n"
            "@swap\ndef task():\n    pass\n"
        },
    ),
    "a function turned into a generator": (
        {
            "m.py": "class Job:\n    def run(self):\n        pass\n\n\n"
            "def jobs():\n    return Job()\n",
            "n.py": "from m import jobs\n\n\ndef main():\n    for job in jobs():\n"
            "        job.run()\n    jobs().run()\n",
        },
        {
            "m.py": "class Job:\n    def run(self):\n        pass\n\n\n"
            "def jobs():\n    yield Job()\n",
        },
    ),
    "a parameter fed another callback": (
        {
            "p.py": "def run(callback):\n    callback()\n",
            "q.py": "def quiet():\n    pass\n\n\ndef loud():\n    pass\n",
            "r.py": "from p import run\nfrom q import quiet, loud\n\n\ndef main():\n"
            "    run(quiet)\n",
        },
        {"r.py": "from p import run\nfrom q import quiet, loud\n\n\ndef main():\n    run(loud)\n"},
    ),
}


def _borrowing_pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, jobs: int, keep_reads: bool
) -> tuple[Project, Project]:
    """PAIRS[case]'s new tree borrowing from its old one (built, its reads kept or
    dropped), on ``jobs`` workers (2: forked), and the new tree built fresh."""
    from flaglint.callgraph import workers as graph_module

    monkeypatch.setattr(graph_module, "PARALLEL_RESOLUTION", 1)
    before, edits = PAIRS[case]
    files = {"pyproject.toml": "[tool.flaglint]\n", **before}
    old = _project(_write(tmp_path / "old", files))
    if keep_reads:
        old.graph  # noqa: B018
    else:
        old.graph.drop_reads()
    new_root = _write(tmp_path / "new", {**files, **edits})
    borrowing = _project(new_root)
    borrowing.config = replace(borrowing.config, jobs=jobs)
    borrowing.edge_donor = old
    return borrowing, _project(new_root)


@pytest.mark.parametrize("case", list(PAIRS))
@pytest.mark.parametrize("jobs", [1, 2])
def test_review_borrowed_edges_build_the_fresh_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str, jobs: int
) -> None:
    borrowing, fresh = _borrowing_pair(tmp_path, monkeypatch, case, jobs, keep_reads=True)
    # On e6fc79b every case borrows (graph.reused > 0) and the shapes differ;
    # a fix may instead fall back to a full build for some of them.
    assert _shape(borrowing) == _shape(fresh)
    assert borrowing.graph.flow_answers == fresh.graph.flow_answers
    assert borrowing.graph.flow_reads == fresh.graph.flow_reads


def _spy_on_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> list[tuple[dict[str, object], bytes, object]]:
    """Record, for each graph built, what its workers resolved, and what one worker
    resolving every file sends (run in this process, which then solves the flow too)."""
    from flaglint.callgraph import build as build_module
    from flaglint.callgraph import workers as graph_module

    seen: list[tuple[dict[str, object], bytes, object]] = []

    def spied(graph, files, jobs):  # type: ignore[no-untyped-def]
        collect = graph_module.resolve_in_workers(graph, files, jobs)
        monkeypatch.setattr(graph_module, "_FORKED", (graph, files, list(graph.nodes), 1))
        one_worker = graph_module._resolve_share(0)
        monkeypatch.setattr(graph_module, "_FORKED", None)

        def collected(failing: bool = False):  # type: ignore[no-untyped-def]
            seen.append((collect(failing), one_worker, graph))
            return seen[-1][0]

        return collected

    monkeypatch.setattr(build_module, "resolve_in_workers", spied)
    return seen


@pytest.mark.skipif(
    "fork" not in __import__("multiprocessing").get_all_start_methods(),
    reason="forked resolution needs the fork start method",
)
@pytest.mark.parametrize("tree", ["shop", "resolution", "roots"])
def test_forked_resolution_builds_the_serial_graph(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tree: str
) -> None:
    """Edges resolved in forked workers, names sent back by position, equal a serial build."""
    from flaglint.callgraph import workers as graph_module

    root = _write(tmp_path / "shop", FILES) if tree == "shop" else FIXTURES / tree
    serial = _project(root)
    serial.config = replace(serial.config, jobs=1)
    monkeypatch.setattr(graph_module, "PARALLEL_RESOLUTION", 1)
    resolved = _spy_on_workers(monkeypatch)
    forked = _project(root)
    forked.config = replace(forked.config, jobs=3)
    files = [f for f in forked.files if f.error is None]
    assert forked.graph is not None
    assert [sorted(r) for (r, _), _, _ in resolved] == [sorted(f.path for f in files)]
    assert _shape(forked) == _shape(serial)
    # The workers solved the flow themselves: the values they sent for what
    # the answers read are the serial build's.
    assert forked.graph.flow_values == serial.graph.flow_values
    assert forked.graph.flow_reads == serial.graph.flow_reads
    # The names that came back are the nodes' own objects, not copies.
    nodes = {id(name) for name in forked.graph.nodes}
    for raw in forked.graph.file_edges.values():
        for source, target, *_ in raw:
            assert id(source) in nodes
            assert id(target) in nodes or target.startswith("name:")


@pytest.mark.skipif(
    "fork" not in __import__("multiprocessing").get_all_start_methods(),
    reason="forked resolution needs the fork start method",
)
@pytest.mark.parametrize("case", ["unrelated function", "a call in a body"])
def test_forked_workers_send_no_answers_for_reused_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    """A file whose answers are the earlier tree's comes back without them; the parent
    takes the earlier answers, and the graph and answers equal a fresh serial build."""
    from flaglint.callgraph import workers as graph_module

    monkeypatch.setattr(graph_module, "PARALLEL_RESOLUTION", 1)
    seen = _spy_on_workers(monkeypatch)
    _, borrowing, fresh = _edited(tmp_path, case)
    borrowing.config = replace(borrowing.config, jobs=2)
    graph = borrowing.graph
    assert _shape(borrowing) == _shape(fresh)
    assert graph.flow_answers == fresh.graph.flow_answers
    assert graph.reused >= 1
    # What one worker sends: reused files carry neither answers nor edges, the
    # others both.
    files = [f for f in borrowing.files if f.error is None]
    sent, values = pickle.loads(next(sent for _, sent, built in seen if built is graph))
    # Values come back only for answers computed again; they are the fresh build's.
    assert values and all(fresh.graph.flow_values[k] == v for k, v in values.items())
    reused = {path for path, answers, edges, _ in sent if answers is None and edges is None}
    assert len(reused) == graph.reused
    assert all(answers is not None for path, answers, _, _ in sent if path not in reused)
    assert {path for path, _, _, _ in sent} == {f.path for f in files}
    # Answers that held without being computed again come back without their reads;
    # the parent takes the earlier tree's, which are the fresh build's.
    held = {path for path, _, _, reads in sent if reads is None}
    assert held and held <= reused
    assert graph.flow_reads == fresh.graph.flow_reads


def test_no_fork_while_another_thread_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from flaglint.callgraph import workers as graph_module

    root = _write(tmp_path / "shop", FILES)
    monkeypatch.setattr(graph_module, "PARALLEL_RESOLUTION", 1)
    resolved = _spy_on_workers(monkeypatch)
    release = threading.Event()
    waiter = threading.Thread(target=release.wait)
    waiter.start()
    try:
        first = _project(root)
        first.config = replace(first.config, jobs=2)
        assert first.graph is not None
    finally:
        release.set()
        waiter.join()
    second = _project(root)
    second.config = replace(second.config, jobs=2)
    assert _shape(second) == _shape(first)
    files = [f for f in second.files if f.error is None]
    assert [sorted(r) for (r, _), _, _ in resolved] == [[], sorted(f.path for f in files)]


def test_an_import_other_files_also_make_keeps_their_edges(tmp_path: Path) -> None:
    """Importing a name other modules import too (``from decimal import Decimal``)
    changes that name in the importing module only: the files that import it from
    elsewhere keep their edges (before, a new import rebuilt the whole graph)."""
    files = {
        "pyproject.toml": "[tool.flaglint]\n",
        "money.py": "from decimal import Decimal\n\n\ndef total(rows):\n"
        "    return sum(Decimal(r) for r in rows)\n",
        "report.py": "def show(value):\n    return value\n",
        "other.py": "from report import show\n\n\ndef run():\n    show(1)\n",
    }
    old = _project(_write(tmp_path / "old", files))
    old.graph  # noqa: B018
    edited = {
        **files,
        "report.py": "from decimal import Decimal\n\n\ndef show(value):\n"
        "    return Decimal(value)\n",
    }
    new_root = _write(tmp_path / "new", edited)
    borrowing = _project(new_root)
    borrowing.edge_donor = old
    fresh = _project(new_root)
    assert _shape(borrowing) == _shape(fresh)
    assert borrowing.graph.flow_answers == fresh.graph.flow_answers
    # report.py changed; money.py spells Decimal (so it resolves again); other.py keeps.
    assert borrowing.graph.reused == 1


ADDED_OR_REMOVED: dict[str, tuple[dict[str, str], dict[str, str | None]]] = {
    # (files before, edits: None removes the file)
    "a module others import from removed": (
        {
            "a.py": "def f():\n    pass\n",
            "b.py": "from a import f\n\n\ndef run():\n    f()\n",
            "c.py": "def g():\n    pass\n",
        },
        {"a.py": None},
    ),
    "the module a base class lives in removed": (
        {
            "base.py": "class Base:\n    def go(self):\n        pass\n",
            "sub.py": "from base import Base\n\n\nclass Sub(Base):\n    pass\n",
            "use.py": "from sub import Sub\n\n\ndef run():\n    Sub().go()\n",
        },
        {"base.py": None},
    ),
    "a module added where a package attribute was": (
        {
            "pkg/__init__.py": "def tools():\n    pass\n",
            "use.py": "import pkg\n\n\ndef run():\n    pkg.tools()\n",
            "other.py": "def h():\n    pass\n",
        },
        {"pkg/tools.py": "def run():\n    pass\n"},
    ),
    "a module added that an import was waiting for": (
        {
            "use.py": "from helpers import assist\n\n\ndef run():\n    assist()\n",
            "other.py": "def h():\n    pass\n",
        },
        {"helpers.py": "def assist():\n    pass\n"},
    ),
}


@pytest.mark.parametrize("case", list(ADDED_OR_REMOVED))
def test_files_added_or_removed_borrow_the_fresh_graph(tmp_path: Path, case: str) -> None:
    before, edits = ADDED_OR_REMOVED[case]
    files = {"pyproject.toml": "[tool.flaglint]\n", **before}
    old = _project(_write(tmp_path / "old", files))
    old.graph  # noqa: B018
    after = {**files, **{k: v for k, v in edits.items() if v is not None}}
    for name, text in edits.items():
        if text is None:
            del after[name]
    new_root = _write(tmp_path / "new", after)
    borrowing = _project(new_root)
    borrowing.edge_donor = old
    fresh = _project(new_root)
    assert _shape(borrowing) == _shape(fresh)
    assert borrowing.graph.flow_answers == fresh.graph.flow_answers
    assert borrowing.graph.flow_reads == fresh.graph.flow_reads
    # other.py / c.py, which nothing changed touches, keep their edges where there is one.
    if any(p in after for p in ("other.py", "c.py")):
        assert borrowing.graph.reused >= 1


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_lender_without_its_reads_still_lends_edges_and_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """A revision's graph drops what its answers read (nothing borrows from it on the
    command line); borrowing from one anyway computes every answer again, compares it
    with the lender's, and equals a fresh build (a forked worker's "equal" answers
    once asked for the lender's reads and failed)."""
    case = "an instance handed to a builtin"
    borrowing, fresh = _borrowing_pair(tmp_path, monkeypatch, case, jobs, keep_reads=False)
    assert _shape(borrowing) == _shape(fresh)
    assert borrowing.graph.flow_answers == fresh.graph.flow_answers
    assert borrowing.graph.reused >= 1
