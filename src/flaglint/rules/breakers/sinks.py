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

Resolving is most of what answering costs, and a dotted pattern whose last
segment is a plain name (``requests.post``) can match only a name ending in
that segment. Resolution keeps the end of what it resolves, except that the
last segment may come from an import's target or an alias's value (``from
requests import post as p``, ``send = requests.post``): a call whose callee
does not end in ``post`` is resolved only when some import or alias of the
tree ends in it (see :func:`_final_words`).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from flaglint.facts.model import Call, FileFacts
from flaglint.names.resolve import Resolver

if TYPE_CHECKING:
    from flaglint.project import Project

_UNASKED = "\0"  # a call not asked about yet (no sink is spelled with a NUL)
_RESOLVE = "\1"  # a callee whose answer is its call's target's


class SinkPatterns:
    """The ``sinks`` patterns of a configuration, matched against one tree's calls."""

    def __init__(
        self,
        patterns: Sequence[str],
        resolver: Resolver,
        lender: SinkPatterns | None = None,
        lend: Callable[[], frozenset[str]] | None = None,
    ) -> None:
        """``lender``: the same patterns over another tree, whose answers for the
        files ``lend()`` gives (by path) stand for this tree's."""
        self.resolver = resolver
        self.lender = lender
        self._lend = lend
        bare = tuple(p for p in patterns if "." not in p)
        self.dotted = tuple(p for p in patterns if "." in p)
        self._bare_pattern = (
            re.compile("|".join(fnmatch.translate(p) for p in bare)) if bare else None
        )
        self._dotted_pattern = re.compile("|".join(map(fnmatch.translate, self.dotted)) or "(?!)")
        self._dotted_seen: dict[str, bool] = {}
        # The last segments a dotted pattern requires ("post" of ``requests.post``);
        # None when some pattern's last segment is not a plain name (``gateway.*``).
        tails = {p.rpartition(".")[2] for p in self.dotted}
        self._tails = frozenset(tails) if all(t.isidentifier() for t in tails) else None
        # Callee -> the answer its spelling gives, _RESOLVE when its target decides.
        self._by_callee: dict[str, str | None] = {}
        # Path -> the answer of each of the file's calls whose target decides (None:
        # no sink), _UNASKED until asked.
        self._answers: dict[str, list[str | None]] = {}

    def sink_name(self, bare: str) -> bool:
        return bool(self._bare_pattern and self._bare_pattern.match(bare))

    def direct_sink(self, facts: FileFacts, call: Call) -> str | None:
        """The sink ``call`` is by its own name or target, if any (not remembered)."""
        found = self._spelled(call.callee)
        return self._resolved(facts, call) if found == _RESOLVE else found

    def may_be_sink(self, callee: str) -> bool:
        """Whether a call spelled ``callee`` may be a sink (by its name or its target)."""
        return self._spelled(callee) is not None

    def _spelled(self, callee: str) -> str | None:
        """The answer ``callee``'s spelling gives, or _RESOLVE (remembered)."""
        found = self._by_callee.get(callee, _UNASKED)
        if found == _UNASKED:
            bare = callee.rpartition(".")[2]
            if self.sink_name(bare):
                found = bare
            elif self.dotted and (self._open_tails is None or bare in self._open_tails):
                found = _RESOLVE
            else:
                found = None
            self._by_callee[callee] = found
        return found

    def _resolved(self, facts: FileFacts, call: Call) -> str | None:
        qualified = self.resolver.call_target(facts, call)
        if self._dotted_match(qualified) or self._dotted_match(call.callee):
            return qualified
        return None

    @cached_property
    def _open_tails(self) -> frozenset[str] | None:
        """The patterns' last segments a callee must end in to be resolved; None (resolve
        every callee) when one is no plain name or an import or alias ends in one."""
        if self._tails is None or self._tails & _final_words(self.resolver):
            return None
        return self._tails

    @cached_property
    def lent(self) -> frozenset[str]:
        """Paths whose answers the lender's stand for: only when every call is resolved
        (a few resolved calls cost less than proving which files may borrow)."""
        if self._lend is None or self._open_tails is not None:
            return frozenset()
        return self._lend()

    def at(self, facts: FileFacts, index: int) -> str | None:
        """:meth:`direct_sink` of call ``index`` of ``facts``, answered once."""
        call = facts.calls[index]
        found = self._spelled(call.callee)
        if found != _RESOLVE:
            return found
        answers = self._answers.get(facts.path)
        if answers is None:
            answers = self._answers[facts.path] = self._borrowed(facts)
        found = answers[index]
        if found == _UNASKED:
            found = answers[index] = self._resolved(facts, call)
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


def _final_words(resolver: Resolver) -> set[str]:
    """Every last segment name resolution may end a name in besides its callee's own.

    :meth:`Resolver.resolve` keeps the text after a callee's first segment and
    replaces that segment (a whole dotted name of another module, when
    :meth:`Resolver.canonical` follows it) by an import's target, an alias's
    value (resolved the same way), a project module's name or a method found
    by the same name. A resolved name's last segment is therefore the callee's
    own, or the last segment of an import target, an alias value or a module name.
    """
    words: set[str] = set()
    for module, index in resolver.modules.items():
        words.add(module.rpartition(".")[2])
        words.update(target.rpartition(".")[2] for target in index.imports.values())
        words.update(target.rpartition(".")[2] for target in index.star_imports)
        words.update(b.value.rpartition(".")[2] for b in index.bindings.values() if b.value)
    return words


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
    return SinkPatterns(sinks, project.resolver, lender, lambda: same_lookups(donor, project))
