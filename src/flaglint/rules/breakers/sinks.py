"""Which calls dispatch by themselves: a sink pattern matched by name or by qualified name.

The breaker analysis asks this of every call of a tree several times over (which
functions always dispatch, which calls dispatch, which functions may reach a
sink), and a dotted pattern (``requests.post``) needs the call's target
resolved: each call is answered once per tree and remembered.

A ``--base`` tree takes the answers of the tree it is the base of for the files
whose name lookups cannot differ between the two: the same content, and no
name whose bindings changed spelled in them nor on the way to a class's bases
(:func:`flaglint.callgraph.incremental.reusable`, the test the call graph
reuses a file's resolved edges by). A call's answer reads only its own file's
spelling and the resolution of its callee, so such a file's answers are the
same in both trees.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from flaglint.facts.model import Call, FileFacts
from flaglint.names.resolve import Resolver

if TYPE_CHECKING:
    from flaglint.project import Project

_UNASKED = "\0"  # a call not asked about yet (no sink is spelled with a NUL)


class SinkPatterns:
    """The ``sinks`` patterns of a configuration, matched against one tree's calls."""

    def __init__(
        self,
        patterns: Sequence[str],
        resolver: Resolver,
        lender: SinkPatterns | None = None,
        lent: frozenset[str] = frozenset(),
    ) -> None:
        """``lender``: the same patterns over another tree, whose answers for the
        files ``lent`` (by path) stand for this tree's."""
        self.resolver = resolver
        self.lender = lender
        self.lent = lent
        bare = tuple(p for p in patterns if "." not in p)
        self.dotted = tuple(p for p in patterns if "." in p)
        self._bare_pattern = (
            re.compile("|".join(fnmatch.translate(p) for p in bare)) if bare else None
        )
        self._dotted_pattern = re.compile("|".join(map(fnmatch.translate, self.dotted)) or "(?!)")
        self._bare_seen: dict[str, bool] = {}
        self._dotted_seen: dict[str, bool] = {}
        # Path -> the sink each call of the file reaches directly (None: none),
        # _UNASKED until asked.
        self._answers: dict[str, list[str | None]] = {}

    def sink_name(self, bare: str) -> bool:
        return bool(self._bare_pattern and self._bare_pattern.match(bare))

    def direct_sink(self, facts: FileFacts, call: Call) -> str | None:
        """The sink ``call`` is by its own name or target, if any (not remembered)."""
        bare = call.callee.rpartition(".")[2]
        matched = self._bare_seen.get(bare)
        if matched is None:
            matched = self._bare_seen[bare] = self.sink_name(bare)
        if matched:
            return bare
        if self.dotted:
            qualified = self.resolver.call_target(facts, call)
            if self._dotted_match(qualified) or self._dotted_match(call.callee):
                return qualified
        return None

    def at(self, facts: FileFacts, index: int) -> str | None:
        """:meth:`direct_sink` of call ``index`` of ``facts``, answered once."""
        answers = self._answers.get(facts.path)
        if answers is None:
            answers = self._answers[facts.path] = self._borrowed(facts)
        found = answers[index]
        if found == _UNASKED:
            found = answers[index] = self.direct_sink(facts, facts.calls[index])
        return found

    def _borrowed(self, facts: FileFacts) -> list[str | None]:
        """The lender's answers for a file lent, as a copy (the two trees ask different
        calls of it); every call unasked otherwise."""
        if self.lender is not None and facts.path in self.lent:
            answers = self.lender._answers.get(facts.path)
            if answers is not None and len(answers) == len(facts.calls):
                return list(answers)
        return [_UNASKED] * len(facts.calls)

    def _dotted_match(self, name: str) -> bool:
        """Whether a dotted sink pattern matches ``name`` (one regular expression, memoised)."""
        if name not in self._dotted_seen:
            self._dotted_seen[name] = bool(self._dotted_pattern.match(name))
        return self._dotted_seen[name]


def same_lookups(lender: Project, project: Project) -> frozenset[str]:
    """Paths of ``project`` whose content and every name lookup are ``lender``'s."""
    from flaglint.callgraph import incremental

    old = {f.path: f for f in lender.files if f.error is None}
    blobs, old_blobs = project.blob_ids, lender.blob_ids

    def same(facts: FileFacts) -> bool:
        blob = blobs.get(facts.path)
        return blob is not None and old_blobs.get(facts.path) == blob

    modules = {path: facts.module for path, facts in old.items()}
    kept = incremental.reusable(modules, old.get, dict.fromkeys(old, []), project.files, same)
    return frozenset(kept)


def tree_patterns(project: Project, lender: SinkPatterns | None = None) -> SinkPatterns:
    """The configured sinks over ``project``, borrowing ``lender``'s answers (those of
    the tree ``project`` is the base of) where they hold."""
    sinks = project.config.sinks
    # Without a dotted pattern a call's answer is its name's: nothing to resolve.
    dotted = any("." in p for p in sinks)
    donor = project.edge_donor
    if not dotted or lender is None or donor is None or donor.config.sinks != sinks:
        return SinkPatterns(sinks, project.resolver)
    return SinkPatterns(sinks, project.resolver, lender, same_lookups(donor, project))
