from py_rules.dice.nodes import Dice, Die, DieKind, Literal
from py_rules.dice.results import DiceResult, DieRoll, LiteralResult, RollResult

D6 = Dice(2, Die(DieKind.STANDARD, 6))


def test_dice_builds_per_die_view() -> None:
    result = DiceResult(D6, 7, (3, 4), kept=(True, False))
    assert result.dice == (DieRoll(3, 3, ((3,),), True, None), DieRoll(4, 4, ((4,),), False, None))


def test_die_roll_flags() -> None:
    die = DieRoll(8, 8, ((1, 6), (2,)), True, None)
    assert die.rerolled
    assert die.exploded


def test_roll_result_total_is_tree_total() -> None:
    assert RollResult(Literal(3), LiteralResult(Literal(3), 3)).total == 3
