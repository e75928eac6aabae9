from fractions import Fraction

from py_rules.odds.distribution import Distribution

D4 = Distribution({1: 1, 2: 1, 3: 1, 4: 1}, 4)


def test_mean_and_variance_of_d4() -> None:
    assert D4.mean == Fraction(5, 2)
    assert D4.variance == Fraction(5, 4)


def test_at_least_and_at_most() -> None:
    assert D4.at_least(3) == Fraction(1, 2)
    assert D4.at_most(1) == Fraction(1, 4)


def test_from_pairs_merges_and_drops_zero_counts() -> None:
    dist = Distribution.from_pairs([(2, 1), (1, 0), (2, 3)], 4)
    assert dict(dist.counts) == {2: 4}


def test_probabilities_sum_to_one() -> None:
    assert sum(D4.probabilities().values()) == 1
    assert D4.probability(5) == 0


def test_constant_has_single_outcome() -> None:
    assert (Distribution.constant(7).minimum, Distribution.constant(7).maximum) == (7, 7)
