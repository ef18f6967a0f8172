"""Expectations written inside fixture files, next to the code they describe.

Inventory markers (``# read: KEY``, ``# read: KEY (provider)``, ``# dynamic-read``,
``# no-read``, ``# gated: KEY on|off``, ``# not-gated``, ``# branch: KEY on|off|mixed``:
the test on this line decides code by KEY, ``# no-branch``), call-graph markers
(``# calls: pkg.mod.func``: an edge from the enclosing node with a site on
this line; ``# calls-none``: no edge into the project from this line) and rule markers
(``# expect: FL101``, ``# expect: FL101 power_peg`` naming the symbol,
``# ok: FL101``, ``# todo-expect: FL101``). Several markers on a line are
separated by ``;``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

MARKER = re.compile(
    r"#\s*(read|dynamic-read|no-read|gated|not-gated|no-branch|branch"
    r"|calls-none|calls|expect|ok|todo-expect)"
    r"\b:?\s*([^;#]*)"
)


@dataclass(frozen=True)
class Marker:
    path: str
    line: int
    kind: str
    value: str


def parse_markers(root: Path) -> list[Marker]:
    markers = []
    for file in sorted(root.rglob("*.py")):
        rel = file.relative_to(root).as_posix()
        for number, text in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if "#" not in text:
                continue
            comment = text[text.index("#") :]
            for match in MARKER.finditer(comment):
                markers.append(Marker(rel, number, match.group(1), match.group(2).strip()))
    return markers
