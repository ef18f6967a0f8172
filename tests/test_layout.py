"""The package's shape: imports run one way, and modules stay small."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "flaglint"
MAX_LINES = 450
# Modules over the limit, each capped at its size today, with why it is still one
# module. The issue that reshapes each one splits it; a module may shrink freely.
OVERSIZED = {
    # Sinks, repeated contexts and bound guards; the circuit-breaker issue
    # replaces boundedness with per-guard comparison.
    "rules/breakers/analysis.py": 502,
    # The page's sections; the audit-page issue adds pictures and a timeline.
    # Where a flag is read and what a rewrite may touch; the remove-flag issue
    # (cascading deletions, wrappers) reshapes it.
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(path: Path, known: dict[str, Path]) -> set[str]:
    """flaglint modules ``path`` imports anywhere (inside functions and for typing too),
    with the packages whose ``__init__`` those imports run."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                out.add(full if full in known else node.module)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    # Importing a module runs every package ``__init__`` above it first.
    implied = {".".join(name.split(".")[:i]) for name in out for i in range(2, name.count(".") + 1)}
    return {name for name in out | implied if name in known}


def test_no_import_cycle() -> None:
    modules = _modules()
    graph = nx.DiGraph()
    for name, path in modules.items():
        graph.add_node(name)
        for imported in _imports(path, modules):
            # A package's __init__ runs before its modules: importing a parent is not a cycle.
            if imported != name and not name.startswith(imported + "."):
                graph.add_edge(name, imported)
    cycles = sorted(sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1)
    assert cycles == []


def test_rules_gate_and_reporters_do_not_import_the_engine() -> None:
    """They read the Project interface; only front ends drive the engine."""
    modules = _modules()
    allowed = ("flaglint.cli", "flaglint.demo", "flaglint.flake8_plugin", "flaglint.engine")
    offenders = []
    for name, path in modules.items():
        if name.startswith(allowed) or name == "flaglint.audit.gather":
            continue
        imported = {m for m in _imports(path, modules) if m.startswith("flaglint.engine")}
        # FL203 builds the trees of old revisions it searches.
        if imported and name != "flaglint.rules.identity.flag_resurrected":
            offenders.append((name, sorted(imported)))
    assert offenders == []


def test_no_module_grows_past_the_limit() -> None:
    sizes = {
        path.relative_to(PACKAGE).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    over = {name: size for name, size in sizes.items() if size > OVERSIZED.get(name, MAX_LINES)}
    assert over == {}, "split the module, or say in OVERSIZED why it stays whole"
    assert set(OVERSIZED) <= set(sizes), "a module in OVERSIZED is gone: drop it there"


def test_the_check_command_does_not_import_libcst_or_networkx_up_front() -> None:
    """A warm check reads cached facts and findings: importing LibCST (0.26 s)
    or networkx (0.3 s) before a file needs them is most of such a run."""
    import subprocess
    import sys

    code = (
        "import sys, flaglint.cli, flaglint.engine.analyse, flaglint.engine.run\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'libcst', 'networkx'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
