import operator

import pytest

from py_rules.errors import LimitExceeded
from py_rules.odds.convolution import Budget, add, combine, negate, remap, repeat_sum
from py_rules.odds.distribution import Distribution

D6 = Distribution(dict.fromkeys(range(1, 7), 1), 6)


def test_add_two_d6() -> None:
    two = add(D6, D6, Budget(10_000))
    assert two.counts[7] == 6
    assert two.denominator == 36


def test_repeat_sum_matches_repeated_add() -> None:
    budget = Budget(10**6)
    assert repeat_sum(D6, 3, budget) == add(add(D6, D6, budget), D6, budget)


def test_repeat_sum_zero_times_is_zero() -> None:
    assert repeat_sum(D6, 0, Budget(1)) == Distribution.constant(0)


def test_negate_and_remap() -> None:
    assert negate(D6).minimum == -6
    assert dict(remap(D6, lambda v: v % 2).counts) == {0: 3, 1: 3}


def test_combine_multiplies_pairs() -> None:
    product = combine(D6, D6, operator.mul, Budget(100))
    assert product.counts[36] == 1


def test_budget_raises_named_limit() -> None:
    with pytest.raises(LimitExceeded) as caught:
        combine(D6, D6, operator.mul, Budget(10))
    assert caught.value.limit == "max_odds_work"
