import random

from py_rules.dice.rng import batch_draw


class _Many:
    def randrange(self, stop: int, /) -> int:
        return stop - 1

    def randrange_many(self, _stop: int, count: int) -> list[int]:
        return [0] * count


def test_batch_draw_prefers_randrange_many() -> None:
    assert batch_draw(_Many())(6, 3) == [0, 0, 0]


def test_batch_draw_loops_over_randrange() -> None:
    expected = [random.Random(5).randrange(6) for _ in range(1)]
    rng = random.Random(5)
    assert batch_draw(rng)(6, 1) == expected
