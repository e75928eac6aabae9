import random

import pytest
from hypothesis import given

from py_rules.dice.evaluator import roll
from py_rules.dice.parser import parse
from py_rules.dice.render import render_expression, render_result, render_roll
from py_rules.errors import DiceError
from tests.py_rules.dice_strategies import PROPERTY, expressions


class _Script:
    def __init__(self, faces: list[int]) -> None:
        self.faces = faces

    def randrange(self, _stop: int, /) -> int:
        return self.faces.pop(0)


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("d20+5[init]", "1d20 + 5 [init]"),
        ("2d20kh", "2d20kh1"),
        ("1d6r1", "1d6r=1"),
        ("8d6!cs>4", "8d6!cs>4"),
        ("4d6kh3r1", "4d6r=1kh3"),
        ("3×4÷2−1", "3 * 4 / 2 - 1"),
        ("(1d4,1d6)kh1", "(1d4, 1d6)kh1"),
        ("(1,)", "(1,)"),
        ("4df", "4dF"),
        ("d%", "1d%"),
    ],
)
def test_render_expression_is_canonical(text: str, canonical: str) -> None:
    assert render_expression(parse(text)) == canonical


@pytest.mark.parametrize(
    ("text", "faces", "breakdown"),
    [
        ("1d20+5", [14], "1d20 (15) + 5 = 20"),
        ("4d6kh3", [0, 3, 4, 5], "4d6kh3 (~~1~~, 4, 5, 6) = 15"),
        ("1d6ro1", [0, 3], "1d6ro=1 (1↻ 4) = 4"),
        ("1d6!", [5, 1], "1d6! (6!+2) = 8"),
        ("2d6mi2", [0, 4], "2d6mi2 (1→2, 5) = 7"),
        ("3d6>4", [0, 4, 5], "3d6>4 (1, **5**, **6**) = 2"),
        ("(1d4, 1d6)kh1", [3, 1], "(1d4 (4), ~~1d6 (2)~~)kh1 = 4"),
        ("-(1d4) [x]", [1], "-(1d4 (2)) [x] = -2"),
    ],
)
def test_render_roll_marks_each_die(text: str, faces: list[int], breakdown: str) -> None:
    assert render_roll(roll(text, _Script(faces))) == breakdown


def test_render_result_renders_subtree() -> None:
    assert render_result(roll("2+3", _Script([])).tree) == "2 + 3"


@PROPERTY
@given(expressions)
def test_render_expression_round_trips(text: str) -> None:
    try:
        tree = parse(text)
    except DiceError:
        return
    assert parse(render_expression(tree)) == tree


@PROPERTY
@given(expressions)
def test_render_roll_ends_with_total(text: str) -> None:
    try:
        result = roll(text, random.Random(7))
    except DiceError:
        return
    assert render_roll(result).endswith(f"= {result.total}")
