"""FL101 and FL104: dormant code that a flag still connects, and code a flag removal orphaned."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flaglint.callgraph import HUB_PREFIX, CallGraph, FlagReach, NodeInfo
from flaglint.findings import Finding, Location, Severity
from flaglint.rules.base import Rule
from flaglint.rules.dormant.evidence import DormancyEvidence, Evidence

if TYPE_CHECKING:
    from flaglint.project import Project

FUNCTION_KINDS = ("function", "method")


@dataclass(frozen=True, slots=True)
class _Entry:
    """A dormant function found first on the way down from one gate site."""

    qualified: str
    site: tuple[str, int, str, str]  # path, line, enclosing node, target
    evidence: tuple[Evidence, ...]


class DormantFlagPath(Rule):
    """Dormant code still reachable through a live flag.

    ## What it does
    For every flag still read in the tree, finds the functions that only its
    gated code reaches (every path from an entry point passes through the flag
    check) and reports those that look dormant:

    - marked deprecated: `@deprecated` (warnings, typing_extensions, the
      `deprecated` package), `warnings.warn(..., DeprecationWarning)` in the
      body, or a docstring or leading comment with one of `deprecation-words`;
    - old: in git, the function last changed at least `dormant-after-days`
      before the gate that calls it did;
    - dead to vulture: vulture reports the function unused, or code inside it
      unreachable.

    One finding per flag and dormant entry function; the helpers it calls are
    part of the same finding. The message names the gate and the call path.

    ## Why is this bad?
    Code that nobody maintains but a flag can still switch on is a loaded gun.
    Knight Capital's Power Peg had been retired since 2003 and its cumulative
    quantity check refactored away in 2005; in 2012 a deploy reused its flag,
    one server still had the old code, and the flag turned it back on. It sent
    child orders without end and lost $460M in 45 minutes.

    ## Example
    ```python
    def power_peg(parent, market):
        "Deprecated: Power Peg is no longer used."
        while True:
            send_child_order(parent.symbol, 100, market.bid)

    def route(parent, market):
        if ldclient.get().variation("smars-peg-mode", parent.context, False):
            power_peg(parent, market)  # FL101: dormant power_peg behind a live flag
    ```

    ## Use instead
    Delete the dormant code and the branch that reaches it, and retire the
    flag. If the code must stay, bring it back under test and maintenance and
    drop the deprecation marker, so that switching the flag on is a decision.
    """

    code = "FL101"
    name = "dormant-flag-path"
    severity = Severity.WARNING
    summary = "Deprecated, old or unused code is reachable only through a live flag."

    def check(self, project: Project) -> Iterator[Finding]:
        graph = project.graph
        live = feature_flags(project)
        reaches = [graph.reach(key, on) for key, on in graph.flag_keys() if key in live]
        reaches = [r for r in reaches if _functions(graph, r.exclusive)]
        if not reaches:
            return
        evidence = DormancyEvidence(project)
        reads_by_symbol: dict[tuple[str, str], list[int]] = defaultdict(list)
        for read in project.inventory.reads:
            if read.key is not None:
                reads_by_symbol[(read.key, read.symbol)].append(read.line)
        # Only the files that hold gated functions or their gates are blamed and scanned.
        relevant = sorted(
            {graph.nodes[q].facts.path for r in reaches for q in _functions(graph, r.exclusive)}
            | {site[0] for r in reaches for site in r.sites}
        )
        evidence.prefetch(relevant)
        evidence.scan(relevant)
        for reach in reaches:
            seen: set[str] = set()
            for entry in self._entries(graph, reach, evidence, reads_by_symbol):
                if entry.qualified in seen:
                    continue
                seen.add(entry.qualified)
                yield self._finding(graph, reach, entry)

    def _entries(
        self,
        graph: CallGraph,
        reach: FlagReach,
        evidence: DormancyEvidence,
        reads_by_symbol: dict[tuple[str, str], list[int]],
    ) -> Iterator[_Entry]:
        """Per gate site: the dormant functions met first going down the exclusive reach."""
        memo: dict[str, list[Evidence]] = {}
        for site in reach.sites:
            path, line, source, target = site
            gate_lines = [line, *reads_by_symbol.get((reach.key, source), [])]
            queue = deque([target])
            visited = {target}
            while queue:
                node = queue.popleft()
                info = graph.nodes.get(node)
                if info is not None and node not in reach.exclusive:
                    continue
                if info is not None and info.kind in FUNCTION_KINDS:
                    if node not in memo:
                        memo[node] = self._static_evidence(evidence, info)
                    found = list(memo[node])
                    age = evidence.age_gap(info, path, gate_lines)
                    if age is not None:
                        found.insert(0, age)
                    if found:
                        yield _Entry(node, site, tuple(found))
                        continue
                elif info is None and not node.startswith(HUB_PREFIX):
                    continue
                for successor in sorted(graph.successors(node)):
                    if successor not in visited:
                        visited.add(successor)
                        queue.append(successor)

    @staticmethod
    def _static_evidence(evidence: DormancyEvidence, info: NodeInfo) -> list[Evidence]:
        found = evidence.markers(info)
        unused = evidence.vulture(info)
        if unused is not None:
            found.append(unused)
        return found

    def _finding(self, graph: CallGraph, reach: FlagReach, entry: _Entry) -> Finding:
        info = graph.nodes[entry.qualified]
        assert info.definition is not None
        path, line, source, target = entry.site
        call_path = [source, *graph.path(target, entry.qualified)] if target else [source]
        state = "on" if reach.on else "off"
        reasons = "; ".join(e.text for e in entry.evidence)
        message = (
            f"dormant `{info.definition.qualname}` is still reachable when flag "
            f"'{reach.key}' is {state} (gate at {path}:{line}): {reasons}; "
            f"path: {' -> '.join(call_path)}"
        )
        related = [Location(path, line, 1, f"gate: flag '{reach.key}' {state} calls here")]
        related.extend(
            e.location
            for e in entry.evidence
            if e.location.message and (e.location.path, e.location.line) != (path, line)
        )
        return self.finding(
            info.facts.path,
            info.definition.line,
            info.definition.col + 1,
            message,
            symbol=entry.qualified,
            flag=reach.key,
            end_line=info.definition.end_line,
            related=tuple(sorted(set(related))),
        )


def feature_flags(project: Project) -> set[str]:
    """Keys read in the tree that are feature flags rather than program state.

    The inventory lists every enum member tested in a condition. Bits of an
    ``enum.Flag`` / ``IntFlag`` are switches (Knight's Power Peg was one); a
    plain ``Enum`` compared with ``==`` (``status != QueryStatus.FAILED``) is
    state, and code behind it is not dormant because of it.
    """
    resolver = project.resolver
    switch_classes = {
        info.qualified.rpartition(".")[2]
        for info in project.graph.nodes.values()
        if info.kind == "class"
        and any(
            base in ("enum.Flag", "enum.IntFlag")
            for klass in resolver.mro(info.qualified)
            for base in resolver.class_bases(klass)
        )
    }
    return {
        key
        for key, reads in project.inventory.keys().items()
        if any(r.provider != "enum" for r in reads) or key.partition(".")[0] in switch_classes
    }


def _functions(graph: CallGraph, names: set[str]) -> list[str]:
    return sorted(n for n in names if graph.nodes[n].kind in FUNCTION_KINDS)


class DeadCodeLeftBehind(Rule):
    """Code a flag removal left unreachable (compared with `--base REV`).

    ## What it does
    Compares the working tree with the base revision given to `check --base`.
    For every flag read that the change removed, takes the functions that at
    base were reached only through that flag (or held the read themselves),
    and reports those that still exist but that nothing references any more:
    unreachable in flaglint's call graph and, for the entry of each dead
    chain, reported unused by vulture on the new tree. Test code does not
    count as a use.

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
        head_reads = {
            (r.key, r.path, r.symbol) for r in project.inventory.reads if r.key is not None
        }
        removed: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
        flags_at_base = feature_flags(base)
        for read in base.inventory.reads:
            if read.key in flags_at_base and (read.key, read.path, read.symbol) not in head_reads:
                removed[read.key].append((read.path, read.line, read.symbol))
        if not removed:
            return
        candidates = self._candidates(base, removed)
        head = project.graph
        reachable = head.reachable_from_roots()
        # Code already unreachable at base was not orphaned by this change.
        reachable_at_base = base.graph.reachable_from_roots()
        dead = {
            q: key
            for q, key in sorted(candidates.items())
            if q in reachable_at_base
            and q in head.nodes
            and head.nodes[q].kind in FUNCTION_KINDS
            and q not in reachable
            and head.nodes[q].facts.module not in head.test_modules
        }
        confirmed = self._confirm(project, dead)
        for qualified in sorted(confirmed):
            key = dead[qualified]
            info = head.nodes[qualified]
            assert info.definition is not None
            path, line, symbol = _removed_read_behind(base, removed[key], qualified)
            yield self.finding(
                info.facts.path,
                info.definition.line,
                info.definition.col + 1,
                f"`{info.definition.qualname}` was reached only through flag '{key}', whose "
                f"read in {symbol} ({path}:{line} at base) this change removed; nothing "
                f"references it now: delete it ({confirmed[qualified]})",
                symbol=qualified,
                flag=key,
                end_line=info.definition.end_line,
                related=(
                    Location(
                        path, line, 1, f"removed read of flag '{key}'", revision=base.revision[:12]
                    ),
                ),
            )

    @staticmethod
    def _candidates(
        base: Project, removed: dict[str, list[tuple[str, int, str]]]
    ) -> dict[str, str]:
        """Functions that at base only a removed flag reached, or that read it: name -> key."""
        graph = base.graph
        found: dict[str, str] = {}
        for key in sorted(removed):
            names: set[str] = set()
            for on in (True, False):
                names |= graph.reach(key, on).exclusive
            names |= {symbol for _, _, symbol in removed[key]}
            for name in sorted(names):
                info = graph.nodes.get(name)
                if info is not None and info.kind in FUNCTION_KINDS:
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
            if any(name.encode() in content for name in names)
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


def _removed_read_behind(
    base: Project, reads: list[tuple[str, int, str]], qualified: str
) -> tuple[str, int, str]:
    """The removed read that led to ``qualified`` at base (the first one, if none did)."""
    ordered = sorted(reads)
    for path, line, symbol in ordered:
        if symbol == qualified or base.graph.path(symbol, qualified):
            return path, line, symbol
    return ordered[0]


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
