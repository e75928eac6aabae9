"""The injected source of randomness."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

__all__ = ["BatchDraw", "DiceRNG", "batch_draw"]

BatchDraw = Callable[[int, int], list[int]]


class DiceRNG(Protocol):
    """Anything with `randrange(stop)`, such as `random.Random`, `SystemRandom` or `FairRNG`.

    An RNG may also offer `randrange_many(stop, count) -> list[int]`, returning exactly what
    `count` successive `randrange(stop)` calls would; the evaluator uses it for dice pools.
    """

    def randrange(self, stop: int, /) -> int: ...


def batch_draw(rng: DiceRNG) -> BatchDraw:
    """The RNG's `randrange_many`, or an equivalent loop over `randrange`."""
    many: BatchDraw | None = getattr(rng, "randrange_many", None)
    if many is not None:
        return many
    randrange = rng.randrange
    return lambda stop, count: [randrange(stop) for _ in range(count)]
