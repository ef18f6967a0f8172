"""Call-graph resolution, roots and exclusive reach."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from markers import parse_markers

from flaglint.config import load_config
from flaglint.engine import analyse

PROJECTS = Path(__file__).parent / "fixtures" / "graph_projects"


def _project(name: str):
    root = PROJECTS / name
    return analyse(load_config(root), [root], use_cache=False), root


def test_resolution_markers() -> None:
    project, root = _project("resolution")
    graph = project.graph
    edges = {}
    for _, target, site in graph.edge_sites():
        edges.setdefault((site.path, site.line), set()).add(target)
    markers = [m for m in parse_markers(root) if m.kind == "calls"]
    assert markers
    for marker in markers:
        found = edges.get((marker.path, marker.line), set())
        assert marker.value in found, (
            f"{marker.path}:{marker.line}: no edge to {marker.value}; {found}"
        )


def test_roots() -> None:
    project, _ = _project("resolution")
    roots = project.graph.roots
    assert "shop.jobs.reindex" in roots  # registered by a decorator, with a name
    assert "shop.jobs.nightly_cleanup" in roots  # configured entry point
    assert "shop.exported" in roots  # __all__
    assert "shop.api.views.Base.handle" not in roots  # nothing calls it: an entry, not a root
    assert "shop.api.views.Base.handle" in project.graph.uncalled()
    # A constructor runs when its class is built (make() builds Checkout), not on its own.
    assert "shop.api.views.Checkout.__init__" not in roots
    assert "shop.api.views.Checkout.__init__" in project.graph.callees("shop.api.views.make")
    assert "shop.test_views" not in roots  # tests are not roots by default
    reachable = project.graph.reachable_from_roots()
    assert "shop.jobs.never_called" not in reachable  # only its test calls it
    assert "shop.pricing._round" in reachable


def test_callgraph_command_dumps_adjacency(run_cli) -> None:
    result = run_cli("callgraph", "--format", "json", str(PROJECTS / "resolution"), "--no-cache")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    targets = {e["target"] for e in data["graph"]["shop.pricing.quote"]}
    assert targets == {"shop.pricing._round"}


GATED = """\
import ldclient

client = ldclient.get()


def route(order, ctx):
    if client.variation("peg", ctx, False):
        power_peg(order)
    else:
        plain(order)
    shared(order)


def power_peg(order):
    child(order)
    shared(order)


def child(order):
    return order


def shared(order):
    return order


def plain(order):
    return order


def also_plain(order):
    plain(order)


def main():
    route(None, None)
    also_plain(None)


if __name__ == "__main__":
    main()
"""


@pytest.fixture
def gated_project(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "router.py").write_text(GATED)
    return analyse(load_config(tmp_path), [tmp_path], use_cache=False)


def test_exclusive_reach(gated_project) -> None:
    on = gated_project.graph.reach("peg", True)
    assert on.direct == {"router.power_peg"}
    assert on.exclusive == {"router.power_peg", "router.child"}
    assert "router.shared" in on.reach and "router.shared" not in on.exclusive
    off = gated_project.graph.reach("peg", False)
    assert off.direct == {"router.plain"}
    assert off.exclusive == set()  # main -> also_plain -> plain needs no flag


def test_graph_command_text_and_dot(run_cli, gated_project) -> None:
    root = gated_project.config.root
    text = run_cli("graph", "peg", "--no-cache", str(root))
    assert text.code == 0, text.err
    assert "router.power_peg" in text.out and "exclusive" in text.out
    dot = run_cli("graph", "peg", "--format", "dot", "--no-cache", str(root))
    assert dot.out.startswith("digraph") and '"router.route" -> "router.power_peg"' in dot.out
    missing = run_cli("graph", "nope", "--no-cache", str(root))
    assert missing.code == 2 and "nope" in missing.err


def test_root_kinds() -> None:
    project, _ = _project("roots")
    roots = project.graph.roots
    registered = {
        "svc.web.list_orders",  # @app.route
        "svc.web.settle",  # @celery_app.task(name=...): used by name, never called
        "svc.web.reindex",  # @shared_task
        "svc.web.on_save",  # @receiver
        "svc.web.cli",  # @click.command()
        "svc.cron.job_nightly",  # entry-points glob
        "svc.cron.exported",  # __all__
        "svc.cron.load_tasks",  # named by a dotted string constant
    }
    assert registered <= roots
    assert "svc.web.unregistered" not in roots
    # pytest fixtures are test code even outside the tests folder.
    assert not {"svc.plugin.order_book", "svc.plugin.market"} & roots
    reachable = project.graph.reachable_from_roots()
    assert "svc.cron.from_main" in reachable  # the main guard runs with the module
    assert "svc.cron.nobody" not in reachable


def test_graph_markers_in_roots_project() -> None:
    project, root = _project("roots")
    edges = {}
    for _, target, site in project.graph.edge_sites():
        edges.setdefault((site.path, site.line), set()).add(target)
    markers = [m for m in parse_markers(root) if m.kind == "calls"]
    assert len(markers) >= 8
    for marker in markers:
        assert marker.value in edges.get((marker.path, marker.line), set()), marker


def test_inherited_methods_and_may_edges_reach() -> None:
    project, _ = _project("roots")
    graph = project.graph
    # Sub.m() and Sub().m() reach the base class's method.
    assert "svc.models.Handler.build" in graph.callees("svc.models.Service.run")
    # handler.handle(): unknown receiver, a may edge through the name hub.
    assert graph.path("svc.models.run_all", "svc.models.Handler.process") == [
        "svc.models.run_all",
        "svc.models.Handler.handle",
        "svc.models.Handler.process",
    ]
    assert graph.edge_kind("name:handle", "svc.models.Handler.handle") == "may"
    # self.process() may dispatch to the override, and on to what it calls.
    assert "svc.models.legacy_process" in graph.path(
        "svc.models.Handler.handle", "svc.models.legacy_process"
    )


def _random_module(seed: int) -> str:
    """A module of random functions calling each other, some calls behind random flags."""
    import random

    rng = random.Random(seed)
    names = [f"f{i}" for i in range(14)]
    lines = ["from waffle import flag_is_active", ""]
    for name in names:
        lines.append(f"def {name}(request):")
        body = ["    return None"]
        for _ in range(rng.randint(0, 3)):
            callee = rng.choice(names)
            if rng.random() < 0.5:
                flag = rng.choice(["a", "b", "c"])
                negate = "not " if rng.random() < 0.3 else ""
                body.insert(0, f"        {callee}(request)")
                body.insert(0, f'    if {negate}flag_is_active(request, "{flag}"):')
            else:
                body.insert(0, f"    {callee}(request)")
        lines.extend(body)
        lines.append("")
    roots = rng.sample(names, 2)
    lines.append(f"__all__ = {roots!r}")
    return "\n".join(lines) + "\n"


def _dominated(graph, gated_edges: list[tuple[str, str]]) -> set[str]:
    """The oracle: nodes whose every path from the roots passes through one gate node.

    The edges that only gated call sites stand behind are routed through one
    node for the flag, the immediate dominator tree is computed from the
    super-root, and every node under the gate in that tree is exclusive.
    """
    import networkx as nx

    from flaglint.callgraph import SUPER_ROOT

    gate = "flag:the-gate"
    routed = nx.DiGraph()
    removed = set(gated_edges)
    for source, target, _ in graph.edges():
        if (source, target) not in removed:
            routed.add_edge(source, target)
    for source, target in gated_edges:
        routed.add_edge(source, gate)
        routed.add_edge(gate, target)
    # Functions nothing calls are entry points, as the roots are.
    for entry in graph.uncalled():
        routed.add_edge(SUPER_ROOT, entry)
    dominators = nx.immediate_dominators(routed, SUPER_ROOT)
    if gate not in dominators:
        return set()
    children: dict[str, list[str]] = {}
    for node, parent in dominators.items():
        if node != parent:
            children.setdefault(parent, []).append(node)
    found: set[str] = set()
    stack = [gate]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    # Behind the gate, only certain edges count: nothing exclusive rests on a may edge.
    certain = nx.DiGraph()
    for source, target, kind in graph.edges():
        if kind != "may" and (source, target) not in removed:
            certain.add_edge(source, target)
    behind: set[str] = set()
    for source, target in gated_edges:
        if graph.edge_kind(source, target) != "may":
            behind.add(target)
            if target in certain:
                behind |= nx.descendants(certain, target)
    return {n for n in found & behind if n in graph.nodes}


@pytest.mark.parametrize("seed", range(40))
def test_exclusive_search_agrees_with_dominators(tmp_path: Path, seed: int) -> None:
    """The per-flag search gives exactly what the gate node dominates."""
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "mod.py").write_text(_random_module(seed))
    graph = analyse(load_config(tmp_path), [tmp_path], use_cache=False).graph
    assert graph.flag_keys()
    for key, on in graph.flag_keys():
        reach = graph.reach(key, on)
        gated = []
        for source, target, _ in graph.edges():
            sites = graph.sites(source, target)
            if sites and all(any((c.key, c.on) == (key, on) for c in s.conditions) for s in sites):
                gated.append((source, target))
        expected = _dominated(graph, gated) & reach.reach
        assert reach.exclusive == expected, (seed, key, on)


def _flow_markers() -> list:
    root = PROJECTS / "flow"
    return [m for m in parse_markers(root) if m.kind in ("calls", "calls-none")]


@pytest.fixture(scope="module")
def flow_edges() -> dict[tuple[str, int], set[str]]:
    project, _ = _project("flow")
    edges: dict[tuple[str, int], set[str]] = {}
    for _, target, site in project.graph.edge_sites():
        edges.setdefault((site.path, site.line), set()).add(target)
    return edges


@pytest.mark.parametrize("marker", _flow_markers(), ids=lambda m: f"{m.path}:{m.line}:{m.value}")
def test_value_flow_markers(marker, flow_edges) -> None:
    """Each construct of the value-flow fixture reaches what its line says, and only that."""
    found = flow_edges.get((marker.path, marker.line), set())
    if marker.kind == "calls-none":
        assert found == set(), f"{marker.path}:{marker.line}: expected no edge, found {found}"
    else:
        assert marker.value in found, f"{marker.path}:{marker.line}: {found}"


LEGACY_ONLY = """\
import ldclient

client = ldclient.get()


class Engine:
    def prepare(self, rows):
        return rows


class Legacy(Engine):
    def run(self, rows):
        return self.prepare(rows)


class Modern:
    def run(self, rows):
        return rows


class Archive(Engine):
    def run(self, rows):
        return rows


def export(rows, ctx):
    if client.variation("legacy-export", ctx, False):
        legacy = Legacy()
        return legacy.run(rows)
    modern = Modern()
    return modern.run(rows)


def export_reusing_a_local(rows, ctx):
    if client.variation("legacy-import", ctx, False):
        impl = Archive()
        return impl.run(rows)
    impl = Modern()
    return impl.run(rows)


def public_api(ctx):
    if client.variation("beta-report", ctx, False):
        return beta_report()
    return None


def beta_report():
    return format_beta()


def format_beta():
    return ""


if __name__ == "__main__":
    export([], None)
"""


@pytest.fixture(scope="module")
def legacy_project(tmp_path_factory):
    root = tmp_path_factory.mktemp("legacy")
    (root / "pyproject.toml").write_text("[tool.flaglint]\n")
    (root / "export.py").write_text(LEGACY_ONLY)
    return analyse(load_config(root), [root], use_cache=False)


def test_a_class_built_only_under_a_flag_is_exclusive_to_it(legacy_project) -> None:
    """Its methods, and the base-class helper only they call, run only through the flag."""
    on = legacy_project.graph.reach("legacy-export", True)
    assert {"export.Legacy.run", "export.Engine.prepare"} <= on.exclusive
    assert "export.Modern.run" not in on.reach
    off = legacy_project.graph.reach("legacy-export", False)
    assert "export.Legacy.run" not in off.reach


def test_one_local_assigned_on_both_sides_of_a_gate(legacy_project) -> None:
    """Locals are versioned per assignment: each call sees the class built on its own side."""
    on = legacy_project.graph.reach("legacy-import", True)
    assert "export.Archive.run" in on.exclusive
    assert "export.Modern.run" not in on.reach


def test_a_gate_in_an_uncalled_public_function_has_an_exclusive_reach(legacy_project) -> None:
    graph = legacy_project.graph
    assert "export.public_api" in graph.uncalled()
    assert "export.public_api" not in graph.roots  # an entry for exclusivity, not a root
    on = graph.reach("beta-report", True)
    assert on.exclusive == {"export.beta_report", "export.format_beta"}


def test_exclusive_reach_never_rests_on_a_may_edge(tmp_path: Path) -> None:
    """A gated call on an unknown receiver reaches methods through a hub: not exclusively."""
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "jobs.py").write_text(
        "import ldclient\n\nclient = ldclient.get()\n\n\n"
        "class Sweeper:\n    def sweep_all(self):\n        return 1\n\n\n"
        "def nightly(worker, ctx):\n"
        "    if client.variation('sweep', ctx, False):\n"
        "        worker.sweep_all()\n"
    )
    graph = analyse(load_config(tmp_path), [tmp_path], use_cache=False).graph
    on = graph.reach("sweep", True)
    assert graph.edge_kind("jobs.nightly", "name:sweep_all") == "may"
    assert "jobs.Sweeper.sweep_all" in on.reach
    assert on.exclusive == set()


def test_guessed_edges_say_why_they_were_assumed(run_cli, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "app.py").write_text(
        "import waffle\n\n\nclass A:\n    def handle(self):\n        return 1\n\n\n"
        "class B:\n    def handle(self):\n        return 2\n\n\n"
        "def dispatch(thing):\n"
        '    if waffle.switch_is_active("k"):\n        return thing.handle()\n    return None\n'
    )
    import json

    adjacency = json.loads(run_cli("callgraph", "--no-cache", cwd=tmp_path).out)["graph"]
    hub = next(e for e in adjacency["app.dispatch"] if e["target"] == "name:handle")
    assert hub["kind"] == "may"
    assert hub["why"] == (
        "`.handle()` on a receiver of unknown type: any of the 2 project methods named "
        "`handle` may run"
    )
    assert all("why" not in e for e in adjacency["app.A.handle"])
    reach = json.loads(run_cli("graph", "k", "--format", "json", "--no-cache", cwd=tmp_path).out)
    kinds = {(e["from"], e["to"]): e["kind"] for e in reach["on"]["edges"]}
    assert kinds[("name:handle", "app.A.handle")] == "may"
    assert reach["on"]["sites"][0]["why"].startswith("`.handle()` on a receiver of unknown type")
    text = run_cli("graph", "k", "--no-cache", cwd=tmp_path).out
    assert "app.dispatch -> name:handle  (may: `.handle()` on a receiver" in text


@pytest.mark.parametrize(
    "receiver",
    [
        "import os\n\nVALUE = os.environ.get('X')\n",
        "from django.conf import settings\n\nVALUE = settings.OPTIONS.get('X')\n",
        "import requests as http\n\n\ndef fetch():\n    return http.get('u')\n",
    ],
)
def test_a_method_of_an_imported_outside_module_runs_no_project_method(
    run_cli, tmp_path: Path, receiver: str
) -> None:
    """``os.environ.get(...)`` calls into the standard library: no project method named
    ``get`` runs there, so there is no name-only edge to one (an audit said a
    setting read that way "reaches" every project ``get``)."""
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "settings.py").write_text(receiver)
    (tmp_path / "views.py").write_text(
        "class Page:\n    def get(self, request):\n        return render(request)\n\n\n"
        "def render(request):\n    return request\n\n\n"
        "def load(store):\n    return store.get('k')\n"
    )
    adjacency = json.loads(run_cli("callgraph", "--no-cache", cwd=tmp_path).out)["graph"]
    targets = {e["target"] for edges in adjacency.values() for e in edges}
    sources = {s for s, edges in adjacency.items() if any(e["target"] == "name:get" for e in edges)}
    # The unknown receiver still may be a Page: only the outside module's call lost it.
    assert sources == {"views.load"}, adjacency
    assert "name:get" in targets


OPAQUE = """\
import json


def save(path, data):
    with open(path, "w") as handle:
        handle.write(json.dumps(data))


def append_line(path, line):
    out = open(path, "a")
    out.write(str(line).strip())
    out.close()


def label(value):
    return repr(value).write()


def flush(pool, rows):
    pool.write(rows)


class Pool:
    def write(self, rows):
        return rows

    def close(self):
        return None

    def strip(self):
        return None
"""


def test_a_file_open_returns_runs_no_project_method(run_cli, tmp_path: Path) -> None:
    """``open()``, ``str()``, ``repr()`` return a file, strings: what is called on them
    is no project method (awx: a profiler's ``f.write`` "reached" the task dispatcher
    through every project ``write``); an unknown receiver still may be one."""
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "files.py").write_text(OPAQUE)
    adjacency = json.loads(run_cli("callgraph", "--no-cache", cwd=tmp_path).out)["graph"]
    hubs = {
        (s, e["target"]) for s, edges in adjacency.items() for e in edges if "name:" in e["target"]
    }
    assert hubs == {("files.flush", "name:write")}, adjacency


LAMBDAS = """\
import waffle


def audit(row):
    return row


def legacy_export(row):
    return row


def apply(func, value):
    return func(value)


def run(rows, request):
    key = lambda row: row.id
    rows.sort(key=lambda row: audit(row))
    double = lambda x: apply(x, 2)
    double(audit)
    if waffle.flag_is_active(request, "legacy-export"):
        handlers = {"old": lambda r: legacy_export(r)}
        return handlers
    return key
"""


def test_lambdas_are_nodes_named_as_pycg_names_them(tmp_path: Path) -> None:
    """A lambda is ``scope.<lambdaN>``: what it calls is its own, and it runs where it is called."""
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "app.py").write_text(LAMBDAS)
    graph = analyse(load_config(tmp_path), [tmp_path], use_cache=False).graph
    kinds = {(s, t): k for s, t, k in graph.edges()}
    # Called through a local: the call edge goes to the lambda, its call leaves from it.
    assert kinds[("app.run", "app.run.<lambda3>")] == "call"
    assert kinds[("app.run.<lambda3>", "app.apply")] == "call"
    assert ("app.run", "app.apply") not in kinds
    # Handed to code outside the project: a reference from where it is passed.
    assert kinds[("app.run", "app.run.<lambda2>")] == "ref"
    assert kinds[("app.run.<lambda2>", "app.audit")] == "call"
    # Returned or stored where flow loses it: assumed to run where it is written.
    assert kinds[("app.run", "app.run.<lambda1>")] == "ref"
    assert kinds[("app.run", "app.run.<lambda4>")] == "ref"
    # A lambda written under a gate keeps the gate: only the flag reaches what it calls.
    on = graph.reach("legacy-export", True)
    assert "app.legacy_export" in on.exclusive
    assert "app.apply" not in on.reach


def test_lambdas_are_never_reported_as_functions(tmp_path: Path) -> None:
    """Rules report functions and methods; a lambda is a node of the graph, not a candidate."""
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "app.py").write_text(LAMBDAS)
    project = analyse(load_config(tmp_path), [tmp_path], use_cache=False)
    assert "app.run.<lambda1>" not in project.graph.uncalled()
    from flaglint.engine import run_rules
    from flaglint.rules import ALL_RULES

    assert not [f for f in run_rules(project, ALL_RULES) if "<lambda" in f.symbol]


VERSIONED = """\
class A:
    def run(self):
        return 1


class B:
    def run(self):
        return 2


class C:
    def run(self):
        return 3


def straight():
    impl = A()
    impl.run()  # sees: A
    impl = B()
    impl.run()  # sees: B


def merged(flag):
    impl = A()
    if flag:
        impl = B()
    impl.run()  # sees: A B


def arms(k):
    if k == 1:
        impl = A()
    elif k == 2:
        impl = B()
        return impl.run()  # sees: B
    else:
        impl = C()
    return impl.run()  # sees: A C


def looped(items):
    impl = A()
    for _ in items:
        impl.run()  # sees: A B
        impl = B()


def closure():
    impl = A()

    def inner():
        return impl.run()  # sees: A B

    impl = B()
    return inner


def param(impl):
    impl.run()  # sees: A C
    impl = A()
    impl.run()  # sees: A C


param(C())
"""


def test_locals_assigned_twice_are_versioned_along_if_arms(tmp_path: Path) -> None:
    """Each read sees the assignments that reach it; loops, closures and parameters stay whole."""
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "app.py").write_text(VERSIONED)
    graph = analyse(load_config(tmp_path), [tmp_path], use_cache=False).graph
    seen: dict[int, set[str]] = {}
    for _, target, site in graph.edge_sites():
        if target.endswith(".run"):
            seen.setdefault(site.line, set()).add(target.split(".")[1])
    for number, line in enumerate(VERSIONED.splitlines(), 1):
        if "# sees:" in line:
            expected = set(line.split("# sees:")[1].split())
            assert seen.get(number) == expected, f"line {number}: {line.strip()}"


JOBS = """\
class Mailer:
    def send(self):
        return 1


def deliver(sender):
    return sender.send()


def main():
    return deliver(Mailer())
"""

TEST_JOBS = """\
from app.jobs import deliver


class FakeSender:
    def send(self):
        return 0


def test_deliver():
    box = FakeSender()
    assert deliver(box) == 0
    assert box.send() == 0
"""


@pytest.mark.parametrize("as_roots", [False, True])
def test_what_tests_pass_in_is_not_how_the_program_runs(tmp_path: Path, as_roots: bool) -> None:
    """A test's fake flows into production code only when tests are roots."""
    setting = "tests-as-roots = true\n" if as_roots else ""
    (tmp_path / "pyproject.toml").write_text(f"[tool.flaglint]\n{setting}")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "jobs.py").write_text(JOBS)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "__init__.py").write_text("")
    (tmp_path / "tests" / "test_jobs.py").write_text(TEST_JOBS)
    graph = analyse(load_config(tmp_path), [tmp_path], use_cache=False).graph
    sent = set(graph.graph.successors("app.jobs.deliver"))
    assert "app.jobs.Mailer.send" in sent
    assert ("tests.test_jobs.FakeSender.send" in sent) is as_roots
    # The test's own calls still link: by import, and a method on a local through
    # flow when tests are solved, else through the hub of its name.
    test = set(graph.graph.successors("tests.test_jobs.test_deliver"))
    assert "app.jobs.deliver" in test
    assert ("tests.test_jobs.FakeSender.send" in test) is as_roots
    assert ("name:send" in test) is not as_roots
