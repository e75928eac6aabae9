import pytest

from py_rules.dice.limits import Limits
from py_rules.dice.nodes import Binary, BinOp, Literal
from py_rules.dice.parser import parse
from py_rules.dice.validate import children, validate_tree
from py_rules.errors import LimitExceeded


def test_children_of_binary() -> None:
    node = Binary(BinOp.ADD, Literal(1), Literal(2))
    assert children(node) == (Literal(1), Literal(2))


def test_validate_tree_counts_dice_across_terms() -> None:
    with pytest.raises(LimitExceeded) as caught:
        validate_tree(parse("6d6 + 6d6"), Limits(max_dice=10))
    assert caught.value.limit == "max_dice"


def test_validate_tree_checks_condition_numbers() -> None:
    with pytest.raises(LimitExceeded):
        validate_tree(parse("1d6r>5"), Limits(max_literal=4))
