"""Exact distribution of any expression within the limits: one rule per node type.

Raises `LimitExceeded("max_odds_work")` when the exact computation would be too large, and
`OddsError` when some outcome is undefined (a divisor that can be zero).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from py_rules.dice.limits import DEFAULT_LIMITS, Limits
from py_rules.dice.nodes import (
    Binary,
    BinOp,
    Comparison,
    Dice,
    DiceSet,
    Group,
    Labeled,
    Literal,
    Node,
    Unary,
)
from py_rules.dice.parser import parse
from py_rules.dice.semantics import COMPARATORS, holds
from py_rules.errors import OddsError
from py_rules.odds.convolution import Budget, add, combine, negate, remap, repeat_sum
from py_rules.odds.distribution import Distribution
from py_rules.odds.keep import keep_dice, keep_items
from py_rules.odds.single_die import die_distribution

__all__ = ["distribution", "odds"]

_Rule = Callable[[Any, Limits, Budget], Distribution]


def _dice(node: Dice, limits: Limits, budget: Budget) -> Distribution:
    die = die_distribution(node, limits, budget)
    success = node.success
    score: Callable[[int], int] = (
        (lambda v: v) if success is None else (lambda v: holds(success, v))
    )
    if node.keep is not None:
        return keep_dice(die, node.count, node.keep, score, budget)
    return repeat_sum(die if success is None else remap(die, score), node.count, budget)


def _set(node: DiceSet, limits: Limits, budget: Budget) -> Distribution:
    items = [distribution(item, limits, budget) for item in node.items]
    if node.keep is not None:
        return keep_items(items, node.keep, budget)
    total = Distribution.constant(0)
    for item in items:
        total = add(total, item, budget)
    return total


def _divide(a: Distribution, b: Distribution, budget: Budget) -> Distribution:
    if 0 in b.counts:
        raise OddsError("the divisor can be zero, so the odds are undefined")
    return combine(a, b, int.__floordiv__, budget)


def _binary(node: Binary, limits: Limits, budget: Budget) -> Distribution:
    left = distribution(node.left, limits, budget)
    right = distribution(node.right, limits, budget)
    if node.op is BinOp.ADD:
        return add(left, right, budget)
    if node.op is BinOp.SUB:
        return add(left, negate(right), budget)
    if node.op is BinOp.MUL:
        return combine(left, right, int.__mul__, budget)
    return _divide(left, right, budget)


def _comparison(node: Comparison, limits: Limits, budget: Budget) -> Distribution:
    left = distribution(node.left, limits, budget)
    right = distribution(node.right, limits, budget)
    compare = COMPARATORS[node.op]
    return combine(left, right, lambda x, y: int(compare(x, y)), budget)


def _unary(node: Unary, limits: Limits, budget: Budget) -> Distribution:
    operand = distribution(node.operand, limits, budget)
    return negate(operand) if node.negative else operand


_RULES: dict[type, _Rule] = {
    Literal: lambda node, _limits, _budget: Distribution.constant(node.value),
    Dice: _dice,
    DiceSet: _set,
    Group: lambda node, limits, budget: distribution(node.inner, limits, budget),
    Labeled: lambda node, limits, budget: distribution(node.inner, limits, budget),
    Unary: _unary,
    Binary: _binary,
    Comparison: _comparison,
}


def distribution(node: Node, limits: Limits, budget: Budget) -> Distribution:
    """Distribution of a validated tree, spending from `budget`."""
    return _RULES[type(node)](node, limits, budget)


def odds(expression: str | Node, limits: Limits = DEFAULT_LIMITS) -> Distribution:
    """Exact distribution of the total of `expression` (text or validated tree)."""
    node = parse(expression, limits) if isinstance(expression, str) else expression
    return distribution(node, limits, Budget(limits.max_odds_work))
