"""What every rule is: a code, a name, a severity, a self-documenting docstring."""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, ClassVar, TypeVar

from flaglint.findings import Finding, Severity

if TYPE_CHECKING:
    from flaglint.project import Project

SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")


class Rule:
    """Base class: subclasses set the class attributes and implement :meth:`check`."""

    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.WARNING
    # Reads ``project.base`` (the tree at ``--base REV``); quiet when it is None.
    needs_history: ClassVar[bool] = False
    # True when the rule gives the same answer on a project of one file, so a
    # per-file host (an editor, the flake8 plugin) may run it file by file.
    single_file: ClassVar[bool] = False
    # True when the rule only reads the project (its facts, graph and base) and leaves
    # nothing another rule reads: it may run in a forked child while the others run.
    aside: ClassVar[bool] = False
    # False when the rule never asks for the call graph (a rule that does builds it).
    uses_graph: ClassVar[bool] = True
    summary: ClassVar[str] = ""

    def check(self, project: Project) -> Iterable[Finding]:
        raise NotImplementedError

    def start(self, project: Project) -> bool:
        """Begin slow work outside Python (git, subprocesses) that :meth:`check` will wait on.

        Called on every selected rule before any ``check``; a rule that returns
        True is checked after the rules that did not, so their work overlaps its
        wait (FL101's blames run while the other rules do). The default starts nothing.
        """
        return False

    def finding(
        self,
        path: str,
        line: int,
        column: int,
        message: str,
        *,
        symbol: str = "",
        flag: str = "",
        end_line: int = 0,
        related: tuple = (),
    ) -> Finding:
        return Finding(
            rule=self.code,
            name=self.name,
            severity=self.severity,
            path=path,
            line=line,
            column=column,
            message=message,
            symbol=symbol,
            flag=flag,
            end_line=end_line or line,
            related=related,
        )

    @classmethod
    def documentation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def sections(cls) -> dict[str, str]:
        """The docstring split by its ``## Heading`` sections."""
        found: dict[str, str] = {}
        current = ""
        for line in cls.documentation().splitlines():
            if line.startswith("## "):
                current = line[3:].strip()
                found[current] = ""
            elif current:
                found[current] += line + "\n"
        return {k: v.strip() for k, v in found.items()}


def and_more(names: Sequence[str], limit: int = 3) -> str:
    """``a, b, c and 2 more``: the first ``limit`` names and how many were left out."""
    extra = len(names) - limit
    return ", ".join(names[:limit]) + (f" and {extra} more" if extra > 0 else "")


def iter_selected(
    rules: Iterable[type[Rule]], select: Iterable[str], ignore: Iterable[str]
) -> Iterator[type[Rule]]:
    """Rules chosen by code prefixes: ``FL1`` selects FL101 and FL104; ``ALL`` everything.

    The most specific selector wins, as in flake8 and ruff: ``--select FL301
    --ignore FL3`` runs FL301, ``--select FL3 --ignore FL301`` runs the rest of
    FL3. On a tie ``ignore`` wins.
    """
    select = tuple(select) or ("ALL",)
    ignore = tuple(ignore)
    for rule in rules:
        chosen = specificity(rule, select)
        if chosen >= 0 and chosen > specificity(rule, ignore):
            yield rule


def specificity(rule: type[Rule], selectors: Iterable[str]) -> int:
    """How closely the best of ``selectors`` names ``rule``: -1 none, 0 ``ALL``, else its length.

    A rule's name is as specific as its full code.
    """
    best = -1
    for selector in selectors:
        if selector == "ALL":
            best = max(best, 0)
        elif rule.name == selector:
            best = max(best, len(rule.code))
        elif rule.code.startswith(selector):
            best = max(best, len(selector))
    return best


_T = TypeVar("_T")


def per_project(build: Callable[[Project], _T]) -> Callable[[Project], _T]:
    """``build(project)`` computed once per project object and shared by the rules that ask.

    Keyed weakly: a project (a head tree, a ``--base`` tree) takes its result with it.
    """
    cache: weakref.WeakKeyDictionary[Project, _T] = weakref.WeakKeyDictionary()

    def get(project: Project) -> _T:
        found = cache.get(project)
        if found is None:
            found = cache[project] = build(project)
        return found

    get.__doc__ = f"{build.__name__}(project), computed once per project object."
    get.built = cache.__contains__  # type: ignore[attr-defined]
    return get


def built(shared: Callable[[Project], object], project: Project) -> bool:
    """Whether a :func:`per_project` result was computed for ``project`` already."""
    return bool(shared.built(project))  # type: ignore[attr-defined]
