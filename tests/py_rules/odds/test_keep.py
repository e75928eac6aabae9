import itertools
from collections import Counter

from py_rules.dice.nodes import Keep, KeepKind
from py_rules.odds.convolution import Budget
from py_rules.odds.distribution import Distribution
from py_rules.odds.keep import keep_dice, keep_items

D4 = Distribution(dict.fromkeys(range(1, 5), 1), 4)


def _brute(dice: int, keep: slice) -> Counter[int]:
    return Counter(sum(sorted(roll)[keep]) for roll in itertools.product(range(1, 5), repeat=dice))


def test_keep_dice_highest_matches_enumeration() -> None:
    dist = keep_dice(D4, 4, Keep(KeepKind.KEEP_HIGHEST, 2), lambda v: v, Budget(10**6))
    assert dict(dist.counts) == dict(sorted(_brute(4, slice(2, 4)).items()))


def test_keep_dice_drop_lowest_matches_enumeration() -> None:
    dist = keep_dice(D4, 3, Keep(KeepKind.DROP_HIGHEST, 1), lambda v: v, Budget(10**6))
    assert dict(dist.counts) == dict(sorted(_brute(3, slice(0, 2)).items()))


def test_keep_dice_scores_successes() -> None:
    dist = keep_dice(D4, 2, Keep(KeepKind.KEEP_HIGHEST, 1), lambda v: int(v >= 4), Budget(10**6))
    assert dict(dist.counts) == {0: 9, 1: 7}


def test_keep_items_takes_best_total() -> None:
    d2 = Distribution({1: 1, 2: 1}, 2)
    dist = keep_items([d2, D4], Keep(KeepKind.KEEP_HIGHEST, 1), Budget(10**6))
    assert dict(dist.counts) == {1: 1, 2: 3, 3: 2, 4: 2}
    lowest = keep_items([d2, D4], Keep(KeepKind.KEEP_LOWEST, 1), Budget(10**6))
    assert dict(lowest.counts) == {1: 5, 2: 3}
