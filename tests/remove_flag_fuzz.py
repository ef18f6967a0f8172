"""Programs of our own, generated at random, to check that ``remove-flag`` keeps behaviour.

Each program reads one django-waffle switch in many shapes (branches, early
exits, generators, ternaries, boolean operators, locals, loops, nested
functions, comprehensions). :func:`behaviour` runs every function of a
program on a few inputs, with the switch stubbed to a fixed value, and
records what each returned, yielded or raised. A rewrite with ``--keep on``
must behave like the original with the switch on, and ``--keep off`` like it
with the switch off. The programs are generated here and run here: never
code from an analysed repository.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
from pathlib import Path

KEY = "fuzz-switch"
FLAG = f'waffle.switch_is_active("{KEY}")'

# Statement shapes: each is a function body over ``x`` using FLAG, helpers a/b/g.
SHAPES = [
    "if {flag}:\n    return a(x)\nreturn b(x)",
    "if not {flag}:\n    return b(x)\nreturn a(x)",
    "if {flag}:\n    return a(x)\nelse:\n    return b(x)",
    "return a(x) if {flag} else b(x)",
    "return {flag} and a(x)",
    "return not {flag} or b(x)",
    "return bool({flag} or x > 2)",
    "enabled = {flag}\nif enabled:\n    x = a(x)\nreturn b(x)",
    "out = []\nif {flag}:\n    out.append(a(x))\nout.append(b(x))\nreturn out",
    "if x > 1 and {flag}:\n    return a(x)\nreturn b(x)",
    "if x > 1 or not {flag}:\n    return a(x)\nreturn b(x)",
    "if {flag}:\n    def inner(y):\n        return a(y)\n    return inner(x)\nreturn b(x)",
    "return [a(i) for i in range(x) if {flag}]",
    "n = 0\nwhile {flag} and n < 3:\n    n += 1\nreturn n + x",
    "try:\n    if {flag}:\n        raise ValueError(x)\n"
    "except ValueError:\n    return b(x)\nreturn a(x)",
    # What the rewrite leaves unused goes with it (issue #21).
    "return x > 1 and not {flag}",
    "return (x > 1 or {flag}, x)",
    "from json import dumps\nif {flag}:\n    return dumps(x)\nreturn b(x)",
    "y = a(x)\nif not {flag}:\n    return y\nreturn b(x)",
    "if flag_on(x):\n    return a(x)\nreturn b(x)",
    # Stores only the flag's side read: dead before a reassignment, augmented (issue #21).
    "ctx = {{'x': x, 'n': [i for i in [x, x] if i]}}\nif {flag}:\n    return a(len(ctx))\n"
    "ctx = b(x)\nreturn ctx",
    "c = a(x)\nif {flag}:\n    return c\nc = b(x)\nreturn c",
    "n = 0\nn += x\nn += 1\nif {flag}:\n    return a(n)\nreturn b(x)",
    "t = 0\nt += a(x)\nif not {flag}:\n    return t\nreturn b(x)",
    # Parenthesised tests: over lines, and ones the rewrite leaves on one line.
    "if (\n    x\n    and x - 1\n    and {flag}\n):\n    return a(x)\nreturn b(x)",
    "if (x > 1 and\n        {flag}):\n    return a(x)\n"
    "elif (x and\n      not {flag}):\n    return b(x)\nreturn g(x)",
]
GENERATOR_SHAPES = [
    "if not {flag}:\n    return\nyield from g(x)",
    "g(x)\nif not {flag}:\n    return\nyield a(x)",
    "if {flag}:\n    yield a(x)\nyield b(x)",
    "if {flag}:\n    return\nyield b(x)",
    "for i in range(x):\n    if {flag}:\n        yield a(i)\n    else:\n        yield b(i)",
    "if {flag}:\n    yield from g(x)\nelse:\n    return",
]
PRELUDE = """\
import waffle


def a(x):
    return ("a", x)


def b(x):
    return ("b", x)


def g(x):
    return [("g", i) for i in range(x)]


def flag_on(x):
    context = {"x": x}
    res = waffle.switch_is_active("fuzz-switch", context)
    return res
"""


def program(seed: int) -> str:
    """A module of 3 to 6 functions, each one shape, some wrapped in a class."""
    rng = random.Random(seed)
    parts = [PRELUDE]
    for index in range(rng.randint(3, 6)):
        generator = rng.random() < 0.35
        body = rng.choice(GENERATOR_SHAPES if generator else SHAPES).format(flag=FLAG)
        if rng.random() < 0.3:
            body = f"x = x + {rng.randint(0, 2)}\n" + body
        function = f"def f{index}(x):\n" + textwrap.indent(body, "    ") + "\n"
        if rng.random() < 0.25:
            method = f"def f{index}(self, x):\n" + textwrap.indent(body, "    ") + "\n"
            function = f"class C{index}:\n" + textwrap.indent(method, "    ") + "\n"
            function += f"\n\ndef f{index}(x):\n    return C{index}().f{index}(x)\n"
        parts.append("\n\n" + function)
    return "".join(parts)


RUNNER = """\
import importlib, json, sys, types
waffle = types.ModuleType("waffle")
waffle.switch_is_active = lambda name, *context: {value}
sys.modules["waffle"] = waffle
sys.path.insert(0, {folder!r})
module = importlib.import_module("program")
out = {{}}
for name in sorted(n for n in vars(module) if n.startswith("f") and n[1:].isdigit()):
    for x in (0, 1, 3):
        try:
            result = getattr(module, name)(x)
            if hasattr(result, "__next__"):
                result = ["generator", list(result)]
            out[f"{{name}}({{x}})"] = repr(result)
        except Exception as exc:
            out[f"{{name}}({{x}})"] = "raised " + type(exc).__name__
print(json.dumps(out, sort_keys=True))
"""


def behaviour(folder: Path, value: bool) -> dict[str, str]:
    """What each function of ``folder/program.py`` does, with the switch at ``value``."""
    code = RUNNER.format(value=value, folder=str(folder))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    if done.returncode != 0:
        return {"<import>": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout)
