"""Exact discrete distributions as integer counts over a common denominator."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

__all__ = ["Distribution"]


@dataclass(frozen=True)
class Distribution:
    """`P(total = v) = counts[v] / denominator`; only outcomes with a non-zero count are kept."""

    counts: Mapping[int, int]
    denominator: int

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[int, int]], denominator: int) -> Distribution:
        counts: dict[int, int] = {}
        for value, count in pairs:
            if count:
                counts[value] = counts.get(value, 0) + count
        return cls(dict(sorted(counts.items())), denominator)

    @classmethod
    def constant(cls, value: int) -> Distribution:
        return cls({value: 1}, 1)

    @property
    def minimum(self) -> int:
        return min(self.counts)

    @property
    def maximum(self) -> int:
        return max(self.counts)

    def probability(self, value: int) -> Fraction:
        return Fraction(self.counts.get(value, 0), self.denominator)

    def probabilities(self) -> dict[int, Fraction]:
        return {value: Fraction(count, self.denominator) for value, count in self.counts.items()}

    @property
    def mean(self) -> Fraction:
        return Fraction(sum(v * c for v, c in self.counts.items()), self.denominator)

    @property
    def variance(self) -> Fraction:
        square = Fraction(sum(v * v * c for v, c in self.counts.items()), self.denominator)
        return square - self.mean**2

    def at_least(self, target: int) -> Fraction:
        """P(total >= target), e.g. the chance to meet a DC."""
        return Fraction(sum(c for v, c in self.counts.items() if v >= target), self.denominator)

    def at_most(self, target: int) -> Fraction:
        return Fraction(sum(c for v, c in self.counts.items() if v <= target), self.denominator)
