"""Exact keep/drop: order statistics without enumerating every roll.

For identical dice the faces are visited from the best rank downwards; the state is how many
dice have been placed so far and the sum of the kept ones. Placing t of the r unplaced dice on
a face with weight w counts C(r, t)·w^t ways. Once enough dice are kept, the rest may show any
lower face, a single factor (remaining weight)^r, so the state space stays small:
O(faces · kept · sums · dice) rather than faces^dice.

Sets of differently distributed items fold them in one at a time, keeping the sorted tuple
of the best totals seen so far as the state (identical items use the dice algorithm).
"""

from __future__ import annotations

from collections.abc import Callable
from math import comb

from py_rules.dice.nodes import Keep
from py_rules.dice.semantics import kept_range
from py_rules.odds.convolution import Budget
from py_rules.odds.distribution import Distribution

__all__ = ["keep_dice", "keep_items"]


def _best_first(keep: Keep, size: int) -> tuple[int, bool]:
    """(how many to keep, whether the kept ones are the highest)."""
    start, stop = kept_range(keep, size)
    return stop - start, stop == size


def _place(
    states: dict[tuple[int, int], int],
    face: tuple[int, int],
    dice: int,
    wanted: int,
) -> dict[tuple[int, int], int]:
    value_score, weight = face
    placed_states: dict[tuple[int, int], int] = {}
    for (placed, score), ways in states.items():
        free = dice - placed
        for t in range(free + 1):
            kept = min(t, wanted - placed)
            key = (placed + t, score + kept * value_score)
            placed_states[key] = placed_states.get(key, 0) + ways * comb(free, t) * weight**t
    return placed_states


def keep_dice(
    die: Distribution,
    dice: int,
    keep: Keep,
    score: Callable[[int], int],
    budget: Budget,
) -> Distribution:
    """Sum of `score(face)` over the kept dice of `dice` independent copies of `die`."""
    wanted, highest = _best_first(keep, dice)
    faces = sorted(die.counts.items(), reverse=highest)
    budget.spend(len(faces) * (wanted + 1) * (dice + 1) * (wanted * len(faces) + 1))
    remaining = sum(c for _, c in faces)
    states: dict[tuple[int, int], int] = {(0, 0): 1}
    done: dict[int, int] = {}
    for value, weight in faces:
        for (placed, total), ways in list(states.items()):
            if placed >= wanted:
                del states[(placed, total)]
                done[total] = done.get(total, 0) + ways * remaining ** (dice - placed)
        states = _place(states, (score(value), weight), dice, wanted)
        remaining -= weight
    for (placed, total), ways in states.items():
        if placed == dice:
            done[total] = done.get(total, 0) + ways
    return Distribution.from_pairs(done.items(), die.denominator**dice)


def keep_items(items: list[Distribution], keep: Keep, budget: Budget) -> Distribution:
    """Sum of the kept totals of independent, differently distributed set items."""
    if all(item == items[0] for item in items):
        return keep_dice(items[0], len(items), keep, lambda v: v, budget)
    wanted, highest = _best_first(keep, len(items))
    sign = 1 if highest else -1
    states: dict[tuple[int, ...], int] = {(): 1}
    for item in items:
        budget.spend(len(states) * len(item.counts) * (wanted + 1))
        folded: dict[tuple[int, ...], int] = {}
        for best, ways in states.items():
            for value, count in item.counts.items():
                key = tuple(sorted((*best, sign * value), reverse=True)[:wanted])
                folded[key] = folded.get(key, 0) + ways * count
        states = folded
    denominator = 1
    for item in items:
        denominator *= item.denominator
    return Distribution.from_pairs(((sign * sum(b), w) for b, w in states.items()), denominator)
