"""Comments that call one side of a gate, or a function, the old one: "# Old behavior"."""

from __future__ import annotations

import re

# A comment opening one side of a gate that calls it the old one: "# Old behavior",
# "# Legacy path (pre-Phase 3): ...", "# old way of doing it".
_OLD = r"(?:old|legacy|previous|deprecated|obsolete)\b[\w\s-]{0,20}?"
_BEHAVIOUR = r"\b(?:behaviou?r|path|way|code|flow|implementation|logic|approach|pipeline)\b"
_OLD_SIDE = re.compile("^" + _OLD + _BEHAVIOUR, re.IGNORECASE)
# A description that says its own function is the old way of doing something: "This is
# the old behavior and the one we want to get rid of", "This method was the legacy
# implementation"; not "reads rows in the old format" (a noun of data, not of behaviour)
# nor "the old path is kept for X" (no subject that is the function itself). A bare "it"
# is the function only as the description's first word: later, "Before X existed, it was
# the old behaviour of pip that ran here" is about something the text named.
_SELF_OLD = re.compile(
    r"(?:(?<!\w)this(?:\s+(?:function|method|class|helper|view|task))?|^it)\s+"
    r"(?:is|was)\s+(?:now\s+)?(?:the|an?|our)\s+" + _OLD + _BEHAVIOUR,
    re.IGNORECASE,
)
# How far above a call its side's label may sit, at most.
_LABEL_REACH = 60


def side_label(lines: list[str], call_line: int, gate_lines: list[int]) -> str:
    """The comment labelling the side of a gate that holds ``call_line`` as the old one, or "".

    Among the comment lines between the gate's read (the nearest one above the
    call) and the call, the last one indented no deeper than the call, with no
    ``else``/``elif`` after it, opens the call's side; it counts when it says
    that side is the old behaviour or path.
    """
    above = [g for g in gate_lines if g < call_line]
    if not above:
        return ""
    start = max(max(above), call_line - _LABEL_REACH)
    if call_line > len(lines):
        return ""
    call_text = lines[call_line - 1]
    indent = len(call_text) - len(call_text.lstrip())
    label = ""
    for text in lines[start : call_line - 1]:
        stripped = text.strip()
        depth = len(text) - len(text.lstrip())
        if stripped.startswith("#") and depth <= indent:
            label = stripped.lstrip("#").strip()
        elif depth < indent and re.match(r"(?:else|elif)\b", stripped):
            label = ""  # another side begins after the label: not the call's side
    return label if _OLD_SIDE.match(label) else ""


def calls_itself_old(text: str) -> str:
    """The phrase in a docstring or leading comment calling its own function the old way, or ""."""
    match = _SELF_OLD.search(" ".join(text.split()))
    return match.group(0) if match else ""
