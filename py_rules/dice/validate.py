"""Limit checks on a parsed tree, done iteratively so hostile nesting cannot recurse."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from py_rules.dice.limits import Limits, check_limit
from py_rules.dice.nodes import (
    Binary,
    Comparison,
    Dice,
    DiceSet,
    Group,
    Labeled,
    Literal,
    Node,
    Unary,
)

__all__ = ["children", "validate_tree"]


def _leaf(_node: Any) -> tuple[Node, ...]:
    return ()


_CHILDREN: dict[type, Callable[[Any], tuple[Node, ...]]] = {
    Literal: _leaf,
    Dice: _leaf,
    DiceSet: lambda node: node.items,
    Group: lambda node: (node.inner,),
    Unary: lambda node: (node.operand,),
    Binary: lambda node: (node.left, node.right),
    Comparison: lambda node: (node.left, node.right),
    Labeled: lambda node: (node.inner,),
}


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of `node`."""
    return _CHILDREN[type(node)](node)


def _check_dice(node: Dice, limits: Limits) -> None:
    check_limit(limits, "max_sides", node.die.sides)
    numbers = [node.minimum, node.maximum]
    numbers += [c.value for c in (node.success,) if c is not None]
    numbers += [node.reroll.condition.value] if node.reroll else []
    numbers += [node.explode.condition.value] if node.explode and node.explode.condition else []
    for number in numbers:
        if number is not None:
            check_limit(limits, "max_literal", number)


def validate_tree(tree: Node, limits: Limits) -> None:
    """Raise `LimitExceeded` for too many terms or dice, too deep nesting or too big numbers."""
    terms = dice = 0
    stack: list[tuple[Node, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Literal):
            check_limit(limits, "max_literal", node.value)
        elif isinstance(node, Dice):
            _check_dice(node, limits)
            dice += node.count
        terms += isinstance(node, Literal | Dice)
        nested = depth + (not isinstance(node, Binary))
        check_limit(limits, "max_nesting_depth", nested)
        stack.extend((child, nested) for child in children(node))
    check_limit(limits, "max_terms", terms)
    check_limit(limits, "max_dice", dice)
