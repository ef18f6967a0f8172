"""Value-flow facts: what flows where, as shapes the whole-program solver evaluates.

A mixin of :class:`~flaglint.facts.collector.FactCollector`, like
:mod:`flaglint.facts.loops`: the collector's visit methods call the
``_flow_*`` hooks after they have visited a statement's children, so every
call inside a value already has its index. Nothing is resolved here: a shape
says how a value is built (``a.b``, ``f(x)[0]``, ``[g, h]``); which
functions, classes and instances it may be is decided over the whole
project by :mod:`flaglint.callgraph.flow`, in the spirit of PyCG's
assignment graph.

Statements that call without a call's syntax become implicit
:class:`FlowCall` records: ``@dec`` (``dec(f)``), ``with x`` (``__enter__``,
``__exit__``), ``for i in x`` (``__iter__``, ``__next__``), ``raise C``.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from flaglint.facts.model import Definition, Flow, FlowCall, FlowFunction, Shape, record
from flaglint.facts.syntax import parameters
from flaglint.facts.versions import VersionsMixin

# Decorators that describe a function rather than call or replace it.
_DESCRIPTIVE = frozenset(
    {"staticmethod", "classmethod", "property", "abstractmethod", "abc.abstractmethod"}
)
_ACCESSORS = frozenset({"setter", "getter", "deleter"})
# Values built here whose items flow into their subscripts (see ``_object``).
_CONTAINERS = frozenset(
    {
        ast.List,
        ast.Tuple,
        ast.Set,
        ast.Dict,
        ast.ListComp,
        ast.SetComp,
        ast.GeneratorExp,
        ast.DictComp,
    }
)


class FlowFactsMixin(VersionsMixin):
    """The ``_flow_*`` hooks of the collector and the records they fill."""

    @property
    def scope(self) -> str:  # pragma: no cover - provided by the collector
        raise NotImplementedError

    def _flow_init(self) -> None:
        self.flows: list[Flow] = []
        self.flow_calls: list[FlowCall] = []
        self.flow_functions: list[FlowFunction] = []
        self._flow_call_of: dict[int, int] = {}
        self._flow_names: dict[str, Shape] = {}
        self._flow_declared: set[tuple[str, str]] = set()
        self._flow_objects: dict[int, Shape | None] = {}
        # Lambdas: the innermost one's qualified name while its body is read
        # (calls keep their enclosing def's scope; value flow and the call
        # graph use the lambda's), a counter per scope, and each node's name.
        self._lambda_stack: list[str] = []
        self._lambda_counts: dict[str, int] = {}
        self._lambda_names: dict[int, str] = {}
        # The scope value flow records: the innermost lambda's, else the
        # collector's. Read for every binding and call, so it is kept as a field
        # (set where scopes and lambdas are entered and left), not worked out.
        self._fscope = ""
        self._versions_init()

    def _fscope_update(self) -> None:
        """Set ``_fscope`` again after the collector's scope or the lambdas changed."""
        self._fscope = self._lambda_stack[-1] if self._lambda_stack else self.scope

    # ----------------------------------------------------------------- shapes
    def _name(self, name: str) -> Shape:
        shape = self._flow_names.get(name)
        if shape is None:
            shape = self._flow_names[name] = ("n", name)
        return shape

    def _shape(self, node: ast.expr) -> Shape | None:
        """How ``node``'s value is built, or None when no callable can come from it."""
        # Tested by exact class, commonest first: names, attributes, calls and
        # literals are nearly every operand (a constant used to go through every test).
        kind = node.__class__
        if kind is ast.Name:
            name = node.id  # type: ignore[attr-defined]
            states = self._fn_states
            if states and name in states[-1].assigns:
                versioned = self._versioned_read(name)
                if versioned is not None:
                    return versioned
            shape = self._flow_names.get(name)
            if shape is None:
                shape = self._flow_names[name] = ("n", name)
            return shape
        if kind is ast.Attribute:
            # ``a.b.c``: down the chain in a loop, then the shapes built back up.
            attrs = [node.attr]  # type: ignore[attr-defined]
            value = node.value  # type: ignore[attr-defined]
            while value.__class__ is ast.Attribute:
                attrs.append(value.attr)
                value = value.value
            base = self._shape(value)
            if base is None:
                return None
            for attr in reversed(attrs):
                base = ("a", base, attr)
            return base
        if kind is ast.Call:
            func = node.func  # type: ignore[attr-defined]
            if func.__class__ is ast.Name and func.id == "super":
                return ("S",)
            index = self._flow_call_of.get(id(node))
            return None if index is None else ("c", index)
        if kind is ast.Constant:
            return None
        if kind is ast.Subscript:
            base = self._shape(node.value)  # type: ignore[attr-defined]
            return None if base is None else ("s", base, _key(node.slice))  # type: ignore[attr-defined]
        if kind in _CONTAINERS:
            return self._object(node)
        if kind is ast.IfExp:
            return _union([self._shape(node.body), self._shape(node.orelse)])  # type: ignore[attr-defined]
        if kind is ast.BoolOp:
            return _union([self._shape(v) for v in node.values])  # type: ignore[attr-defined]
        if kind is ast.Await or kind is ast.NamedExpr or kind is ast.Starred:
            return self._shape(node.value)  # type: ignore[attr-defined]
        if kind is ast.Lambda:
            name = self._lambda_names.get(id(node))
            return None if name is None else ("f", name)
        return None

    def _object(self, node: ast.expr) -> Shape | None:
        """A container built here: its items flow into its subscripts."""
        objects = self._flow_objects
        if id(node) in objects:
            return objects[id(node)]
        # Keys are spelt only for the items a callable can come from: most
        # literals (settings, keyword tables, test data) have none.
        shape_of = self._shape
        found: list[tuple[str | None, Shape]] = []
        kind = node.__class__
        empty = False
        if kind is ast.Dict:
            empty = not node.keys  # type: ignore[attr-defined]
            for key, value in zip(node.keys, node.values, strict=False):  # type: ignore[attr-defined]
                shape = shape_of(value)
                if shape is not None:
                    found.append((None if key is None else _key(key), shape))
        elif kind is ast.List or kind is ast.Tuple or kind is ast.Set:
            empty = not node.elts  # type: ignore[attr-defined]
            for i, element in enumerate(node.elts):  # type: ignore[attr-defined]
                shape = shape_of(element)
                if shape is not None:
                    found.append((f"int:{i}", shape))
        elif kind is ast.DictComp:
            shape = shape_of(node.value)  # type: ignore[attr-defined]
            if shape is not None:
                found.append((None, shape))
        elif kind is ast.ListComp or kind is ast.SetComp or kind is ast.GeneratorExp:
            shape = shape_of(node.elt)  # type: ignore[attr-defined]
            if shape is not None:
                found.append((None, shape))
        else:
            empty = True
        if not found and not empty:
            objects[id(node)] = None
            return None
        result: Shape = ("o", f"{node.lineno}:{node.col_offset}")
        objects[id(node)] = result
        scope = self._fscope
        for key, value in found:
            self.flows.append(record(Flow, (scope, ("s", result, key), value)))
        return result

    # ------------------------------------------------------------------ hooks
    def _flow_call(self, node: ast.Call, index: int) -> None:
        """Record a call's callee and argument shapes (after its children were visited)."""
        func = self._shape(node.func)
        if func is None:
            return
        shape_of = self._shape
        args: list[Shape | None] = []
        for arg in node.args:
            kind = arg.__class__
            if kind is ast.Starred:
                break
            # A literal argument (most are) has no shape: not worth a call.
            args.append(None if kind is ast.Constant else shape_of(arg))
        keywords: tuple[tuple[str, Shape], ...] = ()
        if node.keywords:
            keywords = tuple(
                (k.arg, shape)
                for k in node.keywords
                if k.arg is not None and (shape := shape_of(k.value)) is not None
            )
        self._flow_call_of[id(node)] = len(self.flow_calls)
        # Inside a lambda the call is the lambda's (its scope said here);
        # elsewhere the call's own scope is the flow's.
        scope = self._lambda_stack[-1] if self._lambda_stack else ""
        self.flow_calls.append(record(FlowCall, (index, func, tuple(args), keywords, scope, 0, "")))

    def _implicit(self, func: Shape, args: tuple[Shape | None, ...], line: int, why: str) -> int:
        self.flow_calls.append(record(FlowCall, (-1, func, args, (), self._fscope, line, why)))
        return len(self.flow_calls) - 1

    def _flow_assign(self, targets: Sequence[ast.expr], value: ast.expr) -> None:
        for target in targets:
            self._bind(target, value, None)

    def _bind(self, target: ast.expr, node: ast.expr | None, shape: Shape | None) -> None:
        """``target`` receives ``node``'s value (or ``shape`` when there is no node)."""
        kind = target.__class__
        if kind is ast.Tuple or kind is ast.List:
            elts = target.elts  # type: ignore[attr-defined]
            if (
                node is not None
                and isinstance(node, (ast.Tuple, ast.List))
                and len(node.elts) == len(elts)
                and not any(isinstance(e, ast.Starred) for e in (*elts, *node.elts))
            ):
                for sub, value in zip(elts, node.elts, strict=False):
                    self._bind(sub, value, None)
                return
            whole = self._shape(node) if node is not None else shape
            item = None if whole is None else ("i", whole)
            for sub in elts:
                self._bind(sub, None, item)
            return
        if kind is ast.Starred:
            self._bind(target.value, None, None)  # type: ignore[attr-defined]
            return
        if node is not None:
            shape = self._shape(node)
        if kind is ast.Name:
            name = target.id  # type: ignore[attr-defined]
            scope = self._fscope
            if shape is None:
                # Still a local: a read of it must not find a module-level namesake.
                key = (scope, name)
                if key in self._flow_declared:
                    self._versioned_assign(name, target, -1)
                    return
                self._flow_declared.add(key)
            self._versioned_assign(name, target, len(self.flows))
            self.flows.append(record(Flow, (scope, self._name(name), shape)))
            return
        if shape is None:
            return
        where = self._shape(target)
        if where is not None:
            self.flows.append(record(Flow, (self._fscope, where, shape)))

    def _flow_return(self, value: ast.expr | None) -> None:
        shape = None if value is None else self._shape(value)
        if shape is not None:
            self.flows.append(Flow(self._fscope, ("ret",), shape))

    def visit_Yield(self, node: ast.Yield | ast.YieldFrom) -> None:
        if node.value is not None:
            self.visit(node.value)  # type: ignore[attr-defined]
        shape = None if node.value is None else self._shape(node.value)
        if isinstance(node, ast.YieldFrom) and shape is not None:
            shape = ("i", shape)
        key = (self._fscope, "<yield>")
        if shape is not None or key not in self._flow_declared:
            self._flow_declared.add(key)
            self.flows.append(Flow(self._fscope, ("yield",), shape))  # type: ignore[arg-type]

    visit_YieldFrom = visit_Yield

    def _flow_for(self, iterable: ast.expr, target: ast.expr, line: int) -> None:
        shape = self._shape(iterable)
        if shape is None:
            self._bind(target, None, None)
            return
        first = self._implicit(("a", shape, "__iter__"), (), line, "iter")
        step = self._implicit(("a", ("c", first), "__next__"), (), line, "next")
        self._bind(target, None, ("u", (("c", step), ("i", shape))))

    def visit_comprehension(self, node: ast.comprehension) -> None:
        self.visit(node.iter)  # type: ignore[attr-defined]
        self.visit(node.target)  # type: ignore[attr-defined]
        for test in node.ifs:
            # A filter decides which items the comprehension keeps: a branch.
            self._test(test, test.lineno)  # type: ignore[attr-defined]
        self._flow_for(node.iter, node.target, node.iter.lineno)

    def _flow_with(self, node: ast.With | ast.AsyncWith) -> None:
        enter, leave = (
            ("__aenter__", "__aexit__")
            if isinstance(node, ast.AsyncWith)
            else (
                "__enter__",
                "__exit__",
            )
        )
        for item in node.items:
            shape = self._shape(item.context_expr)
            if shape is None:
                if item.optional_vars is not None:
                    self._bind(item.optional_vars, None, None)
                continue
            entered = self._implicit(("a", shape, enter), (), node.lineno, "enter")
            self._implicit(("a", shape, leave), (), node.lineno, "exit")
            if item.optional_vars is not None:
                self._bind(item.optional_vars, None, ("c", entered))

    def _flow_raise(self, node: ast.Raise) -> None:
        if isinstance(node.exc, (ast.Name, ast.Attribute)):
            shape = self._shape(node.exc)
            if shape is not None:
                self._implicit(shape, (), node.lineno, "raise")

    def _flow_lambda_enter(self, node: ast.Lambda) -> str:
        """Name a lambda as PyCG does (``<lambdaN>``, numbered per enclosing scope)."""
        outer = self._fscope
        count = self._lambda_counts[outer] = self._lambda_counts.get(outer, 0) + 1
        qualname = f"{outer}.<lambda{count}>" if outer else f"<lambda{count}>"
        self._lambda_names[id(node)] = qualname
        self._lambda_stack.append(qualname)
        self._fscope = qualname
        return qualname

    def _flow_lambda_leave(self, node: ast.Lambda, qualname: str) -> None:
        args = node.args
        positional = tuple(a.arg for a in (*args.posonlyargs, *args.args))
        returned = self._shape(node.body)
        if returned is not None:
            self.flows.append(Flow(qualname, ("ret",), returned))
        self._lambda_stack.pop()
        self._fscope_update()
        self.flow_functions.append(FlowFunction(qualname, positional, False, ""))
        self.definitions.append(  # type: ignore[attr-defined]
            Definition(
                qualname=qualname,
                kind="lambda",
                name="<lambda>",
                line=node.lineno,
                end_line=node.end_lineno or node.lineno,
                col=node.col_offset,
                params=parameters(node.args),
                gates=self._gates,  # type: ignore[attr-defined]
            )
        )

    def _flow_function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, qualname: str, decorators: list[str]
    ) -> None:
        """Parameters, defaults and decorators of a definition (called in its enclosing scope)."""
        args = node.args
        positional = tuple(a.arg for a in (*args.posonlyargs, *args.args))
        method = "static" if "staticmethod" in decorators else ""
        if "classmethod" in decorators:
            method = "class"
        self.flow_functions.append(FlowFunction(qualname, positional, False, method))
        defaults = list(
            zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=False)
        )
        defaults += [
            (a.arg, d)
            for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=False)
            if d is not None
        ]
        for name, default in defaults:
            shape = self._shape(default)
            if shape is not None:
                self.flows.append(Flow(qualname, self._name(name), shape))
        value: Shape = ("f", qualname)
        last = -1
        for decorator, spelled in zip(
            reversed(node.decorator_list), reversed(decorators), strict=False
        ):
            if spelled in _DESCRIPTIVE or spelled.rpartition(".")[2] in _ACCESSORS:
                continue
            func = self._shape(decorator)
            if func is None:
                continue
            last = self._implicit(func, (value,), decorator.lineno, "decorator")
            value = ("c", last)
        if last >= 0:
            self.flows.append(Flow(self._fscope, self._name(node.name), ("dec", last, qualname)))


def _key(node: ast.expr) -> str | None:
    """A literal subscript as ``type:value`` (``d[1]`` and ``d["1"]`` differ), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int)):
        return f"{type(node.value).__name__}:{node.value}"
    return None


def _union(shapes: list[Shape | None]) -> Shape | None:
    found = tuple(s for s in shapes if s is not None)
    if not found:
        return None
    return found[0] if len(found) == 1 else ("u", found)
