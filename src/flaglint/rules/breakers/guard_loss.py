"""Limit checks that guarded a dispatch at ``--base`` and no longer do (FL302).

For each function that dispatches at both revisions, the checks that were in
force at *every* base dispatch of the same sink are looked for at each
dispatch now. A check counts as kept when a check with the same test, or
with the same bound and no weaker (a sum compared at base is still a sum),
is in force there: inline, in a helper that runs first, inside the function
the dispatch goes through (before its every dispatch), or in every caller of
the function. Otherwise the dispatch lost it: deleted, moved out of the loop
(tested once instead of on every pass), weakened, moved into a caller that not
every path goes through, or left guarding another branch only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flaglint.rules.breakers.dispatch_guards import Dispatch, DispatchGuards, dispatch_guards
from flaglint.rules.breakers.guard_flow import Dominating, LineGuards
from flaglint.rules.breakers.latches import while_flat
from flaglint.rules.breakers.limits import Limit, name_words

if TYPE_CHECKING:
    from flaglint.project import Project


@dataclass(frozen=True, slots=True)
class LostGuard:
    """A dispatch now, and the limit check that guarded it at the base revision."""

    dispatch: Dispatch
    symbol: str
    limit: Limit
    how: str


def lost_guards(project: Project, base: Project) -> Iterator[LostGuard]:
    head = dispatch_guards(project)
    before = dispatch_guards(base)
    shared = sorted(set(head.sites) & set(before.sites))
    before.sources.prefetch(sorted({before.sites[s][0].facts.path for s in shared}))
    for symbol in shared:
        base_sites = before.sites[symbol]
        base_guards = before.guards_at(symbol, {d.line for d in base_sites})
        if not any(g.checks for g in base_guards.values()):
            continue
        head_sites = head.sites[symbol]
        head_guards = head.guards_at(symbol, {d.line for d in head_sites})
        reported: set[int] = set()
        for dispatch in head_sites:
            if dispatch.line in reported:
                continue
            now = head_guards.get(dispatch.line, LineGuards(0, ()))
            if dispatch.via:  # what the function it dispatches through checks first
                inner = head.inner_checks(dispatch.via)
                now = LineGuards(now.loops + inner.loops, now.checks + inner.checks)
            same = _counterparts(dispatch, head_sites, base_sites)
            lost: list[LostGuard] = []
            for was in _common([base_guards.get(d.line, LineGuards(0, ())) for d in same]):
                how = _how_lost(was, now)
                if how and _while_flat(head, dispatch, was.limit):
                    how = ""  # a position count now tested as "nothing held"
                if how and was.per_pass is False:
                    how = _followed(head, symbol, was.limit, how)
                if how:
                    where = _elsewhere(head, symbol, dispatch, head_guards, head_sites, was.limit)
                    if how == "removed" and where.startswith("; it still guards"):
                        how = "moved into another branch"
                    if how == "removed" and where.startswith("; moved into"):
                        how, where = where[2:], ""
                    elif where.startswith("; moved into"):  # tested there, once per call
                        where = where.partition(",")[0]
                    how += where
                    lost.append(LostGuard(dispatch, symbol, was.limit, how))
            if lost:
                # The check written closest to the dispatch names the loss best.
                reported.add(dispatch.line)
                yield min(lost, key=_closest)


def _while_flat(head: DispatchGuards, dispatch: Dispatch, limit: Limit) -> bool:
    """A bound on a position count (``len(positions) <= 1``) whose dispatch now runs
    only while no position is open (``len(positions) == 0``, ``not positions``)."""
    words = frozenset(head.project.config.position_words)
    if not any(set(name_words(term)) & words for term in limit.terms):
        return False
    call = dispatch.facts.calls[dispatch.index]
    function = head.sources.code_of(dispatch.facts.path, call.scope)
    if function is None:
        return False
    return while_flat(function, dispatch.line, words, head.analysis.sink_name)


def _counterparts(
    dispatch: Dispatch, head_sites: list[Dispatch], base_sites: list[Dispatch]
) -> list[Dispatch]:
    """The base dispatches this one continues.

    The same sink; among several, the one in the same place when the function
    has as many of them as before, else those with the most arguments alike.
    With none of the same sink (a new kind of dispatch), every base dispatch:
    what guarded all of them should guard the new one too.
    """
    same = [d for d in base_sites if d.sink == dispatch.sink]
    if len(same) <= 1:
        return same or base_sites
    now = [d for d in head_sites if d.sink == dispatch.sink]
    if len(now) == len(same):
        return [same[now.index(dispatch)]]
    args = set(_arguments(dispatch))
    scores = [len(args & set(_arguments(d))) for d in same]
    best = max(scores)
    return [d for d, score in zip(same, scores, strict=True) if score == best]


def _arguments(dispatch: Dispatch) -> list[tuple[str | None, str]]:
    return [(a.keyword, a.text) for a in dispatch.facts.calls[dispatch.index].args]


def _closest(lost: LostGuard) -> tuple[bool, int, str, int]:
    limit = lost.limit
    return (not limit.compares, len(limit.via), limit.path, limit.line)


def _common(lines: list[LineGuards]) -> list[Dominating]:
    """The checks in force at every one of ``lines`` (by their test), first line's order."""
    if not lines:
        return []
    common = []
    for check in lines[0].checks:
        if all(any(c.limit.text == check.limit.text for c in g.checks) for g in lines[1:]):
            if all(c.limit.text != check.limit.text for c in common):
                common.append(check)
    return [Dominating(c.limit, c.per_pass) for c in common]


def _how_lost(was: Dominating, now: LineGuards) -> str:
    kept = [c for c in now.checks if was.limit.kept_by(c.limit)]
    if kept:
        if was.per_pass and now.loops and not any(c.per_pass for c in kept):
            return "moved out of the loop: it is tested once, not before each dispatch"
        return ""
    weaker = [c for c in now.checks if was.limit.terms & c.limit.terms]
    if weaker:
        other = weaker[0].limit
        return (
            f"weakened to `{other.text}` ({other.where()}), which no longer counts "
            "what this dispatch adds"
        )
    return "removed"


def _followed(head: DispatchGuards, symbol: str, limit: Limit, how: str) -> str:
    """An empty string when every caller of ``symbol`` now checks the limit first, else ``how``."""
    callers = [(s, line) for s, line in head.callers.get(symbol, ()) if s != symbol]
    if not callers:
        return how
    keeping, bypassing = [], []
    for source, line in callers:
        guards = head.guards_at(source, {line}).get(line, LineGuards(0, ()))
        if any(limit.kept_by(c.limit) for c in guards.checks):
            keeping.append(source.rpartition(".")[2])
        else:
            bypassing.append(source.rpartition(".")[2])
    if not keeping:
        return how
    if not bypassing:
        return ""
    return (
        f"moved into the caller `{keeping[0]}`, but `{bypassing[0]}` calls "
        f"`{symbol.rpartition('.')[2]}` without it"
    )


def _elsewhere(
    head: DispatchGuards,
    symbol: str,
    dispatch: Dispatch,
    guards: dict[int, LineGuards],
    sites: list[Dispatch],
    limit: Limit,
) -> str:
    """Where the check went, when it is still in the function or its file."""
    for other in sites:
        if other.line != dispatch.line and any(
            limit.kept_by(c.limit) for c in guards.get(other.line, LineGuards(0, ())).checks
        ):
            return f"; it still guards `{other.callee}` (line {other.line}) but not this call"
    local = symbol[len(dispatch.facts.module) + 1 :]
    holders = [h for h in head.limits_in_file(dispatch.facts.path, limit.text) if h != local]
    if holders:
        return f"; the test is now in `{holders[0]}`, which does not run before this call"
    info = head.graph.nodes.get(dispatch.via) if dispatch.via else None
    if info is not None:
        inside = dispatch.via[len(info.facts.module) + 1 :]
        if inside in head.limits_in_file(info.facts.path, limit.text):
            name = inside.rpartition(".")[2]
            return f"; moved into `{name}`, which does not test it before every dispatch"
    return ""
