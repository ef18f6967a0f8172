"""How the circuit-breaker rules describe a dispatch, its context and the bound it lacks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flaglint.rules.breakers.analysis import Assessment

if TYPE_CHECKING:
    pass


def sink_words(assessment: Assessment) -> str:
    via = f" (through `{assessment.via.rpartition('.')[2]}`)" if assessment.via else ""
    return f"`{assessment.sink}`{via}"


def missing_words(assessment: Assessment, constants: bool = True) -> str:
    subject = f"`{assessment.subject}`" if assessment.subject else "the order"
    if assessment.kind == "loop":
        text = f"no cumulative bound: nothing stops this loop once {subject} is filled"
    elif assessment.kind == "handler":
        text = (
            "no cumulative bound: every event sends again, and nothing limits how much "
            "the handler sends in total"
        )
    else:
        text = f"no cumulative bound: nothing stops the recursion once {subject} is filled"
    if constants and assessment.constant_predicates:
        names = ", ".join(f"`{p.rpartition('.')[2]}()`" for p in assessment.constant_predicates)
        text += f"; the breaker {names} returns a constant and can never trip"
    return text


def context_words(assessment: Assessment) -> str:
    if assessment.kind == "loop":
        return f"on every pass of the {assessment.description}"
    if assessment.kind == "handler":
        return f"on every call of the {assessment.description}"
    return f"on every round of the {assessment.description}"
