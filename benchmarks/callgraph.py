"""flaglint's call graph against PyCG's call-graph micro-benchmark.

Usage (Python 3.10+, standard library only):

    git clone https://github.com/vitsalis/PyCG /path/to/PyCG
    python benchmarks/callgraph.py --pycg /path/to/PyCG
    python benchmarks/callgraph.py --pycg /path/to/PyCG --flaglint /path/to/venv/bin/flaglint
    python benchmarks/callgraph.py --pycg /path/to/PyCG --category classes --details
    python benchmarks/callgraph.py --pycg /path/to/PyCG --json -j 4

The suite is PyCG's (Salis et al., "PyCG: Practical Call Graph Generation in
Python", ICSE 2021): about 119 small programs under
``micro-benchmark/snippets/<category>/<case>/``, each with a hand-written
``callgraph.json`` mapping every function's qualified name to the qualified
names it calls. Nothing of PyCG is copied into this repository: pass the
location of a checkout with ``--pycg``. flaglint never runs the analysed code
and neither does this script: it only runs ``flaglint callgraph --format json
--no-cache`` with the snippet folder as the working directory, and parses the
snippet files with :mod:`ast` to learn which names are classes and methods.

Metrics, per category and overall, micro-averaged (sums over the snippets,
then one ratio):

* edge precision = |expected & found| / |found|, edge recall =
  |expected & found| / |expected|, over (caller, callee) pairs of the
  normalised graphs;
* reachable-pair precision and recall: the same over pairs (f, g) where g is
  reachable from f through one or more edges, with f ranging over the nodes of
  the normalised expected graph (keys and callees). A node flaglint does not
  have reaches nothing on its side.

Normalisation (the same for both graphs where it applies)
---------------------------------------------------------

1. Builtins are left out: PyCG's ``<builtin>.*`` names and its builtin-type
   methods (``<**PyStr**>.join``, ``<**PyDict**>.items``), as callers and as
   callees. flaglint never emits them (its JSON lists project code only). The
   number of expected edges left out this way is printed.
2. Classes are left out as nodes. flaglint has a node per class (its body,
   with a ``body`` edge from the enclosing module or class, calls made in the
   class body as its out-edges, and ``init``/``ref`` edges into it where the
   class is called or passed); PyCG has no class nodes in its expected graphs
   and writes ``C()`` as an edge to ``C.__init__`` (which flaglint also emits,
   as a separate ``init`` edge to the ``__init__`` found along the MRO, plus
   ``__new__``/``__post_init__`` where defined). Edges into or out of a class
   are dropped on both sides (counted and printed for flaglint; PyCG's
   current graphs have none). Classes are found by parsing the snippet files.
3. Module-level code is the module's name on both sides (``main``,
   ``nested.mod``), and nested functions are ``outer.inner`` on both sides
   (flaglint's stable build writes no ``<locals>``; a ``.<locals>.`` would be
   mapped to ``.``).
4. Module names: PyCG names a file by its path below the snippet folder
   (``nest/imported.py`` is ``nest.imported``). flaglint starts a module's
   name at the outermost folder with an ``__init__.py`` above it, so a file in
   a folder without one is named by its stem (``imported``). The script
   recomputes flaglint's rule per file and renames flaglint's module prefix to
   the path name where the two differ. A top-level ``__init__.py`` in the
   snippet folder is the module ``__init__`` for flaglint and absent from
   PyCG's graphs; it has no edges in the suite.
5. Lambdas are nodes on both sides with the same names (``main.<lambda1>``,
   ``main.func.<lambda1>``: numbered per enclosing scope in source order).
   flaglint also links a lambda no call site is seen to invoke from the scope
   that writes it (a ``ref`` edge); such edges count like any other.
6. External calls (``external`` category): PyCG writes them by their
   imported name (``ext.function``, ``ext.parent.__init__``); flaglint's JSON
   has project nodes only, so each is a miss. Nothing is renamed.
7. flaglint's edge kinds ``call``, ``init``, ``ref`` (a function used as a
   value: callback, alias, dispatch table, which "may be called"),
   ``decorator`` and ``may`` all count as edges; ``body`` edges end at a class
   and go with rule 2. ``name:m`` hubs (a call ``obj.m()`` whose receiver
   flaglint could not resolve: one ``may`` edge into the hub, and inside
   flaglint, not in the JSON, one edge out to every project method named
   ``m``) are never nodes. Two variants are reported:

   * ``resolved``: an edge into a hub is dropped;
   * ``hubs``: an edge ``f -> name:m`` becomes ``f -> C.m`` for every method
     ``m`` defined directly in a project class (functions named ``m`` outside
     classes are not linked, as in flaglint), which is what flaglint's own
     reachability queries traverse.

Where the names cannot be mapped (externals), the expected edge stays
and counts as a miss: no expected edge is dropped except by rules 1 and 2,
whose counts are printed.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HUB_PREFIX = "name:"
VARIANTS = ("resolved", "hubs")

Edge = tuple[str, str]


# ------------------------------------------------------------------ snippets
@dataclass
class Snippet:
    category: str
    name: str
    folder: Path

    @property
    def label(self) -> str:
        return f"{self.category}/{self.name}"


def find_snippets(pycg: Path, category: str | None) -> list[Snippet]:
    root = pycg / "micro-benchmark" / "snippets"
    if not root.is_dir():
        raise SystemExit(f"no micro-benchmark/snippets under {pycg}: is it a PyCG checkout?")
    out = []
    for cg in sorted(root.glob("*/*/callgraph.json")):
        folder = cg.parent
        if category is not None and folder.parent.name != category:
            continue
        out.append(Snippet(folder.parent.name, folder.name, folder))
    if not out:
        raise SystemExit(f"no snippets found under {root} (category {category!r})")
    return out


def python_files(folder: Path) -> list[str]:
    """Paths of the ``.py`` files below ``folder``, relative, with ``/``."""
    out = []
    for directory, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        rel = os.path.relpath(directory, folder)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        out.extend(prefix + f for f in sorted(files) if f.endswith(".py"))
    return out


def flaglint_module_names(paths: list[str]) -> dict[str, str]:
    """Each file's module name by flaglint's rule (flaglint.discovery.assign_modules).

    The name starts at the outermost folder with an ``__init__.py`` above the
    file, else it is the file's stem; names two files would share fall back to
    the dotted path.
    """
    present = set(paths)
    names: list[tuple[str, str]] = []
    for rel in paths:
        parts = rel[:-3].split("/")
        if parts[-1] == "__init__":
            parts = parts[:-1]
        start = len(parts) - 1
        for depth in range(1, len(parts)):
            if "/".join(parts[:depth]) + "/__init__.py" in present:
                start = depth - 1
                break
        names.append((rel, ".".join(parts[max(start, 0) :]) or "__init__"))
    counts: dict[str, int] = {}
    for _, module in names:
        counts[module] = counts.get(module, 0) + 1
    return {
        rel: (rel[:-3].replace("/", ".").replace("-", "_") if counts[module] > 1 else module)
        for rel, module in names
    }


def pycg_module_name(rel: str) -> str:
    parts = rel[:-3].split("/")
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


@dataclass
class Shapes:
    """What the snippet's source says about names (PyCG's spelling)."""

    classes: set[str] = field(default_factory=set)
    methods_by_name: dict[str, set[str]] = field(default_factory=dict)
    renames: dict[str, str] = field(default_factory=dict)  # flaglint module -> PyCG module


def read_shapes(folder: Path) -> Shapes:
    shapes = Shapes()
    paths = python_files(folder)
    flaglint_names = flaglint_module_names(paths)
    for rel in paths:
        module = pycg_module_name(rel)
        if flaglint_names[rel] != module:
            shapes.renames[flaglint_names[rel]] = module
        try:
            tree = ast.parse((folder / rel).read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        _walk(tree, module, False, shapes)
    return shapes


def _walk(node: ast.AST, prefix: str, in_class: bool, shapes: Shapes) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.ClassDef):
            name = f"{prefix}.{child.name}"
            shapes.classes.add(name)
            _walk(child, name, True, shapes)
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = f"{prefix}.{child.name}"
            if in_class:
                shapes.methods_by_name.setdefault(child.name, set()).add(name)
            _walk(child, name, False, shapes)
        else:
            _walk(child, prefix, in_class, shapes)


# ------------------------------------------------------------------- graphs
def is_builtin(name: str) -> bool:
    return name.startswith("<builtin>") or name.startswith("<**")


@dataclass
class Normalised:
    edges: set[Edge]
    dropped: dict[str, int]


def normalise_expected(raw: dict[str, list[str]], shapes: Shapes) -> tuple[set[str], Normalised]:
    """PyCG's graph: its nodes and edges, builtins and classes left out."""
    nodes: set[str] = set()
    edges: set[Edge] = set()
    dropped = {"builtin": 0, "class": 0}
    for source, targets in raw.items():
        for name in (source, *targets):
            if not is_builtin(name) and name not in shapes.classes:
                nodes.add(name)
        for target in targets:
            if is_builtin(source) or is_builtin(target):
                dropped["builtin"] += 1
            elif source in shapes.classes or target in shapes.classes:
                dropped["class"] += 1
            else:
                edges.add((source, target))
    return nodes, Normalised(edges, dropped)


def rename(name: str, shapes: Shapes) -> str:
    name = name.replace(".<locals>.", ".")
    for old, new in shapes.renames.items():
        if name == old or name.startswith(old + "."):
            return new + name[len(old) :]
    return name


def normalise_flaglint(data: dict, shapes: Shapes, variant: str) -> Normalised:
    edges: set[Edge] = set()
    dropped = {"class": 0, "builtin": 0, "hub": 0, "hub-expanded-to-nothing": 0}
    for source, out in data["graph"].items():
        source = rename(source, shapes)
        for edge in out:
            target = edge["target"]
            if target.startswith(HUB_PREFIX):
                if variant == "resolved":
                    dropped["hub"] += 1
                    continue
                methods = shapes.methods_by_name.get(target[len(HUB_PREFIX) :], set())
                if not methods:
                    dropped["hub-expanded-to-nothing"] += 1
                targets: Iterable[str] = methods
            else:
                targets = (rename(target, shapes),)
            for t in targets:
                if is_builtin(source) or is_builtin(t):
                    dropped["builtin"] += 1
                elif source in shapes.classes or t in shapes.classes:
                    dropped["class"] += 1
                else:
                    edges.add((source, t))
    return Normalised(edges, dropped)


def reachable_pairs(edges: set[Edge], starts: set[str]) -> set[Edge]:
    succ: dict[str, set[str]] = {}
    for source, target in edges:
        succ.setdefault(source, set()).add(target)
    pairs: set[Edge] = set()
    for start in starts:
        seen: set[str] = set()
        stack = list(succ.get(start, ()))
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(succ.get(node, ()))
        pairs.update((start, g) for g in seen)
    return pairs


# ------------------------------------------------------------------ running
def check_no_config_above(folder: Path) -> None:
    """flaglint takes its root from the nearest pyproject.toml with [tool.flaglint]."""
    for directory in (folder.resolve(), *folder.resolve().parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if "[tool.flaglint" in text:
                raise SystemExit(
                    f"{candidate} configures flaglint and lies above the snippets: flaglint "
                    "would name modules from its folder. Put the PyCG checkout elsewhere."
                )


def run_flaglint(flaglint: list[str], folder: Path) -> dict:
    try:
        proc = subprocess.run(
            [*flaglint, "callgraph", "--format", "json", "--no-cache"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        raise SystemExit(f"cannot run {' '.join(flaglint)}: {exc}") from None
    if proc.returncode != 0:
        raise SystemExit(
            f"flaglint callgraph failed in {folder} (exit {proc.returncode}): {proc.stderr.strip()}"
        )
    return json.loads(proc.stdout)


@dataclass
class Counts:
    snippets: int = 0
    expected: int = 0
    found: int = 0
    correct: int = 0
    pairs_expected: int = 0
    pairs_found: int = 0
    pairs_correct: int = 0

    def add(self, other: Counts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict:
        out = dict(self.__dict__)
        out["precision"] = ratio(self.correct, self.found)
        out["recall"] = ratio(self.correct, self.expected)
        out["pairs_precision"] = ratio(self.pairs_correct, self.pairs_found)
        out["pairs_recall"] = ratio(self.pairs_correct, self.pairs_expected)
        return out


def ratio(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


@dataclass
class Result:
    snippet: Snippet
    counts: dict[str, Counts]
    missed: dict[str, list[Edge]]
    spurious: dict[str, list[Edge]]
    dropped_expected: dict[str, int]
    dropped_found: dict[str, dict[str, int]]


def measure(snippet: Snippet, flaglint: list[str]) -> Result:
    shapes = read_shapes(snippet.folder)
    raw = json.loads((snippet.folder / "callgraph.json").read_text(encoding="utf-8"))
    nodes, expected = normalise_expected(raw, shapes)
    data = run_flaglint(flaglint, snippet.folder)
    expected_pairs = reachable_pairs(expected.edges, nodes)
    counts, missed, spurious, dropped_found = {}, {}, {}, {}
    for variant in VARIANTS:
        found = normalise_flaglint(data, shapes, variant)
        found_pairs = reachable_pairs(found.edges, nodes)
        counts[variant] = Counts(
            snippets=1,
            expected=len(expected.edges),
            found=len(found.edges),
            correct=len(expected.edges & found.edges),
            pairs_expected=len(expected_pairs),
            pairs_found=len(found_pairs),
            pairs_correct=len(expected_pairs & found_pairs),
        )
        missed[variant] = sorted(expected.edges - found.edges)
        spurious[variant] = sorted(found.edges - expected.edges)
        dropped_found[variant] = found.dropped
    return Result(snippet, counts, missed, spurious, expected.dropped, dropped_found)


# ------------------------------------------------------------------ reports
def fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def table(rows: list[tuple[str, Counts]]) -> list[str]:
    lines = [
        "| category | snippets | edges expected | edges found | correct | precision | recall "
        "| pairs expected | pairs found | pair precision | pair recall |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, c in rows:
        d = c.as_dict()
        lines.append(
            f"| {name} | {c.snippets} | {c.expected} | {c.found} | {c.correct} "
            f"| {fmt(d['precision'])} | {fmt(d['recall'])} | {c.pairs_expected} "
            f"| {c.pairs_found} | {fmt(d['pairs_precision'])} | {fmt(d['pairs_recall'])} |"
        )
    return lines


def aggregate(results: list[Result], variant: str) -> tuple[list[tuple[str, Counts]], Counts]:
    per: dict[str, Counts] = {}
    total = Counts()
    for result in results:
        per.setdefault(result.snippet.category, Counts()).add(result.counts[variant])
        total.add(result.counts[variant])
    return sorted(per.items()), total


def markdown(results: list[Result]) -> str:
    out: list[str] = []
    for variant in VARIANTS:
        rows, total = aggregate(results, variant)
        title = {
            "resolved": "Resolved edges only (edges into `name:` hubs dropped)",
            "hubs": "Hubs expanded (`f -> name:m` counted as `f -> C.m` for every method `m`)",
        }[variant]
        out.append(f"### {title}")
        out.append("")
        out.extend(table([*rows, ("**overall**", total)]))
        out.append("")
    expected: dict[str, int] = {}
    found: dict[str, int] = {}
    for result in results:
        for key, n in result.dropped_expected.items():
            expected[key] = expected.get(key, 0) + n
        for variant, dropped in result.dropped_found.items():
            for key, n in dropped.items():
                if key == "hub" or variant == "hubs":
                    found[key] = found.get(key, 0) + n
    out.append(
        "Left out of the expected graphs: "
        + ", ".join(f"{n} {key} edges" for key, n in sorted(expected.items()))
        + ". Left out of flaglint's graphs: "
        + ", ".join(f"{n} {key} edges" for key, n in sorted(found.items()))
        + " (`hub`: resolved variant only)."
    )
    return "\n".join(out) + "\n"


def details(results: list[Result], variant: str) -> str:
    out = []
    for result in results:
        missed, spurious = result.missed[variant], result.spurious[variant]
        if not missed and not spurious:
            continue
        out.append(result.snippet.label)
        out.extend(f"  missed   {s} -> {t}" for s, t in missed)
        out.extend(f"  spurious {s} -> {t}" for s, t in spurious)
    return "\n".join(out) + "\n"


def as_json(results: list[Result], commit: str | None) -> str:
    data: dict = {"pycg_commit": commit, "variants": {}}
    for variant in VARIANTS:
        rows, total = aggregate(results, variant)
        data["variants"][variant] = {
            "categories": {name: c.as_dict() for name, c in rows},
            "overall": total.as_dict(),
            "snippets": {
                r.snippet.label: {
                    **r.counts[variant].as_dict(),
                    "missed": [list(e) for e in r.missed[variant]],
                    "spurious": [list(e) for e in r.spurious[variant]],
                }
                for r in results
            },
        }
    return json.dumps(data, indent=2) + "\n"


def pycg_commit(pycg: Path) -> str | None:
    try:
        proc = subprocess.run(
            ["git", "-C", str(pycg), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return proc.stdout.strip() or None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pycg", type=Path, required=True, help="a checkout of vitsalis/PyCG")
    parser.add_argument(
        "--flaglint",
        default=None,
        help="the flaglint executable (default: flaglint on PATH, else python -m flaglint)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument("--category", default=None, help="only this snippet category")
    parser.add_argument(
        "-j", "--jobs", type=int, default=os.cpu_count() or 1, help="flaglint runs at once"
    )
    parser.add_argument(
        "--details",
        choices=VARIANTS,
        nargs="?",
        const="hubs",
        default=None,
        help="also list every missed and spurious edge per snippet (Markdown mode)",
    )
    args = parser.parse_args(argv)
    if args.flaglint is not None:
        flaglint = [
            str(Path(args.flaglint).resolve()) if os.sep in args.flaglint else args.flaglint
        ]
    elif shutil.which("flaglint"):
        flaglint = ["flaglint"]
    else:
        flaglint = [sys.executable, "-m", "flaglint"]
    snippets = find_snippets(args.pycg, args.category)
    check_no_config_above(snippets[0].folder)
    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        results = list(pool.map(lambda s: measure(s, flaglint), snippets))
    commit = pycg_commit(args.pycg)
    if args.json:
        sys.stdout.write(as_json(results, commit))
        return 0
    sys.stdout.write(f"PyCG commit {commit}, {len(results)} snippets\n\n")
    sys.stdout.write(markdown(results))
    if args.details:
        sys.stdout.write(f"\n## Missed and spurious edges ({args.details})\n\n```\n")
        sys.stdout.write(details(results, args.details))
        sys.stdout.write("```\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
