"""A drop-in :class:`ast.NodeVisitor` that walks the same nodes in the same order, faster.

The standard visitor looks its handler up by building a string and calling
``getattr`` for every node, and its ``generic_visit`` goes through
``ast.iter_fields``, a generator, for every node, including the expression
contexts and operators hanging off each name and operation: that walk cost
several times as much as parsing (benchmarks/RESULTS.md, design measurements). This one

- caches each node class's handler (or the lack of one) per visitor class;
- never descends into ``ctx``, ``op`` and ``ops`` fields: contexts and
  operators hold nothing to collect, and a handler that needs one reads it
  from the parent node (``isinstance(node.op, ast.And)``);
- treats names, constants and the other childless nodes that have no handler
  as leaves and skips them without a call.

Handlers are found by name exactly as in ``ast.NodeVisitor`` (``visit_Call``),
so subclasses read and grow the same way. The deprecated ``visit_Num``-style
fallbacks of ``ast.NodeVisitor.visit_Constant`` are not kept.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any, ClassVar

_SKIPPED_FIELDS = frozenset({"ctx", "op", "ops"})
_CHILDLESS = (
    ast.Name,
    ast.Constant,
    ast.Pass,
    ast.Break,
    ast.Continue,
    ast.Global,
    ast.Nonlocal,
    ast.alias,
)
FIELDS: dict[type, tuple[str, ...]] = {}

Handler = Callable[[Any, Any], Any]


def child_fields(node_class: type) -> tuple[str, ...]:
    """The fields of ``node_class`` that may hold nodes worth visiting (cached in ``FIELDS``)."""
    fields = FIELDS.get(node_class)
    if fields is None:
        names = getattr(node_class, "_fields", ())
        fields = FIELDS[node_class] = tuple(f for f in names if f not in _SKIPPED_FIELDS)
    return fields


class FastVisitor(ast.NodeVisitor):
    """``ast.NodeVisitor`` with cached dispatch and leaves skipped; same order of visits."""

    _handlers: ClassVar[dict[type, Handler | None]] = {}
    _leaves: ClassVar[frozenset[type]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._handlers = {}
        cls._leaves = frozenset(
            node_class for node_class in _CHILDLESS if cls._handler(node_class) is None
        )
        if cls._handler(ast.Attribute) is None:
            cls._handlers[ast.Attribute] = FastVisitor._attribute_chain

    @classmethod
    def _handler(cls, node_class: type) -> Handler | None:
        name = "visit_" + node_class.__name__
        method = getattr(cls, name, None)
        if method is None or method is getattr(ast.NodeVisitor, name, None):
            return None
        return method  # type: ignore[no-any-return]

    def visit(self, node: ast.AST) -> Any:
        node_class = node.__class__
        handlers = self._handlers
        try:
            handler = handlers[node_class]
        except KeyError:
            handler = handlers[node_class] = self._handler(node_class)
        if handler is not None:
            return handler(self, node)
        if node_class not in self._leaves:
            self.generic_visit(node)
        return None

    def _attribute_chain(self, node: ast.Attribute) -> None:
        # ``a.b.c.d``: an attribute's only child worth visiting is its value,
        # so a chain is walked in a loop down to its base, the visit order kept.
        value = node.value
        while value.__class__ is ast.Attribute:
            value = value.value  # type: ignore[attr-defined]
        if value.__class__ not in self._leaves:
            self.visit(value)

    def generic_visit(self, node: ast.AST) -> None:
        leaves = self._leaves
        visit = self.visit
        for name in FIELDS.get(node.__class__) or child_fields(node.__class__):
            value = getattr(node, name, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, ast.AST) and item.__class__ not in leaves:
                        visit(item)
            elif isinstance(value, ast.AST) and value.__class__ not in leaves:
                visit(value)
