"""Fast exact arithmetic on distributions, with a work budget so odds never hang.

Sums use Kronecker substitution: the counts become the digits of one big integer in a base
wide enough that no digit overflows, so Python's big-integer multiplication (Karatsuba) and
`pow` do the convolutions in C.
"""

from __future__ import annotations

from collections.abc import Callable

from py_rules.errors import LimitExceeded
from py_rules.odds.distribution import Distribution

__all__ = ["Budget", "add", "combine", "negate", "remap", "repeat_sum"]


class Budget:
    """Counts estimated work for one odds computation against `Limits.max_odds_work`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.spent = 0

    def spend(self, work: int) -> None:
        self.spent += work
        if self.spent > self.limit:
            raise LimitExceeded("max_odds_work", self.limit, self.spent)


def _dense(dist: Distribution) -> list[int]:
    low = dist.minimum
    dense = [0] * (dist.maximum - low + 1)
    for value, count in dist.counts.items():
        dense[value - low] = count
    return dense


def _width(bound: int) -> int:
    return bound.bit_length() // 8 + 1


def _pack(dense: list[int], width: int) -> int:
    return int.from_bytes(b"".join(c.to_bytes(width, "little") for c in dense), "little")


def _unpack(packed: int, low: int, length: int, width: int) -> list[tuple[int, int]]:
    data = packed.to_bytes(length * width, "little")
    digits = (int.from_bytes(data[i : i + width], "little") for i in range(0, len(data), width))
    return list(zip(range(low, low + length), digits, strict=True))


def _spend_packed(budget: Budget, length: int, width: int) -> None:
    # Big-integer products cost about (digits)^1.585 (Karatsuba); scaled so that one unit
    # is roughly a microsecond, like one pair in `combine`.
    budget.spend(int((length * width / 4) ** 1.585 / 400) + length)


def add(a: Distribution, b: Distribution, budget: Budget) -> Distribution:
    """Distribution of the sum of two independent totals."""
    budget.spend((a.maximum - a.minimum) + (b.maximum - b.minimum))
    dense_a, dense_b = _dense(a), _dense(b)
    length = len(dense_a) + len(dense_b) - 1
    width = _width(sum(dense_a) * sum(dense_b))
    _spend_packed(budget, length, width)
    packed = _pack(dense_a, width) * _pack(dense_b, width)
    pairs = _unpack(packed, a.minimum + b.minimum, length, width)
    return Distribution.from_pairs(pairs, a.denominator * b.denominator)


def repeat_sum(dist: Distribution, times: int, budget: Budget) -> Distribution:
    """Distribution of the sum of `times` independent copies."""
    if times == 0:
        return Distribution.constant(0)
    budget.spend((dist.maximum - dist.minimum) * times)
    dense = _dense(dist)
    length = (len(dense) - 1) * times + 1
    width = _width(sum(dense) ** times)
    _spend_packed(budget, length, width)
    packed = _pack(dense, width) ** times
    pairs = _unpack(packed, dist.minimum * times, length, width)
    return Distribution.from_pairs(pairs, dist.denominator**times)


def negate(dist: Distribution) -> Distribution:
    return Distribution.from_pairs(((-v, c) for v, c in dist.counts.items()), dist.denominator)


def remap(dist: Distribution, function: Callable[[int], int]) -> Distribution:
    """Distribution of `function(total)`."""
    pairs = ((function(v), c) for v, c in dist.counts.items())
    return Distribution.from_pairs(pairs, dist.denominator)


def combine(
    a: Distribution, b: Distribution, function: Callable[[int, int], int], budget: Budget
) -> Distribution:
    """Distribution of `function(x, y)` over every pair of outcomes (products, comparisons)."""
    budget.spend(len(a.counts) * len(b.counts))
    pairs = ((function(x, y), cx * cy) for x, cx in a.counts.items() for y, cy in b.counts.items())
    return Distribution.from_pairs(pairs, a.denominator * b.denominator)
