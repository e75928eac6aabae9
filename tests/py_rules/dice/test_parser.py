import pytest
from hypothesis import given
from hypothesis import strategies as st

from py_rules.dice.limits import Limits
from py_rules.dice.nodes import (
    Binary,
    BinOp,
    CompareOp,
    Comparison,
    Condition,
    Dice,
    DiceSet,
    Die,
    DieKind,
    Explode,
    Group,
    Keep,
    KeepKind,
    Labeled,
    Literal,
    Reroll,
    Unary,
)
from py_rules.dice.parser import parse
from py_rules.errors import DiceError, DiceSyntaxError, LimitExceeded
from tests.py_rules.dice_strategies import PROPERTY, expressions

D6 = Die(DieKind.STANDARD, 6)
D20 = Die(DieKind.STANDARD, 20)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("d20", Dice(1, D20)),
        ("4d6kh3", Dice(4, D6, keep=Keep(KeepKind.KEEP_HIGHEST, 3))),
        ("2d20kl", Dice(2, D20, keep=Keep(KeepKind.KEEP_LOWEST, 1))),
        ("d%", Dice(1, Die(DieKind.PERCENT, 100))),
        ("4dF", Dice(4, Die(DieKind.FUDGE, 3))),
        ("10d6>4", Dice(10, D6, success=Condition(CompareOp.GT, 4))),
        ("10d6cs>=4", Dice(10, D6, success=Condition(CompareOp.GE, 4))),
        ("1d20ro<3", Dice(1, D20, reroll=Reroll(Condition(CompareOp.LT, 3), once=True))),
        ("2d6r1", Dice(2, D6, reroll=Reroll(Condition(CompareOp.EQ, 1), once=False))),
        ("8d6!", Dice(8, D6, explode=Explode(None))),
        ("8d6e6", Dice(8, D6, explode=Explode(Condition(CompareOp.EQ, 6)))),
        ("20d6mi2ma5", Dice(20, D6, minimum=2, maximum=5)),
        ("(2d6)>7", Comparison(CompareOp.GT, Group(Dice(2, D6)), Literal(7))),
        ("-1", Unary(True, Literal(1))),
        ("3 × 4 ÷ 2", Binary(BinOp.DIV, Binary(BinOp.MUL, Literal(3), Literal(4)), Literal(2))),
        ("5 − 1", Binary(BinOp.SUB, Literal(5), Literal(1))),
        ("1d20+5 [init]", Binary(BinOp.ADD, Dice(1, D20), Labeled(Literal(5), "init"))),
    ],
)
def test_parse_builds_tree(text: str, tree: object) -> None:
    assert parse(text) == tree


def test_parse_set_with_keep() -> None:
    tree = parse("(1d4, 1d6)kh1")
    assert isinstance(tree, DiceSet)
    assert len(tree.items) == 2
    assert tree.keep == Keep(KeepKind.KEEP_HIGHEST, 1)


def test_parse_single_item_set_needs_trailing_comma() -> None:
    assert isinstance(parse("(1,)"), DiceSet)
    assert isinstance(parse("(1)"), Group)


def test_parse_modifiers_in_any_order_give_same_tree() -> None:
    assert parse("4d6kh3r1") == parse("4d6r1kh3")


def test_parse_multiplication_binds_tighter_than_addition() -> None:
    tree = parse("1+2*3")
    assert isinstance(tree, Binary)
    assert tree.op is BinOp.ADD


@pytest.mark.parametrize(
    ("text", "position"),
    [("1d20 $ 4", 5), ("1d20 +", 6), ("4d6kh3kh2", 6), ("1d0", 1), ("()", 1), ("2d6 3", 4)],
)
def test_parse_reports_error_position(text: str, position: int) -> None:
    with pytest.raises(DiceSyntaxError) as caught:
        parse(text)
    assert caught.value.position == position


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("1d" + "9" * 5000, "max_expression_length"),
        ("1d1001", "max_sides"),
        ("1001d6", "max_dice"),
        ("+".join(["1"] * 500), "max_terms"),
        ("+".join(["1"] * 101), "max_terms"),
        ("(" * 30 + "1" + ")" * 30, "max_nesting_depth"),
        ("-" * 30 + "1", "max_nesting_depth"),
        ("1" + " [x]" * 30, "max_nesting_depth"),
        ("10000000", "max_literal"),
        ("1d6mi10000000", "max_literal"),
    ],
)
def test_parse_rejects_over_limit(text: str, limit: str) -> None:
    with pytest.raises(LimitExceeded) as caught:
        parse(text)
    assert caught.value.limit == limit


def test_parse_rejects_huge_digits_with_own_error() -> None:
    limits = Limits(max_expression_length=10_000)
    with pytest.raises(DiceError):
        parse("1d" + "9" * 5000, limits)


def test_parse_deep_nesting_with_raised_limits_raises_own_error() -> None:
    limits = Limits(max_expression_length=100_000, max_nesting_depth=150)
    with pytest.raises(LimitExceeded):
        parse("(" * 20_000 + "1" + ")" * 20_000, limits)


def test_limits_refuse_trees_deeper_than_the_stack_allows() -> None:
    with pytest.raises(LimitExceeded):
        Limits(max_terms=10_000)


@PROPERTY
@given(expressions)
def test_parse_generated_expressions(text: str) -> None:
    try:
        parse(text)
    except LimitExceeded:
        pass


@PROPERTY
@given(st.text(max_size=60))
def test_parse_hostile_text_raises_only_engine_errors(text: str) -> None:
    try:
        parse(text)
    except DiceError:
        pass


@PROPERTY
@given(st.text(alphabet="0123456789d%F()+-*/<>=!,[]khlroemiacs ", max_size=80))
def test_parse_dice_alphabet_raises_only_engine_errors(text: str) -> None:
    try:
        parse(text)
    except DiceError:
        pass
