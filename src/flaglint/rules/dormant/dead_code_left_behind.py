"""FL104 dead-code-left-behind: code a flag removal orphaned (with ``--base REV``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flaglint.callgraph import HUB_PREFIX, CallGraph
from flaglint.findings import Finding, Location, Severity
from flaglint.rules.base import Rule

if TYPE_CHECKING:
    from flaglint.project import Project
from flaglint.encoding import utf8
from flaglint.rules.dormant.helpers import FUNCTION_KINDS, feature_flags
from flaglint.rules.dormant.moves import moved_to

# A class only the removed branch built is left behind as a whole (its methods
# may stay reachable through ``obj.method()`` name hubs).
LEFT_BEHIND_KINDS = (*FUNCTION_KINDS, "class")


class DeadCodeLeftBehind(Rule):
    """Code a flag removal left unreachable (compared with `--base REV`).

    ## What it does
    Compares the working tree with the base revision given to `check --base`.
    For every flag whose read or gate the change removed (a gate is removed
    when a call the flag guarded is no longer guarded by it, even if the read
    survives), takes what at base only that flag reached: functions behind
    its gates, what only code the change deleted called through them,
    functions that read the flag, and classes only its branch built. It
    reports those that still exist but that nothing references any more:
    unreachable in flaglint's call graph and, for the entry of each dead
    chain, reported unused by vulture on the new tree. Test code does not
    count as a use. A function gone under its base name is followed to a new
    function of the same name with a near-identical body (moved to another
    module or class), and the finding names the old place.

    ## Why is this bad?
    Removing a flag check while keeping the code behind it leaves dormant
    code for the next person to wire back in. Knight Capital's Power Peg
    survived nine years this way: retired, unreferenced by intent, yet still
    deployed, until a reused flag reached it again.

    ## Example
    ```python
    # base: if flag_is_active(request, "new-invoices"): new_invoice() else: old_invoice()
    def charge(request):
        return new_invoice()

    def old_invoice():  # FL104: only the removed flag read reached it
        return old_tax()
    ```

    ## Use instead
    Delete the functions the flag no longer reaches in the same change that
    removes the flag read, and their tests with them.
    """

    code = "FL104"
    name = "dead-code-left-behind"
    severity = Severity.WARNING
    summary = "A removed flag read left functions that nothing references."
    needs_history = True

    def check(self, project: Project) -> Iterator[Finding]:
        base = project.base
        if base is None:
            return
        removed = _removed_gates(base, project)
        if not removed:
            return
        candidates = self._candidates(base, removed, project.graph.nodes)
        head = project.graph
        reachable = head.reachable_from_roots()
        # Code already unreachable at base, and called by nothing, was not orphaned by this change.
        reachable_at_base = base.graph.reachable_from_roots()
        orphaned = {
            q
            for q in candidates
            if q in reachable_at_base or _callers_through_hubs(base.graph, q) - {q}
        }
        # A candidate gone under its base name is followed to where its body went.
        moves = moved_to(base, project, sorted(q for q in orphaned if q not in head.nodes))
        places = {q: moves.get(q, q) for q in orphaned}
        dead = {
            place: candidates[q]
            for q, place in sorted(places.items())
            if place in head.nodes
            and head.nodes[place].kind in LEFT_BEHIND_KINDS
            and (
                not _class_users(head, place)
                if head.nodes[place].kind == "class"
                else place not in reachable
            )
            and head.nodes[place].facts.module not in head.test_modules
        }
        moved_from = {place: q for q, place in places.items() if place != q}
        confirmed = self._confirm(project, dead)
        # A dead class is one finding: its methods are part of it.
        classes = [q for q in confirmed if head.nodes[q].kind == "class"]
        for qualified in sorted(confirmed):
            if any(qualified.startswith(f"{c}.") for c in classes):
                continue
            key = dead[qualified]
            info = head.nodes[qualified]
            assert info.definition is not None
            old = moved_from.get(qualified, qualified)
            path, line, symbol, what = _removed_read_behind(base, removed[key], old)
            where = f" (moved from `{old}`)" if old != qualified else ""
            if what == "reading function":
                how = (
                    f"reads flag '{key}' ({path}:{line} at base) and this change removed "
                    f"every call that reached it"
                )
            else:
                how = (
                    f"was reached only through flag '{key}', whose {what} in {symbol} "
                    f"({path}:{line} at base) this change removed"
                )
            yield self.finding(
                info.facts.path,
                info.definition.line,
                info.definition.col + 1,
                f"`{info.definition.qualname}`{where} {how}; nothing references it now: "
                f"delete it ({confirmed[qualified]})",
                symbol=qualified,
                flag=key,
                end_line=info.definition.end_line,
                related=(
                    Location(
                        path,
                        line,
                        1,
                        f"removed {what} of flag '{key}'",
                        revision=base.revision[:12],
                    ),
                ),
            )

    @staticmethod
    def _candidates(
        base: Project, removed: dict[str, list[_Removed]], head_nodes: Collection[str]
    ) -> dict[str, str]:
        """Functions that at base only a changed flag reached, or that read a flag: name -> key.

        Each candidate is named after the flag that reached it most directly:
        what a flag's gates and reads reach is assigned before what only its
        deleted code called.
        """
        graph = base.graph
        direct: dict[str, set[str]] = {}
        behind: dict[str, set[str]] = {}
        for key in sorted(removed):
            gated: set[str] = set()
            for on in (True, False):
                gated |= graph.reach(key, on).exclusive
            # What a removed gate called directly: exclusive reach misses it when the
            # gate sits in a root (a framework class's method) that reaches it otherwise too.
            gated |= {r.target for r in removed[key] if r.what == "gate" and r.target}
            names = (
                gated | {r.symbol for r in removed[key]} | _classes_built_only_behind(graph, key)
            )
            direct[key] = names
            behind[key] = _callees_only_of(graph, gated, head_nodes)
        found: dict[str, str] = {}
        for layer in (direct, behind):
            for key in sorted(layer):
                for name in sorted(layer[key]):
                    info = graph.nodes.get(name)
                    if info is not None and info.kind in LEFT_BEHIND_KINDS:
                        found.setdefault(name, key)
        return found

    @staticmethod
    def _confirm(project: Project, dead: dict[str, str]) -> dict[str, str]:
        """Which unreachable candidates are dead: vulture agrees, or only dead code calls them.

        vulture reads only the non-test files whose text mentions a candidate's
        name: its verdict is by name, so no other file can change it.
        """
        from flaglint.rules.dormant.evidence import read_sources
        from flaglint.rules.dormant.unused import scan_sources

        if not dead:
            return {}
        graph = project.graph
        names = {graph.nodes[q].definition.name for q in dead if graph.nodes[q].definition}
        tests = graph.test_modules
        paths = [f.path for f in project.files if f.error is None and f.module not in tests]
        mentioning = {
            path: content
            for path, content in read_sources(project, paths).items()
            if any(utf8(name) in content for name in names)
        }
        report = scan_sources(mentioning)
        confirmed: dict[str, str] = {}
        for qualified in dead:
            info = graph.nodes[qualified]
            assert info.definition is not None
            item = report.definition(info.facts.path, info.definition.line, info.definition.name)
            if item is not None:
                confirmed[qualified] = f"vulture: {item.message}"
        changed = True
        while changed:
            changed = False
            for qualified in sorted(dead):
                if qualified in confirmed:
                    continue
                callers = _callers_through_hubs(graph, qualified)
                if callers and all(c in confirmed or c == qualified for c in callers):
                    confirmed[qualified] = "only dead code calls it"
                    changed = True
        return confirmed


@dataclass(frozen=True, slots=True)
class _Removed:
    """A flag read or gate at base that head no longer has (or a read head no longer reaches)."""

    path: str
    line: int
    symbol: str
    what: str  # "read" | "gate" | "reading function"
    target: str = ""  # for a gate: the function or class its call reached


def _removed_gates(base: Project, head: Project) -> dict[str, list[_Removed]]:
    """Per flag key: the reads, gated calls and flag-reading functions the change took away.

    A read is removed when head has no read of the key in the same function; a
    gate when a call the flag guarded at base is no longer guarded by it (the
    read may survive, now deciding something else); a function that reads a
    flag is a candidate of its own, since losing its callers removes its read
    from every path.
    """
    removed: dict[str, list[_Removed]] = defaultdict(list)
    flags_at_base = feature_flags(base)
    head_reads = {(r.key, r.path, r.symbol) for r in head.inventory.reads if r.key is not None}
    for read in base.inventory.reads:
        if read.key not in flags_at_base:
            continue
        if (read.key, read.path, read.symbol) not in head_reads:
            removed[read.key].append(_Removed(read.path, read.line, read.symbol, "read"))
        else:
            removed[read.key].append(
                _Removed(read.path, read.line, read.symbol, "reading function")
            )
    head_keys = set(head.graph.flag_keys())
    for key, on in base.graph.flag_keys():
        if key not in flags_at_base:
            continue
        kept = set()
        if (key, on) in head_keys:
            kept = {(source, target) for _, _, source, target in head.graph.reach(key, on).sites}
        for path, line, source, target in base.graph.reach(key, on).sites:
            if (source, target) not in kept:
                removed[key].append(_Removed(path, line, source, "gate", target))
    # A key whose every read and gate survived changed nothing here.
    return {k: v for k, v in removed.items() if any(r.what != "reading function" for r in v)}


def _classes_built_only_behind(graph: CallGraph, key: str) -> set[str]:
    """Classes that at base only calls gated by ``key`` instantiated (outside test code).

    Exclusive reach misses them when a method stays reachable through a name
    hub or a typed ``obj.method()`` call: the class node is reached from its
    methods, but only the flag's branch ever built one.
    """
    found: set[str] = set()
    for on in (True, False):
        builders: dict[str, set[str]] = defaultdict(set)
        for _, _, source, target in graph.reach(key, on).sites:
            info = graph.nodes.get(target)
            if info is not None and info.kind == "class":
                builders[target].add(source)
        for klass, gated in builders.items():
            callers = _class_users(graph, klass)
            if callers and callers <= gated:
                found.add(klass)
    return found


def _callees_only_of(graph: CallGraph, start: set[str], head_nodes: Collection[str]) -> set[str]:
    """What at base only ``start`` called, or code the change deleted, transitively.

    A removed gate in a framework method (a root) reaches a private method that
    the change deleted with it, and through it a helper in another module that
    the change left: the helper had no caller but the deleted code.
    """
    group = set(start)
    frontier = sorted(start)
    while frontier:
        node = frontier.pop()
        for callee in graph.successors(node):
            info = graph.nodes.get(callee)
            if callee in group or info is None or info.kind not in LEFT_BEHIND_KINDS:
                continue
            callers = _callers_through_hubs(graph, callee) - {callee}
            if callers and all(c in group or c not in head_nodes for c in callers):
                group.add(callee)
                frontier.append(callee)
    return group - set(start)


def _class_users(graph: CallGraph, klass: str) -> set[str]:
    """Who instantiates or names ``klass``: not its own module defining it, nor its methods."""
    module = graph.nodes[klass].facts.module
    return {
        c
        for c in _callers_through_hubs(graph, klass)
        if c not in (klass, module) and not c.startswith(f"{klass}.")
    }


def _removed_read_behind(
    base: Project, reads: list[_Removed], qualified: str
) -> tuple[str, int, str, str]:
    """The removed read or gate that led to ``qualified`` at base (the first, if none did)."""
    ordered = sorted(reads, key=lambda r: (r.what == "reading function", r.path, r.line, r.symbol))
    for r in ordered:
        if r.symbol == qualified or base.graph.path(r.symbol, qualified):
            return r.path, r.line, r.symbol, r.what
    first = ordered[0]
    return first.path, first.line, first.symbol, first.what


def _callers_through_hubs(graph: CallGraph, qualified: str) -> set[str]:
    """Who calls ``qualified`` outside test code, looking through ``obj.m()`` hubs."""
    callers: set[str] = set()
    for caller in graph.callers(qualified):
        if caller.startswith(HUB_PREFIX):
            callers.update(graph.callers(caller))
        else:
            callers.add(caller)
    return {
        c
        for c in callers
        if c not in graph.nodes or graph.nodes[c].facts.module not in graph.test_modules
    }
