import math
import random
from collections import Counter
from fractions import Fraction

import icepool
import pytest
from hypothesis import given
from hypothesis import strategies as st

from py_rules.dice.evaluator import roll
from py_rules.dice.limits import Limits
from py_rules.errors import DiceError, LimitExceeded, OddsError
from py_rules.odds.dice_odds import odds
from py_rules.odds.distribution import Distribution
from tests.py_rules.dice_strategies import PROPERTY, expressions

SMALL = Limits(max_explosions=2, max_rerolls=2, max_odds_work=100_000)
EXPLOSIONS = Limits().max_explosions


def _icepool(die: icepool.Die) -> dict[int, Fraction]:
    return {int(v): Fraction(c, die.denominator()) for v, c in die.items() if c}


ICEPOOL_CASES = {
    "3d6": 3 @ icepool.d6,
    "d%": icepool.d100,
    "4d6kh3": icepool.d6.pool(4).highest(3).sum(),
    "8d6kh3": icepool.d6.pool(8).highest(3).sum(),
    "2d20kh1": icepool.d20.pool(2).highest(1).sum(),
    "2d20kl1 + 5": icepool.d20.pool(2).lowest(1).sum() + 5,
    "10d10kh5": icepool.d10.pool(10).highest(5).sum(),
    "4d6dl1": icepool.d6.pool(4).highest(3).sum(),
    "5d8dh2": icepool.d8.pool(5).lowest(3).sum(),
    "4dF": 4 @ icepool.Die([-1, 0, 1]),
    "8d6!": 8 @ icepool.d6.explode(depth=EXPLOSIONS),
    "3d6!kh2": icepool.d6.explode(depth=EXPLOSIONS).pool(3).highest(2).sum(),
    "1d6ro1": icepool.d6.reroll([1], depth=1),
    "2d8 - 1d4 * 3": 2 @ icepool.d8 - icepool.d4 * 3,
    "(1d20 + 4) / 2": (icepool.d20 + 4) // 2,
    "-1d4": -icepool.d4,
}


@pytest.mark.parametrize("text", list(ICEPOOL_CASES))
def test_odds_agree_with_icepool(text: str) -> None:
    assert odds(text).probabilities() == _icepool(ICEPOOL_CASES[text])


def test_odds_of_success_count() -> None:
    dist = odds("10d6>4")
    assert dist.probability(10) == Fraction(1, 3**10)


def test_odds_of_comparison() -> None:
    assert odds("(1d20+5) >= 15").probability(1) == Fraction(11, 20)


def test_odds_of_set_keep() -> None:
    assert odds("(1d4, 1d6)kh1").mean == Fraction(47, 12)


def test_odds_with_possible_zero_divisor_raise() -> None:
    with pytest.raises(OddsError):
        odds("1d6 / (1d2 - 1)")


def test_odds_too_much_work_raise_named_limit() -> None:
    with pytest.raises(LimitExceeded) as caught:
        odds("500d1000 * 500d1000")
    assert caught.value.limit == "max_odds_work"


@PROPERTY
@given(expressions)
def test_roll_totals_lie_within_exact_support(text: str) -> None:
    try:
        dist = odds(text, SMALL)
        result = roll(text, random.Random(text), SMALL)
    except DiceError:
        return
    assert dist.minimum <= result.total <= dist.maximum
    assert result.total in dist.counts


def _chi_square_bound(freedom: int) -> float:
    """Wilson–Hilferty upper quantile of chi-square at p = 1e-4."""
    z = 3.719
    return freedom * (1 - 2 / (9 * freedom) + z * math.sqrt(2 / (9 * freedom))) ** 3


def _chi_square(dist: Distribution, counts: Counter[int], samples: int) -> tuple[float, int]:
    statistic, bins, pending_expected, pending_seen = 0.0, 0, 0.0, 0
    for value, probability in dist.probabilities().items():
        pending_expected += float(probability) * samples
        pending_seen += counts[value]
        if pending_expected >= 5:
            statistic += (pending_seen - pending_expected) ** 2 / pending_expected
            bins, pending_expected, pending_seen = bins + 1, 0.0, 0
    return statistic, bins - 1


@pytest.mark.parametrize(
    "text", ["1d20", "4d6kh3", "2d6!", "3dF", "(1d4, 1d6)kh1", "10d6>4", "1d6r1+1d8ro<3"]
)
def test_sampled_rolls_match_exact_distribution(text: str) -> None:
    rng, samples = random.Random(20240601), 3000
    counts = Counter(roll(text, rng).total for _ in range(samples))
    statistic, freedom = _chi_square(odds(text), counts, samples)
    assert statistic < _chi_square_bound(freedom)


@PROPERTY
@given(st.text(alphabet="0123456789d%F()+-*/<>=!,khlroemiacs", max_size=30))
def test_odds_hostile_text_raise_only_engine_errors(text: str) -> None:
    try:
        odds(text, SMALL)
    except DiceError:
        pass
