"""FL201: a flag key whose gated code means something else than it did at the base revision."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flaglint.callgraph import HUB_PREFIX, CallGraph, FlagReach
from flaglint.facts.parse import parse_source
from flaglint.findings import Finding, Location, Severity
from flaglint.rules.base import Rule, and_more

if TYPE_CHECKING:
    from flaglint.flags.model import FlagRead
    from flaglint.project import Project

MAX_NAMES = 3
MAX_RELATED = 4


@dataclass(frozen=True)
class Meaning:
    """What one polarity of a key runs at one revision: its gated and exclusive functions."""

    functions: frozenset[str]
    exclusive: frozenset[str]
    reach: FlagReach


@dataclass(frozen=True)
class Repurposing:
    """One polarity of a key whose meaning at head shares nothing with its meaning at base."""

    on: bool
    before: list[str]  # functions that meant the key at base and do not at head
    after: list[str]  # functions that mean it at head and did not at base
    base: Meaning
    head: Meaning
    replaced: bool  # the base code was deleted (shared helpers aside) rather than left


class FlagRepurposed(Rule):
    """A flag key that gates different code at head than at the base revision.

    ## What it does
    With `check --base REV`, compares each flag key read at both REV and head.
    For each polarity (on and off) it takes the functions called directly in
    the gated regions and the functions only the flag reaches (exclusive
    reach), and reports the key when:

    - the two revisions share none of those functions, or
    - the code the flag alone reached at REV was deleted and different code
      took its place under the same key (helpers called directly at both
      revisions, such as a logging call, do not hide the swap).

    Only the side the flag is set to is compared: the default side (off,
    unless a read gives `True` as the default) is what every server runs
    until someone sets the flag, ordinary code that changes with any deploy.

    Helpers deep in both paths (a venue gateway that both reach) are not
    compared: they do not make the meaning the same. A key whose gated code
    merely grew is not reported, and a function moved to another module or
    class (a function made a method too) or renamed without changing its
    body's shape (parameters, length, docstring and the functions it calls)
    counts as the same function. A check moved from the caller into the
    function it guarded (``if not flag: return`` at its top), or back out,
    keeps the meaning: the code gated inside is that function's body.

    ## Why is this bad?
    During a deploy, old and new code run side by side. On 1 August 2012 one
    of Knight Capital's eight servers still ran the old binary, for which the
    reused flag meant "run Power Peg"; the new binary read it as "route
    retail-liquidity orders". Turning the flag on for the new feature started
    Power Peg on the old server. A repurposed key is wrong for exactly as long
    as any process, cache or config still holds the old code.

    ## Example
    ```python
    # at REV
    if client.variation("smars-peg-mode", ctx, False):
        power_peg(order)
    # at head: FL201, the same key now means something else
    if client.variation("smars-peg-mode", ctx, False):
        rlp_route(order)
    ```

    ## Use instead
    ```python
    if client.variation("smars-rlp-route", ctx, False):  # a new key for a new meaning
        rlp_route(order)
    ```
    Retire the old key everywhere first (remove its reads, then its
    definition), and never give a retired key a second life.
    """

    code = "FL201"
    name = "flag-repurposed"
    severity = Severity.ERROR
    needs_history = True
    summary = "A flag key gates unrelated code compared with the base revision."

    def check(self, project: Project) -> Iterator[Finding]:
        base = project.base
        if base is None:
            return
        head_keys = project.inventory.keys()
        base_keys = base.inventory.keys()
        head_gates = project.inventory.gates_by_key()
        base_gates = base.inventory.gates_by_key()
        calls: dict[str, list[ast.Call] | None] = {}
        for key in sorted(set(head_keys) & set(base_keys)):
            differing = []
            for on in (True, False):
                side = "on" if on else "off"
                before = base_gates.get(key, {}).get(side, [])
                after = head_gates.get(key, {}).get(side, [])
                # Same gated call targets: same meaning, and no graph query needed.
                if before and after and before != after:
                    differing.append(on)
            if not differing:
                continue  # the default side is asked for only when a side changed
            default = default_state(project, head_keys[key], calls)
            found = []
            # The default side is what every server runs until the flag is set:
            # ordinary code.
            for on in (o for o in differing if o != default):
                change = compare(base.graph, project.graph, key, on)
                if change is not None:
                    found.append(change)
            if found:
                yield self._finding(project, base, key, found)

    def _finding(
        self, project: Project, base: Project, key: str, changes: list[Repurposing]
    ) -> Finding:
        label = base.label
        clauses = []
        for change in changes:
            state = "on" if change.on else "off"
            before = _main(change.before, change.base.reach)
            after = _main(change.after, change.head.reach)
            clauses.append(
                f"servers still running {label} will run {_names(project, before, base)} "
                f"when '{key}' is {state}; at head it means {_names(project, after)}"
            )
        replaced = any(c.replaced for c in changes)
        message = (
            "; ".join(clauses)
            + (". The old code was deleted and replaced under the same key" if replaced else "")
            + ". Use a new flag key."
        )
        first = changes[0]
        read = _anchor_read(project, key, first.head.reach, first.after)
        related: list[Location] = []
        for change in changes:
            for path, line, _, target in _sites(change.base.reach, change.before)[:MAX_RELATED]:
                related.append(
                    Location(
                        path,
                        line,
                        1,
                        f"at {label} the flag gates {_short(base.graph, target)}",
                        base.label,
                    )
                )
            for path, line, _, target in _sites(change.head.reach, change.after)[:MAX_RELATED]:
                related.append(
                    Location(path, line, 1, f"at head it gates {_short(project.graph, target)}")
                )
            related.extend(_definitions(base.graph, change.before, change.base, label, label))
            related.extend(_definitions(project.graph, change.after, change.head, "head", ""))
        return self.finding(
            read[0],
            read[1],
            read[2],
            message,
            symbol=read[3],
            flag=key,
            related=tuple(dict.fromkeys(related)),
        )


_DEFAULT_KEYWORDS = frozenset({"default", "default_value", "fallback", "fallback_value"})


def default_state(
    project: Project,
    reads: Iterable[FlagRead],
    calls: dict[str, list[ast.Call] | None] | None = None,
) -> bool:
    """The state a key has when nobody set it: on only when a read says so.

    ``variation(key, ctx, True)``, ``env.bool(key, default=True)``,
    ``getattr(settings, key, True)``: a literal ``True`` given as the default
    in the call that reads the key. Reads that name no default (a setting,
    ``is_enabled(key)``) leave it off. ``calls`` keeps each file's calls
    between keys (a file read by many keys is parsed once).
    """
    calls = {} if calls is None else calls
    for read in reads:
        if read.path not in calls:
            tree = _parsed(project.source(read.path))
            calls[read.path] = (
                None if tree is None else [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
            )
        found = calls[read.path]
        if found is None:
            continue
        for call in found:
            if not call.lineno <= read.line <= (call.end_lineno or call.lineno):
                continue
            values = [*call.args, *(k.value for k in call.keywords)]
            if not any(isinstance(v, ast.Constant) and v.value == read.key for v in values):
                continue  # only the call that reads the key says its default
            given = [k.value for k in call.keywords if k.arg in _DEFAULT_KEYWORDS]
            given += call.args[1:]
            if any(isinstance(v, ast.Constant) and v.value is True for v in given):
                return not read.negated
    return False


def _parsed(source: bytes | None) -> ast.Module | None:
    if source is None:
        return None
    try:
        return parse_source(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def meaning(graph: CallGraph, key: str, on: bool) -> Meaning:
    reach = graph.reach(key, on)
    functions = frozenset(
        n for n in reach.direct | reach.exclusive if graph.nodes.get(n) is not None
    )
    return Meaning(functions, frozenset(reach.exclusive), reach)


def compare(base: CallGraph, head: CallGraph, key: str, on: bool) -> Repurposing | None:
    """How one polarity of ``key`` changed meaning between two graphs, if it did."""
    old, new = meaning(base, key, on), meaning(head, key, on)
    if not old.functions or not new.functions:
        return None
    matcher = _Matcher(base, head)
    shared_old = {b for b in old.functions if any(matcher.same(b, h) for h in new.functions)}
    shared_new = {h for h in new.functions if any(matcher.same(b, h) for b in old.functions)}
    # The check moved into the function it guarded (``if not flag: return`` at its
    # top) or out of it into its caller: what is gated there is that function's body.
    for old_fn, new_source in _moved_guards(matcher, old.functions, new.reach.sites, True):
        shared_old.add(old_fn)
        shared_new.update(_targets(new.reach.sites, new_source))
    for old_source, new_fn in _moved_guards(matcher, new.functions, old.reach.sites, False):
        shared_new.add(new_fn)
        shared_old.update(_targets(old.reach.sites, old_source))
    before = _ordered(old.functions - shared_old, old.reach)
    after = _ordered(new.functions - shared_new, new.reach)
    if not shared_old:
        return Repurposing(on, before, after, old, new, replaced=False)
    # Shared direct helpers (logging, metrics) aside: was the code only the
    # flag reached at base deleted, and something new put under the key?
    gone = [b for b in old.exclusive if not matcher.survives(b)]
    fresh = [h for h in new.exclusive if h in after]
    if old.exclusive and len(gone) == len(old.exclusive) and fresh:
        return Repurposing(
            on, _ordered(gone, old.reach), _ordered(fresh, new.reach), old, new, replaced=True
        )
    return None


def _moved_guards(
    matcher: _Matcher,
    gated: frozenset[str],
    sites: list[tuple[str, int, str, str]],
    into: bool,
) -> list[tuple[str, str]]:
    """(base, head) pairs of one function gated by the flag on one side and holding
    the flag's check on the other: ``into`` when the check moved into the function."""
    pairs = []
    for source in sorted({site[2] for site in sites}):
        for function in sorted(gated):
            if matcher.same(*((function, source) if into else (source, function))):
                pairs.append((function, source) if into else (source, function))
    return pairs


def _targets(sites: list[tuple[str, int, str, str]], source: str) -> set[str]:
    return {site[3] for site in sites if site[2] == source}


def _main(functions: list[str], reach: FlagReach) -> list[str]:
    """The functions called right in the gated region, when there are any."""
    return [f for f in functions if f in reach.direct] or functions


def _ordered(functions: Iterable[str], reach: FlagReach) -> list[str]:
    """Functions called right in the gated region first, then what only they reach."""
    return sorted(functions, key=lambda f: (f not in reach.direct, f))


class _Matcher:
    """Whether a function at base is still 'the same function' at head."""

    def __init__(self, base: CallGraph, head: CallGraph) -> None:
        self.base, self.head = base, head
        self._head_names: dict[str, list[str]] = {}
        for qualified, info in head.nodes.items():
            if info.kind in ("function", "method"):
                self._head_names.setdefault(qualified.rpartition(".")[2], []).append(qualified)

    def same(self, old: str, new: str) -> bool:
        if old == new:
            return True
        old_info, new_info = self.base.nodes.get(old), self.head.nodes.get(new)
        if old_info is None or new_info is None:
            return False
        kinds = {old_info.kind, new_info.kind}
        if len(kinds) > 1 and kinds != {"function", "method"}:
            return False
        if old.rpartition(".")[2] == new.rpartition(".")[2]:
            return True  # moved to another module or class (a function made a method too)
        if len(kinds) > 1:
            return False
        old_def, new_def = old_info.definition, new_info.definition
        if old_def is None or new_def is None:
            return False
        # A rename keeps the body: same parameters, length, docstring and callees.
        if (old_def.params, old_def.docstring, old_def.end_line - old_def.line) != (
            new_def.params,
            new_def.docstring,
            new_def.end_line - new_def.line,
        ):
            return False
        old_calls, new_calls = _callee_names(self.base, old), _callee_names(self.head, new)
        return bool(old_calls) and old_calls == new_calls

    def survives(self, old: str) -> bool:
        if old in self.head.nodes:
            return True
        return any(self.same(old, new) for new in self._head_names.get(old.rpartition(".")[2], []))


def _callee_names(graph: CallGraph, qualified: str) -> frozenset[str]:
    return frozenset(
        c[len(HUB_PREFIX) :] if c.startswith(HUB_PREFIX) else c.rpartition(".")[2]
        for c in graph.callees(qualified)
    )


def _sites(reach: FlagReach, targets: list[str]) -> list[tuple[str, int, str, str]]:
    wanted = set(targets)
    chosen = [s for s in reach.sites if s[3] in wanted]
    return chosen or reach.sites


def _anchor_read(
    project: Project, key: str, reach: FlagReach, after: list[str]
) -> tuple[str, int, int, str]:
    """The head read that guards the new meaning: the one nearest above its gate site."""
    reads = project.inventory.keys()[key]
    for path, line, source, _ in _sites(reach, after):
        above = [r for r in reads if r.path == path and r.line <= line and r.symbol == source]
        if above:
            read = max(above, key=lambda r: (r.line, r.column))
            return read.path, read.line, read.column, read.symbol
    read = reads[0]
    return read.path, read.line, read.column, read.symbol


def _definitions(
    graph: CallGraph, functions: list[str], meaning: Meaning, where: str, revision: str
) -> list[Location]:
    """Where the functions of one side of the change are defined (its reach, for reviewers)."""
    out = []
    for qualified in functions[:MAX_RELATED]:
        info = graph.nodes.get(qualified)
        if info is None or info.definition is None:
            continue
        only = " only through the flag" if qualified in meaning.exclusive else ""
        out.append(
            Location(
                info.facts.path,
                info.definition.line,
                info.definition.col + 1,
                f"at {where} the flag reaches {_short(graph, qualified)}{only}",
                revision,
            )
        )
    return out


def _short(graph: CallGraph, qualified: str) -> str:
    info = graph.nodes.get(qualified)
    if info is not None and info.definition is not None:
        return f"`{info.definition.qualname}`"
    return f"`{qualified}`"


def _names(project: Project, functions: list[str], base: Project | None = None) -> str:
    graph = (base or project).graph
    shown = [_short(graph, f) for f in functions[:MAX_NAMES]]
    return and_more(shown + functions[MAX_NAMES:], MAX_NAMES)
