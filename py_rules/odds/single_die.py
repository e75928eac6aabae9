"""The distribution of one die after its reroll, explosion and clamp rules."""

from __future__ import annotations

from collections.abc import Iterator

from py_rules.dice.limits import Limits
from py_rules.dice.nodes import Condition, Dice
from py_rules.dice.semantics import explode_test, holds, reroll_cap
from py_rules.odds.convolution import Budget, add
from py_rules.odds.distribution import Distribution

__all__ = ["die_distribution"]


def _rerolled(base: Distribution, condition: Condition, times: int) -> Distribution:
    """Reroll a matching draw up to `times` times; the last draw stands whatever it shows.

    With b the base counts over S and M the matching mass, one more allowed reroll turns
    counts c over S^j into b·[no match]·S^j + M·c over S^(j+1).
    """
    matching = sum(c for v, c in base.counts.items() if holds(condition, v))
    dist = base
    for _ in range(times):
        scale = dist.denominator
        pairs = [(v, c * scale * (not holds(condition, v))) for v, c in base.counts.items()]
        pairs += [(v, matching * c) for v, c in dist.counts.items()]
        dist = Distribution.from_pairs(pairs, scale * base.denominator)
    return dist


def _exploded(draw: Distribution, condition: Condition, depth: int, budget: Budget) -> Distribution:
    """Compounding explosion: a matching draw adds another draw, at most `depth` times."""
    explode = {v: c for v, c in draw.counts.items() if holds(condition, v)}
    if not explode:
        return draw
    stop = {v: c for v, c in draw.counts.items() if not holds(condition, v)}
    exploding = Distribution(explode, draw.denominator)
    dist = draw
    for _ in range(depth):
        scale = dist.denominator
        chained = add(exploding, dist, budget)
        pairs = [(v, c * scale) for v, c in stop.items()] + list(chained.counts.items())
        dist = Distribution.from_pairs(pairs, scale * draw.denominator)
    return dist


def _clamped(dist: Distribution, node: Dice) -> Distribution:
    """`mi` raises first, then `ma` lowers, exactly as the evaluator applies them."""
    low = node.minimum if node.minimum is not None else dist.minimum
    raised: Iterator[tuple[int, int]] = ((max(v, low), c) for v, c in dist.counts.items())
    if node.maximum is not None:
        high = node.maximum
        raised = ((min(v, high), c) for v, c in raised)
    return Distribution.from_pairs(raised, dist.denominator)


def die_distribution(node: Dice, limits: Limits, budget: Budget) -> Distribution:
    """One die of the term `node`, before keep/drop and success counting."""
    die = node.die
    dist = Distribution(dict.fromkeys(range(die.low, die.high + 1), 1), die.sides)
    if node.reroll is not None:
        dist = _rerolled(dist, node.reroll.condition, reroll_cap(node.reroll, limits))
    if node.explode is not None:
        condition = explode_test(die, node.explode)
        dist = _exploded(dist, condition, limits.max_explosions, budget)
    if node.minimum is not None or node.maximum is not None:
        dist = _clamped(dist, node)
    return dist
