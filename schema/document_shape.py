"""The shape of a document with fragment spreads expanded, in time linear in its size.

Each fragment is measured once and its totals reused wherever it is spread; nothing recurses, so
neither long fragment chains nor deep nesting can exhaust the stack.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

# Totals are capped so that a fragment spread 2^k times stays a small number.
CAP = 1_000_000


@dataclass
class Shape:
    """Deepest field nesting (introspection fields do not count, as in Strawberry's limiter),
    aliases and field selections, with spreads expanded."""

    depth: int = 0
    aliases: int = 0
    fields: int = 0


@dataclass
class _Local:
    shape: Shape
    # (fragment name, nesting depth where it is spread, whether its depth counts there)
    spreads: list[tuple[str, int, bool]] = field(default_factory=list)


def _local(selection_set: SelectionSetNode) -> _Local:
    """The definition's own fields, and where it spreads which fragments."""
    local = _Local(Shape())
    stack: list[tuple[SelectionSetNode, int, bool]] = [(selection_set, 0, True)]
    while stack:
        current, depth, counts = stack.pop()
        for selection in current.selections:
            if isinstance(selection, FragmentSpreadNode):
                local.spreads.append((selection.name.value, depth, counts))
                continue
            inner_depth, inner_counts = depth, counts
            if isinstance(selection, FieldNode):
                local.shape.fields += 1
                local.shape.aliases += selection.alias is not None
                inner_counts = counts and not selection.name.value.startswith("__")
                inner_depth = depth + 1 if inner_counts else depth
                if inner_counts:
                    local.shape.depth = max(local.shape.depth, inner_depth)
            inner = getattr(selection, "selection_set", None)  # fields and inline fragments have one
            if inner is not None:
                stack.append((inner, inner_depth, inner_counts))
    return local


def _fragment_shapes(locals_: dict[str, _Local]) -> dict[str, Shape]:
    """Totals per fragment, children before parents (an explicit-stack depth-first walk). A spread
    that closes a cycle counts as empty: NoFragmentCyclesRule reports the cycle."""
    totals: dict[str, Shape] = {}
    for root in locals_:
        stack, entered = [root], set()
        while stack:
            name = stack[-1]
            if name in totals:
                stack.pop()
                continue
            if name not in entered:
                entered.add(name)
                stack.extend(s for s, _, _ in locals_[name].spreads if s in locals_ and s not in totals)
                continue
            stack.pop()
            totals[name] = _combine(locals_[name], totals)
    return totals


def _combine(local: _Local, totals: dict[str, Shape]) -> Shape:
    shape = Shape(local.shape.depth, local.shape.aliases, local.shape.fields)
    for name, depth, counts in local.spreads:
        inner = totals.get(name)
        if inner is None:  # unknown fragment or a cycle: reported by other rules
            continue
        if counts:
            shape.depth = max(shape.depth, depth + inner.depth)
        shape.aliases = min(CAP, shape.aliases + inner.aliases)
        shape.fields = min(CAP, shape.fields + inner.fields)
    return shape


def shape_of_operations(document: DocumentNode) -> Iterator[tuple[str, OperationDefinitionNode, Shape]]:
    """(name or "anonymous", node, shape) for every operation in the document."""
    locals_ = {
        d.name.value: _local(d.selection_set) for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    totals = _fragment_shapes(locals_)
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            name = definition.name.value if definition.name else "anonymous"
            yield name, definition, _combine(_local(definition.selection_set), totals)
