import pytest

from py_rules.dice.limits import DEFAULT_LIMITS, MAX_TREE_DEPTH, Limits, check_limit
from py_rules.errors import LimitExceeded


def test_check_limit_passes_at_bound() -> None:
    check_limit(DEFAULT_LIMITS, "max_dice", DEFAULT_LIMITS.max_dice)


def test_check_limit_names_field() -> None:
    with pytest.raises(LimitExceeded) as caught:
        check_limit(Limits(max_sides=6), "max_sides", 7)
    assert (caught.value.limit, caught.value.maximum) == ("max_sides", 6)


def test_limits_bound_tree_depth() -> None:
    with pytest.raises(LimitExceeded):
        Limits(max_terms=MAX_TREE_DEPTH, max_nesting_depth=1)
