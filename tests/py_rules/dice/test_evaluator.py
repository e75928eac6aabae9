import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from py_rules.dice.evaluator import compile_tree, roll
from py_rules.dice.limits import Limits
from py_rules.dice.parser import parse
from py_rules.dice.results import DiceResult, SetResult
from py_rules.errors import DiceError, EvaluationError
from tests.py_rules.dice_strategies import PROPERTY, expressions


class _Script:
    """An RNG that returns scripted zero-based faces."""

    def __init__(self, faces: list[int]) -> None:
        self.faces = faces

    def randrange(self, stop: int, /) -> int:
        face = self.faces.pop(0)
        assert face < stop
        return face


def _dice(text: str, faces: list[int]) -> DiceResult:
    tree = roll(text, _Script(faces)).tree
    assert isinstance(tree, DiceResult)
    return tree


def test_roll_adds_modifier() -> None:
    assert roll("1d20+5", _Script([14])).total == 20


def test_roll_keeps_highest() -> None:
    result = _dice("4d6kh3", [0, 3, 4, 5])
    assert result.total == 15
    assert result.kept == (False, True, True, True)


def test_roll_drops_lowest_like_keep_highest() -> None:
    assert _dice("4d6dl1", [0, 3, 4, 5]).total == 15


def test_roll_keep_lowest_and_drop_highest() -> None:
    assert _dice("2d20kl1", [4, 16]).total == 5
    assert _dice("3d6dh1", [0, 1, 5]).total == 3


def test_roll_rerolls_once_only() -> None:
    result = _dice("1d6ro1", [0, 0])
    assert result.total == 1
    assert result.dice[0].draws == ((1, 1),)
    assert result.dice[0].rerolled


def test_roll_rerolls_until_condition_fails() -> None:
    assert _dice("1d6r<3", [0, 1, 0, 4]).total == 5


def test_roll_reroll_stops_at_cap() -> None:
    limits = Limits(max_rerolls=2)
    tree = roll("1d6r<7", _Script([0, 0, 0]), limits).tree
    assert tree.total == 1


def test_roll_explodes_and_compounds() -> None:
    result = _dice("1d6!", [5, 5, 1])
    assert result.total == 14
    assert result.dice[0].exploded
    assert result.dice[0].draws == ((6,), (6,), (2,))


def test_roll_explosion_stops_at_cap() -> None:
    tree = roll("1d6!", _Script([5] * 4), Limits(max_explosions=3)).tree
    assert tree.total == 24


def test_roll_clamps_with_min_and_max() -> None:
    result = _dice("3d6mi2ma5", [0, 2, 5])
    assert result.values == (2, 3, 5)
    assert result.raw == (1, 3, 6)


def test_roll_counts_successes() -> None:
    result = _dice("5d6>4", [0, 3, 4, 5, 5])
    assert result.total == 3
    assert result.successes == (False, False, True, True, True)


def test_roll_counts_successes_only_among_kept() -> None:
    assert _dice("4d6kl2>=3", [0, 2, 4, 5]).total == 1


def test_roll_percent_and_fudge_faces() -> None:
    assert roll("d%", _Script([99])).total == 100
    assert roll("4dF", _Script([0, 1, 2, 2])).total == 1


def test_roll_set_keeps_best_item() -> None:
    tree = roll("(1d4, 1d6)kh1", _Script([3, 1])).tree
    assert isinstance(tree, SetResult)
    assert tree.total == 4
    assert tree.kept == (True, False)


def test_roll_comparison_gives_one_or_zero() -> None:
    assert roll("(1d20)>=10", _Script([9])).total == 1
    assert roll("(1d20)>=10", _Script([8])).total == 0


def test_roll_integer_division_floors() -> None:
    assert roll("-7/2", _Script([])).total == -4


def test_roll_division_by_zero_raises() -> None:
    with pytest.raises(EvaluationError):
        roll("1/(1d1-1)", _Script([0]))


def test_roll_accepts_parsed_tree() -> None:
    node = parse("2d6+1")
    assert roll(node, random.Random(1)).total == roll("2d6+1", random.Random(1)).total


def test_compile_tree_returns_runner() -> None:
    runner = compile_tree(parse("3"))
    assert runner(random.Random(0)).total == 3


@PROPERTY
@given(expressions, st.integers(0, 2**32))
def test_roll_seeded_is_reproducible(text: str, seed: int) -> None:
    try:
        first = roll(text, random.Random(seed))
    except DiceError:
        return
    assert roll(text, random.Random(seed)) == first


@PROPERTY
@given(st.text(max_size=40), st.integers(0, 100))
def test_roll_hostile_text_raises_only_engine_errors(text: str, seed: int) -> None:
    try:
        roll(text, random.Random(seed))
    except DiceError:
        pass


@PROPERTY
@given(st.integers(0, 10**80), st.integers(0, 10**80), st.sampled_from(["d", "d%", "dF"]))
def test_roll_huge_numbers_raise_only_engine_errors(count: int, size: int, die: str) -> None:
    text = f"{count}{die}{size if die == 'd' else ''}kh{size}+{count}*{size}"
    try:
        roll(text, random.Random(0))
    except DiceError:
        pass


@PROPERTY
@given(st.integers(0, 600), st.sampled_from(["(", "-", "(-", "((1,", "+"]))
def test_roll_deep_nesting_raises_only_engine_errors(depth: int, opener: str) -> None:
    closer = ")" * opener.count("(")
    try:
        roll(opener * depth + "1d6" + closer * depth, random.Random(0))
    except DiceError:
        pass
