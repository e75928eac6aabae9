"""Rules as tree rewrites, such as advantage (1d20 → 2d20kh1) and disadvantage (→ 2d20kl1)."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from typing import Any

from py_rules.dice.nodes import (
    Binary,
    Comparison,
    Dice,
    DiceSet,
    Group,
    Keep,
    KeepKind,
    Labeled,
    Literal,
    Node,
    Unary,
)

__all__ = ["Advantage", "map_dice", "with_advantage"]


class Advantage(enum.Enum):
    NONE = "none"
    ADVANTAGE = "advantage"
    DISADVANTAGE = "disadvantage"


_Rebuild = Callable[[Any, Callable[[Dice], Node]], Node]

_REBUILD: dict[type, _Rebuild] = {
    Literal: lambda node, _f: node,
    Dice: lambda node, f: f(node),
    DiceSet: lambda node, f: DiceSet(tuple(map_dice(i, f) for i in node.items), node.keep),
    Group: lambda node, f: Group(map_dice(node.inner, f)),
    Labeled: lambda node, f: Labeled(map_dice(node.inner, f), node.label),
    Unary: lambda node, f: Unary(node.negative, map_dice(node.operand, f)),
    Binary: lambda node, f: Binary(node.op, map_dice(node.left, f), map_dice(node.right, f)),
    Comparison: lambda node, f: Comparison(
        node.op, map_dice(node.left, f), map_dice(node.right, f)
    ),
}


def map_dice(node: Node, function: Callable[[Dice], Node]) -> Node:
    """A copy of `node` with every dice term replaced by `function(term)`."""
    return _REBUILD[type(node)](node, function)


def _is_plain_d20(node: Dice) -> bool:
    return node.count == 1 and node.die.high == 20 and node.die.low == 1 and node.keep is None


def with_advantage(node: Node, advantage: Advantage) -> Node:
    """Every single plain d20 becomes 2d20kh1 (advantage) or 2d20kl1 (disadvantage)."""
    if advantage is Advantage.NONE:
        return node
    kind = KeepKind.KEEP_HIGHEST if advantage is Advantage.ADVANTAGE else KeepKind.KEEP_LOWEST

    def rewrite(dice: Dice) -> Node:
        if not _is_plain_d20(dice):
            return dice
        return dataclasses.replace(dice, count=2, keep=Keep(kind, 1))

    return map_dice(node, rewrite)
