"""How the circuit-breaker rules describe a dispatch, its context and the bound it lacks.

Findings speak in the sink's own terms: an order, a task, a request or a
message, read from the sink's name; "dispatch" when the name says nothing.
"""

from __future__ import annotations

import re

from flaglint.rules.breakers.analysis import Assessment

# (pattern over the sink's name, singular, plural); the first match wins.
_KINDS = (
    (r"order|buy|sell|trade|entry|exit|position", "order", "orders"),
    (r"delay|apply_async|send_task|enqueue|task|job", "task", "tasks"),
    (r"post|put|patch|request|webhook|urlopen|http|fetch", "request", "requests"),
    (r"send|mail|message|notif|sms|email|publish|alert|push|emit|notify", "message", "messages"),
)


def _kind(sink: str) -> tuple[str, str]:
    name = sink.rpartition(".")[2].lower()
    for pattern, one, many in _KINDS:
        if re.search(pattern, name):
            return one, many
    return "dispatch", "dispatches"


def kind_plural(sink: str) -> str:
    return _kind(sink)[1]


def dispatch_words(sink: str, via: str) -> str:
    through = f" (through `{via.rpartition('.')[2]}`)" if via else ""
    return f"`{sink.rpartition('.')[2]}`{through}"


def sink_words(assessment: Assessment) -> str:
    return dispatch_words(assessment.sink, assessment.via)


def missing_words(assessment: Assessment, constants: bool = True) -> str:
    one, many = _kind(assessment.sink)
    if assessment.kind == "loop":
        if one == "order":
            subject = f"`{assessment.subject}`" if assessment.subject else "the order"
            text = f"no cumulative bound: nothing stops this loop once {subject} is filled"
        else:
            about = f" for `{assessment.subject}`" if assessment.subject else ""
            text = f"no cumulative bound: nothing limits how many {many} this loop sends{about}"
    elif assessment.kind == "handler":
        text = (
            f"no cumulative bound: every event sends another {one}, and nothing limits how "
            f"many {many} the handler sends in total"
        )
    else:
        text = f"no cumulative bound: nothing stops the recursion sending {many}"
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
