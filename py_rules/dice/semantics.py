"""Rules shared by rolling and exact odds: conditions, keep/drop and per-die caps."""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence

from py_rules.dice.limits import Limits
from py_rules.dice.nodes import CompareOp, Condition, Die, Explode, Keep, KeepKind, Reroll

__all__ = [
    "COMPARATORS",
    "explode_test",
    "holds",
    "keep_mask",
    "kept_range",
    "reroll_cap",
]

COMPARATORS: dict[CompareOp, Callable[[int, int], bool]] = {
    CompareOp.LT: operator.lt,
    CompareOp.LE: operator.le,
    CompareOp.GT: operator.gt,
    CompareOp.GE: operator.ge,
    CompareOp.EQ: operator.eq,
}


def holds(condition: Condition, value: int) -> bool:
    return COMPARATORS[condition.op](value, condition.value)


def explode_test(die: Die, explode: Explode) -> Condition:
    """The condition under which a draw explodes: the written one, else the highest face."""
    return explode.condition or Condition(CompareOp.EQ, die.high)


def reroll_cap(reroll: Reroll, limits: Limits) -> int:
    """How many times one draw may be rerolled: once for `ro`, else `Limits.max_rerolls`."""
    return 1 if reroll.once else limits.max_rerolls


def kept_range(keep: Keep, size: int) -> tuple[int, int]:
    """Which ranks (0 = lowest) are kept, as a half-open range, for `size` ranked items."""
    count = min(max(keep.count, 0), size)
    if keep.kind is KeepKind.KEEP_HIGHEST:
        return size - count, size
    if keep.kind is KeepKind.KEEP_LOWEST:
        return 0, count
    if keep.kind is KeepKind.DROP_HIGHEST:
        return 0, size - count
    return count, size


def keep_mask(values: Sequence[int], keep: Keep) -> tuple[bool, ...]:
    """Kept flags per item; among equal values the earlier item ranks lower."""
    order = sorted(range(len(values)), key=values.__getitem__)
    start, stop = kept_range(keep, len(values))
    mask = [False] * len(values)
    for index in order[start:stop]:
        mask[index] = True
    return tuple(mask)
