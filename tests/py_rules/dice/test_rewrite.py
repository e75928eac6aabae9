from py_rules.dice.nodes import Dice, Keep, KeepKind
from py_rules.dice.parser import parse
from py_rules.dice.render import render_expression
from py_rules.dice.rewrite import Advantage, map_dice, with_advantage


def test_with_advantage_rewrites_d20() -> None:
    node = with_advantage(parse("1d20+5"), Advantage.ADVANTAGE)
    assert render_expression(node) == "2d20kh1 + 5"


def test_with_disadvantage_rewrites_d20() -> None:
    node = with_advantage(parse("(1d20)>10"), Advantage.DISADVANTAGE)
    assert render_expression(node) == "(2d20kl1) > 10"


def test_with_advantage_leaves_other_dice() -> None:
    node = parse("2d20kh1 + 1d6 + (1d8, 3)")
    assert with_advantage(node, Advantage.ADVANTAGE) == node


def test_with_advantage_none_is_identity() -> None:
    node = parse("1d20")
    assert with_advantage(node, Advantage.NONE) is node


def test_map_dice_replaces_every_term() -> None:
    def keep_one(dice: Dice) -> Dice:
        return Dice(dice.count, dice.die, keep=Keep(KeepKind.KEEP_LOWEST, 1))

    node = map_dice(parse("-2d6 [x] * (3d4, 1)"), keep_one)
    assert render_expression(node) == "-2d6kl1 [x] * (3d4kl1, 1)"
