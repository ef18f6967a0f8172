"""FL101 dormant-flag-path: dormant code that only a live flag still reaches."""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from flaglint.callgraph import HUB_PREFIX, CallGraph, FlagReach, NodeInfo
from flaglint.findings import Finding, Location, Severity
from flaglint.rules.base import Rule
from flaglint.rules.dormant.evidence import DormancyEvidence, Evidence

if TYPE_CHECKING:
    from flaglint.project import Project
from flaglint.rules.dormant.helpers import FUNCTION_KINDS, feature_flags, functions_of
from flaglint.rules.dormant.notes import retirement_note
from flaglint.rules.dormant.polarity import FlagDefaults


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
    check, over certain call edges, not name-only guesses) and reports those
    that look dormant:

    - marked deprecated: `@deprecated` (warnings, typing_extensions, the
      `deprecated` package), `warnings.warn(..., DeprecationWarning)` in the
      body, or a docstring or leading comment that says one of
      `deprecation-words` of the function itself (opening its summary, "this
      function is deprecated", `.. deprecated::`), not of data or a mode it
      handles ("rows in the legacy format"), or that calls the function itself
      the old way of doing its job ("This is the old behavior and the one we
      want to get rid of", "this helper was the legacy implementation"); or
      a note asking to remove the function together with the flag that gates
      it ("TODO: remove when removing FAST_CLONE"), naming the flag; or, for
      the function a gate calls directly, a comment opening that side of the
      gate which calls it the old one ("# Old behavior", "# Legacy path: ...");
    - old: in git, the function last changed at least `dormant-after-days`
      before the gate that calls it did (blame ignores whitespace, moves,
      `.git-blame-ignore-revs` and commits that leave the syntax tree unchanged);
    - dead to vulture: vulture reports the function unused, or code inside it
      unreachable.

    Which side is searched for what: the side that needs the flag flipped
    away from its default, for all three; the side a flag takes at its default
    runs every day, so there only the author's own word counts (a deprecation
    marker, a removal note naming the flag, an old-side label), never age or
    vulture. The default is the SDK call's default argument
    (`variation(key, ctx, False)`, `getattr(settings, "X", False)`,
    `env.bool("X", default=False)`, a keyword of `default-keywords` such as a
    wrapper's `dev_fallback=False`), django-environ's scheme
    (`env = environ.Env(X=(bool, False))`), a kill switch's off state (see
    `kill-switch-patterns`), or the API's value for a flag nobody set: waffle
    flags, switches and samples are off (unless `WAFFLE_FLAG_DEFAULT`,
    `WAFFLE_SWITCH_DEFAULT` or `WAFFLE_SAMPLE_DEFAULT` says otherwise), Open
    edX toggles are off (a `SettingToggle` says its own `default`), and a
    custom provider declared with `absent = false` (a feature row per project,
    `project.has_feature(...)`) is off. Where the default is unknown, and
    behind a deployment mode (`mode-switch-patterns`: `DEBUG`, `ONPREM`),
    both sides are searched but age alone is no evidence: only a deprecation
    marker or vulture.
    Test code is not reported unless `tests-as-roots` is set.

    One finding per dormant entry function, naming every flag that gates it;
    the helpers it calls are part of the same finding. The message names the
    gate and the call path.

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
    # What ``start`` worked out, for the project it was given.
    _prepared: tuple[Project, _Prepared | None] | None = None

    def start(self, project: Project) -> bool:
        """Start blaming the files of sides where age is evidence; the other rules run meanwhile."""
        self._prepared = (project, self._prepare(project))
        return self._prepared[1] is not None

    def _prepare(self, project: Project) -> _Prepared | None:
        graph = project.graph
        live = feature_flags(project)
        defaults = FlagDefaults(project)
        reaches = [graph.reach(key, on) for key, on in graph.flag_keys() if key in live]
        reaches = [r for r in reaches if functions_of(graph, r.exclusive)]
        if not reaches:
            return None
        evidence = DormancyEvidence(project)
        # Only the sides where age is evidence (see ``_entries``) are blamed, and of
        # their files only the lines ``age_gap`` may ask about.
        aged = [r for r in reaches if not self._ageless(r, defaults)]
        reads_by_symbol = _reads_by_symbol(project)
        # Before the blames start their threads: a child is forked only while none runs.
        evidence.start_scan(sorted(_flipped_files(graph, reaches, defaults)))
        evidence.prefetch(_age_spans(graph, aged, reads_by_symbol))
        return _Prepared(defaults, reaches, evidence, reads_by_symbol)

    def check(self, project: Project) -> Iterator[Finding]:
        started, self._prepared = self._prepared, None
        prepared = started[1] if started and started[0] is project else self._prepare(project)
        if prepared is None:
            return
        graph = project.graph
        defaults, reaches, evidence, reads_by_symbol = prepared

        # Only the files that hold gated functions or their gates are scanned; the default
        # sides' files are only read for their comments (no age, no vulture).
        flipped = _flipped_files(graph, reaches, defaults)
        evidence.scan(sorted(flipped), also=sorted(_files(graph, reaches) - flipped))
        skip_tests = not project.config.tests_as_roots
        by_function: dict[str, list[tuple[FlagReach, _Entry]]] = defaultdict(list)
        for reach in reaches:
            for entry in self._entries(graph, reach, evidence, reads_by_symbol, defaults):
                if skip_tests and graph.nodes[entry.qualified].facts.module in graph.test_modules:
                    continue
                gates = by_function[entry.qualified]
                if all(r.key != reach.key or r.on != reach.on for r, _ in gates):
                    gates.append((reach, entry))
        evidence.save()
        # One finding per function, naming every flag that gates it.
        for qualified in sorted(by_function):
            yield self._finding(graph, by_function[qualified])

    def _entries(
        self,
        graph: CallGraph,
        reach: FlagReach,
        evidence: DormancyEvidence,
        reads_by_symbol: dict[tuple[str, str], list[int]],
        defaults: FlagDefaults,
    ) -> Iterator[_Entry]:
        """Per gate site: the dormant functions met first going down the exclusive reach."""
        memo: dict[str, list[Evidence]] = {}
        # Age is evidence only on the side that needs the flag flipped away from a known
        # default; where the default is unknown, or the flag is a deployment mode whose
        # sides are both live, only a deprecation marker or vulture counts. The default
        # side runs every day: only the author's own word that it is the old one counts
        # there (a deprecation marker, a removal note naming the flag, an old-side label).
        daily = defaults.default(reach.key) is reach.on
        ageless = self._ageless(reach, defaults)
        # Where the read itself names this side as what runs when nobody sets the flag
        # (``variation(key, ctx, False)``, ``dev_fallback=False``), a label calling the
        # side old may describe a rollout half done (koku's "# Legacy path", still the
        # daily path of every account not moved): only words about the function count.
        labels = not (daily and defaults.stated_in_code(reach.key))
        for site in reach.sites:
            path, line, source, target = site
            gate_lines = _gate_lines(reach, site, reads_by_symbol)
            label = evidence.side_label(path, line, gate_lines) if labels else None
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
                    found = [e for e in memo[node] if not daily or e.kind == "marker"]
                    note = self._note(evidence, info, reach.key)
                    if note is not None:
                        found.append(note)
                    if label is not None and node == target:
                        found.append(label)
                    age = None if ageless else evidence.age_gap(info, path, gate_lines)
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
    def _ageless(reach: FlagReach, defaults: FlagDefaults) -> bool:
        """Whether age is no evidence on this side: it runs daily, or nobody knows if it does."""
        default = defaults.default(reach.key)
        return default is reach.on or default is None or defaults.is_mode(reach.key)

    @staticmethod
    def _note(evidence: DormancyEvidence, info: NodeInfo, key: str) -> Evidence | None:
        definition = info.definition
        if definition is None:
            return None
        where = Location(info.facts.path, definition.line, definition.col + 1)
        comment = evidence.comment_above(info)
        return retirement_note(definition.docstring, comment, key, where, definition.name)

    @staticmethod
    def _static_evidence(evidence: DormancyEvidence, info: NodeInfo) -> list[Evidence]:
        found = evidence.markers(info)
        unused = evidence.vulture(info)
        if unused is not None:
            found.append(unused)
        return found

    def _finding(self, graph: CallGraph, gates: list[tuple[FlagReach, _Entry]]) -> Finding:
        reach, entry = gates[0]
        info = graph.nodes[entry.qualified]
        assert info.definition is not None
        path, line, source, target = entry.site
        call_path = [source, *graph.path(target, entry.qualified)] if target else [source]
        reasons = "; ".join(e.text for e in entry.evidence)
        flags = ", ".join(f"'{r.key}' {'on' if r.on else 'off'}" for r, _ in gates)
        message = (
            f"dormant `{info.definition.qualname}` is reachable only through "
            f"{'flags' if len(gates) > 1 else 'flag'} "
            f"{flags} (gate at {path}:{line}): {reasons}; path: {' -> '.join(call_path)}"
        )
        related: list[Location] = []
        for gate_reach, gate_entry in gates:
            gate_path, gate_line = gate_entry.site[:2]
            state = "on" if gate_reach.on else "off"
            related.append(
                Location(
                    gate_path, gate_line, 1, f"gate: flag '{gate_reach.key}' {state} calls here"
                )
            )
            related.extend(
                e.location
                for e in gate_entry.evidence
                if e.location.message
                and (e.location.path, e.location.line) != (gate_path, gate_line)
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


class _Prepared(NamedTuple):
    """What :meth:`DormantFlagPath.start` worked out for ``check``."""

    defaults: FlagDefaults
    reaches: list[FlagReach]
    evidence: DormancyEvidence
    reads_by_symbol: dict[tuple[str, str], list[int]]  # (key, reading function) -> lines


def _gate_lines(
    reach: FlagReach,
    site: tuple[str, int, str, str],
    reads_by_symbol: dict[tuple[str, str], list[int]],
) -> list[int]:
    """A gate's lines: the gated call's, and those of the key's reads in the gating function."""
    return [site[1], *reads_by_symbol.get((reach.key, site[2]), [])]


def _reads_by_symbol(project: Project) -> dict[tuple[str, str], list[int]]:
    """(flag key, reading function) -> the lines of its reads."""
    reads: dict[tuple[str, str], list[int]] = defaultdict(list)
    for read in project.inventory.reads:
        if read.key is not None:
            reads[(read.key, read.symbol)].append(read.line)
    return reads


def _age_spans(
    graph: CallGraph, sides: list[FlagReach], reads_by_symbol: dict[tuple[str, str], list[int]]
) -> dict[str, list[tuple[int, int]]]:
    """Per file, the lines whose age ``_entries`` may ask: each gated function whole, each gate.

    Every function of a side's exclusive reach, though only those met first
    going down from a gate are asked: one blame of a file's spans costs little
    more than of fewer, and an unforeseen question costs a blame of its own.
    """
    spans: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for reach in sides:
        for qualified in functions_of(graph, reach.exclusive):
            info = graph.nodes[qualified]
            if info.definition is not None:
                spans[info.facts.path].append((info.definition.line, info.definition.end_line))
        for site in reach.sites:
            spans[site[0]].extend((n, n) for n in _gate_lines(reach, site, reads_by_symbol))
    return spans


def _flipped_files(graph: CallGraph, reaches: list[FlagReach], defaults: FlagDefaults) -> set[str]:
    """The files of the sides that need their flag flipped away from its default (those
    vulture is asked about)."""
    return _files(graph, [r for r in reaches if defaults.default(r.key) is not r.on])


def _files(graph: CallGraph, sides: list[FlagReach]) -> set[str]:
    """The files that hold the sides' gated functions or their gates."""
    return {graph.nodes[q].facts.path for r in sides for q in functions_of(graph, r.exclusive)} | {
        site[0] for r in sides for site in r.sites
    }
