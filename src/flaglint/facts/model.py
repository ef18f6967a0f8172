"""Per-file facts: immutable, picklable records that every later stage reads.

The records are typed ``NamedTuple`` classes rather than frozen dataclasses:
they are just as immutable and typed, and a warm run unpickles every file's
facts, where named tuples load several times faster than slotted
dataclasses (benchmarks/RESULTS.md, design measurements).

A file is parsed once; these records are what the cache stores and what the
whole-program stages (inventory, call graph, rules) consume. Nothing in here
knows which calls are flag reads: that is decided project-wide, where imports,
constants and enum classes from other modules can be resolved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar, cast

_Record = TypeVar("_Record", bound=tuple[Any, ...])

# ``record(Arg, ("str", "x", 0, None))``: a record made from all of its fields at
# once. A named tuple's generated ``__new__`` is a Python call per record, and
# collecting a large project makes millions of them; ``tuple.__new__`` is not.
# Every field must be given, defaults included: this is the collector's fast
# path, not a constructor for general use.
record = cast(Callable[[type[_Record], tuple[Any, ...]], _Record], tuple.__new__)

# Arg kinds: a literal ("str", "int", "bool", "none"), a dotted name ("name"),
# a parameter of the enclosing function ("param"), a boolean expression
# ("boolexpr": a comparison, ``not x``, ``bool(x)``), or anything else ("other");
# source text is kept only where the call might be a flag read.


class Arg(NamedTuple):
    """One argument of a call, reduced to what key resolution needs."""

    kind: str
    text: str
    position: int | None = None
    keyword: str | None = None


class Gate(NamedTuple):
    """A condition that dominates a piece of code.

    ``atom`` indexes :attr:`FileFacts.atoms`; ``on`` is the polarity: True when
    the code runs only if the atom is truthy, False when only if it is falsy.
    ``value`` is the literal the atom was compared with, where there was one.
    """

    atom: int
    on: bool
    value: str | None = None


class Atom(NamedTuple):
    """Something tested in a condition that may turn out to be a flag read.

    kind "call": the call at index ``call`` of :attr:`FileFacts.calls`.
    kind "name": a dotted name (``FEATURE_X``, ``settings.X``) whose binding may be a read.
    kind "item": ``base[key]`` with a string key, named ``base[key]`` (``settings.FEATURES[X]``).
    kind "member": a dotted ``Class.MEMBER`` compared or masked (``flags & OrderFlags.X``).
    kind "param": a parameter of the enclosing function, tested (``if enabled:``); a
    caller that passes a flag's value for it makes the test a test of that flag.
    """

    kind: str
    line: int
    col: int
    call: int = -1
    name: str = ""


class Call(NamedTuple):
    """A call site, or a subscript of ``os.environ`` recorded as a call."""

    callee: str
    line: int
    col: int
    end_line: int
    scope: str
    args: tuple[Arg, ...]
    gates: tuple[Gate, ...]
    decorator: bool = False


class Binding(NamedTuple):
    """A name bound at module or class level (``scope`` is "" or the class).

    kind: a literal kind, "name" (another dotted name), "call" (the value is
    the call ``call``), "bitor" (``A | B`` of names), "auto", "boolexpr" (a
    comparison or ``not x``), or "other".
    ``true_gates``/``false_gates`` hold what the value means when tested, so a
    module-level ``ENABLED = os.getenv("FEATURE_X") == "1"`` carries the read.
    """

    scope: str
    name: str
    line: int
    kind: str
    value: str
    call: int = -1
    true_gates: tuple[Gate, ...] = ()
    false_gates: tuple[Gate, ...] = ()


class Import(NamedTuple):
    """``local`` is bound to the absolute dotted ``target``."""

    local: str
    target: str
    line: int


class Definition(NamedTuple):
    """A function, method, class or lambda, by its qualified name inside the module."""

    qualname: str
    kind: str  # "function" | "method" | "class" | "lambda" (qualname ``f.<lambda1>``)
    name: str
    line: int
    end_line: int
    col: int
    params: tuple[str, ...] = ()
    decorators: tuple[str, ...] = ()
    bases: tuple[str, ...] = ()
    docstring: str = ""
    leading_comment: str = ""
    returned_gates: tuple[Gate, ...] = ()
    gates: tuple[Gate, ...] = ()
    is_async: bool = False
    # What holds when the function returns something falsy (``return a or b``: both falsy).
    returned_off_gates: tuple[Gate, ...] = ()


class Reference(NamedTuple):
    """A dotted name used as a value (callback, dispatch-table entry, alias)."""

    name: str
    scope: str
    line: int


class DuplicateKey(NamedTuple):
    """A string key written twice in one dict literal bound at module or class level.

    Python keeps the last value silently; for a flag registry (django-flags'
    ``FLAGS`` setting) that means one definition hides another. Only
    duplicates are recorded, so big dict literals cost nothing.
    """

    scope: str
    name: str
    key: str
    line: int
    col: int
    first_line: int


class Comment(NamedTuple):
    """A comment that matters: suppressions, deprecation words, expiry dates."""

    line: int
    text: str


class ParseError(NamedTuple):
    """Why a file could not be analysed (reported as FL901)."""

    line: int
    col: int
    message: str


class Check(NamedTuple):
    """A condition that decides whether code runs or a loop goes on.

    kind "if" or "while": the statement's test. kind "try": a ``try`` with a
    handler that always leaves (``except X: continue``); what it tests is
    whether the calls of its body raised. ``bound`` is True when the test
    compares a quantity with a bound (``filled >= parent.qty``); ``calls``
    index :attr:`FileFacts.calls`: the predicates tested, or the try body's
    calls. ``constant`` is the truth of a literal test (``while True``).
    ``text`` is the source of a bound test, for messages. ``names`` are the
    plain names tested for truth (``if not remaining: break``), which count as
    bounds when the function counts them up or down; ``scope`` is the function.
    """

    line: int
    kind: str
    bound: bool
    calls: tuple[int, ...] = ()
    constant: bool | None = None
    text: str = ""
    names: tuple[str, ...] = ()
    scope: str = ""


class Exit(NamedTuple):
    """A ``break``, ``continue``, ``return`` or ``raise`` inside a loop.

    ``checks`` are the :class:`Check` indices that dominate it in its function.
    """

    kind: str
    line: int
    checks: tuple[int, ...]


class Loop(NamedTuple):
    """A ``while`` or ``for`` loop (async too) and what can end it.

    ``shape``: "infinite" (``while True``, ``itertools.count()``,
    ``iter(f, sentinel)``), "bounded" (``range(n)``, a literal collection),
    "conditional" (a ``while`` with a non-constant test) or "unknown" (a ``for``
    over a name, call or attribute). ``test`` is a ``while`` loop's
    :class:`Check`; ``parent`` the enclosing loop in the same function.
    """

    kind: str
    line: int
    end_line: int
    scope: str
    shape: str
    test: int = -1
    exits: tuple[Exit, ...] = ()
    parent: int = -1


class CallContext(NamedTuple):
    """Where a call runs: the loops around it and the checks that dominate it.

    ``loops`` are enclosing loops of the same function (outermost first);
    ``items`` the subset whose item (loop variable, or a value received in the
    loop) flows into the call's arguments. Only calls with a loop or a check
    around them get a context.
    """

    call: int
    loops: tuple[int, ...]
    items: tuple[int, ...]
    checks: tuple[int, ...]


class FunctionOutcomes(NamedTuple):
    """What a function returns and when it raises, for predicates and guards.

    ``returns`` has one word per ``return``: "bound" (a comparison with a
    bound), "constant", "call" (the value of a call in ``return_calls``),
    "none" or "other"; ``return_checks`` the checks that dominate a return
    (``if sent >= limit: return True`` makes a bound predicate of constant
    returns). ``raise_checks`` are the checks under which it raises.
    ``counters`` are local names it adds to or subtracts from
    (``filled += q``, ``volume = volume - lot``).
    """

    qualname: str
    returns: tuple[str, ...] = ()
    return_calls: tuple[int, ...] = ()
    raise_checks: tuple[int, ...] = ()
    return_checks: tuple[int, ...] = ()
    counters: tuple[str, ...] = ()


# A value shape (facts.flow): a nested tuple whose first item says what it is.
# ("n", name) a name read; ("a", base, attr) an attribute; ("c", i) the result
# of the i-th FlowCall; ("s", base, key) a subscript (key a literal or None);
# ("o", tag) a list, tuple, set or dict built here (its items are flows into
# ("s", ("o", tag), key)); ("f", qualname) a function of this module by name;
# ("u", shapes) any of several; ("i", base) an item of iterating ``base``;
# ("dec", i, qualname) a decorated function: what FlowCall i returned, or the
# function itself when that is unknown; ("S",) ``super()``; ("t", shapes) a
# tuple target. None is a value no call can come from (a literal, arithmetic).
Shape = tuple


class Flow(NamedTuple):
    """A value that flows into a target in ``scope`` (an assignment, a return, a yield).

    ``target`` is a shape; ("ret",) and ("yield",) stand for what the
    function ``scope`` returns or yields.
    """

    scope: str
    target: Shape
    value: Shape


class FlowCall(NamedTuple):
    """The shapes of one call: its callee and arguments.

    ``call`` indexes :attr:`FileFacts.calls`, or is -1 for a call the syntax
    implies without writing it: "decorator" (``@dec``), "enter"/"exit"
    (``with``), "iter"/"next" (``for``), "raise" (``raise C``), which carry
    their own ``scope`` and ``line``.
    """

    call: int
    func: Shape
    args: tuple[Shape | None, ...] = ()
    keywords: tuple[tuple[str, Shape | None], ...] = ()
    scope: str = ""
    line: int = 0
    why: str = ""


class FlowFunction(NamedTuple):
    """How a function binds its arguments: positional parameter names, in order."""

    qualname: str
    positional: tuple[str, ...]
    generator: bool = False
    kind: str = ""  # "static" | "class" for static and class methods


class FileFacts(NamedTuple):
    """Everything flaglint knows about one module."""

    path: str
    module: str
    is_package: bool
    lines: int
    definitions: tuple[Definition, ...] = ()
    calls: tuple[Call, ...] = ()
    atoms: tuple[Atom, ...] = ()
    bindings: tuple[Binding, ...] = ()
    imports: tuple[Import, ...] = ()
    references: tuple[Reference, ...] = ()
    comments: tuple[Comment, ...] = ()
    dunder_all: tuple[str, ...] = ()
    main_guard: bool = False
    error: ParseError | None = None
    duplicate_keys: tuple[DuplicateKey, ...] = ()
    checks: tuple[Check, ...] = ()
    loops: tuple[Loop, ...] = ()
    contexts: tuple[CallContext, ...] = ()
    outcomes: tuple[FunctionOutcomes, ...] = ()
    # Calls whose value is used as a boolean: compared with a boolean literal
    # (``== "true"``, ``in ("1", "yes")``) or passed to ``bool()``.
    boolean_calls: tuple[int, ...] = ()
    # (function qualname, parameter) pairs whose parameter is used as a boolean.
    boolean_params: tuple[tuple[str, str], ...] = ()
    setting_writes: tuple[SettingWrite, ...] = ()
    bool_fields: tuple[TypedField, ...] = ()
    branches: tuple[Branch, ...] = ()
    flows: tuple[Flow, ...] = ()
    flow_calls: tuple[FlowCall, ...] = ()
    flow_functions: tuple[FlowFunction, ...] = ()
    attribute_writes: tuple[AttributeWrite, ...] = ()


class Branch(NamedTuple):
    """An ``if``, ``elif``, ``while`` or ternary test, and what holds where its body runs.

    Calls inside a branch carry their gates already; this records the branch
    itself, so that a flag deciding code with no call in it (``if USE_S3:
    STORAGES = {...}``) is still known to gate code.
    """

    line: int
    gates: tuple[Gate, ...]
    # Atoms the test also decides on together with other conditions
    # (``if a or FLAG``, ``if not (a and FLAG)``): no polarity holds in the body.
    mixed: tuple[Gate, ...] = ()


class AttributeWrite(NamedTuple):
    """A testable value stored on the instance in a method: ``self.enabled = settings.X``.

    ``cls`` is the class's qualified name inside the module; the gates hold
    what ``self.attr`` means when tested in any method of the class.
    """

    cls: str
    attr: str
    line: int
    true_gates: tuple[Gate, ...] = ()
    false_gates: tuple[Gate, ...] = ()


class SettingWrite(NamedTuple):
    """A keyed setting written with a value: ``D = {"K": v}``, ``app.config["K"] = v``.

    ``target`` is the dict or mapping as spelled (``WGER_SETTINGS``,
    ``app.config``); the gates hold what the value means when tested, as for
    :class:`Binding`; ``call`` is the call the value is, when it is one.
    """

    scope: str
    target: str
    key: str
    line: int
    col: int
    true_gates: tuple[Gate, ...] = ()
    false_gates: tuple[Gate, ...] = ()
    call: int = -1


class TypedField(NamedTuple):
    """A class-level name annotated ``bool`` (a pydantic-settings field, a dataclass field)."""

    scope: str
    name: str
    line: int
    col: int
