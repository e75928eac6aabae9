import random

from py_rules.dice.dice_term import compile_dice
from py_rules.dice.limits import DEFAULT_LIMITS, Limits
from py_rules.dice.nodes import Dice
from py_rules.dice.parser import parse
from py_rules.dice.results import DiceResult
from py_rules.dice.semantics import keep_mask


def _run(text: str, seed: int = 1, limits: Limits = DEFAULT_LIMITS) -> DiceResult:
    node = parse(text)
    assert isinstance(node, Dice)
    result = compile_dice(node, limits)(random.Random(seed))
    assert isinstance(result, DiceResult)
    return result


def test_compile_dice_plain_term_records_values_only() -> None:
    result = _run("5d6")
    assert result.total == sum(result.values)
    assert (result.raw, result.draws, result.kept, result.successes) == (None,) * 4


def test_compile_dice_records_draws_for_rerolls_and_explosions() -> None:
    result = _run("6d4r1!")
    assert result.draws is not None
    assert all(draw[-1] != 1 or len(draw) == 1 + DEFAULT_LIMITS.max_rerolls
               for chain in result.draws for draw in chain)  # fmt: skip


def test_compile_dice_clamp_crossing_lets_maximum_win() -> None:
    assert _run("3d6mi5ma2").values == (2, 2, 2)


def test_compile_dice_explosion_cap_bounds_chain() -> None:
    result = _run("4d1!", limits=Limits(max_explosions=3))
    assert result.values == (4, 4, 4, 4)


def test_compile_dice_single_keep_matches_keep_mask() -> None:
    for text in ("5d4kh1", "5d4kl1", "5d4dl4", "5d4dh4", "1d4kh1"):
        for seed in range(30):
            result = _run(text, seed)
            node = parse(text)
            assert isinstance(node, Dice) and node.keep is not None
            assert result.kept == keep_mask(result.values, node.keep)
