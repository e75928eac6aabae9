import random
from fractions import Fraction

from py_rules.checks.abilities import Ability, Character, Proficiency
from py_rules.checks.checks import (
    ability_check,
    chance_to_pass,
    check_expression,
    degree_odds,
    resolve_check,
)
from py_rules.checks.degrees import Degree
from py_rules.checks.modifiers import Modifier
from py_rules.checks.registry import default_registry
from py_rules.dice.render import render_expression
from py_rules.dice.rewrite import Advantage


class _Script:
    def __init__(self, faces: list[int]) -> None:
        self.faces = faces

    def randrange(self, _stop: int, /) -> int:
        return self.faces.pop(0)


def test_check_expression_renders_modifier_sign() -> None:
    assert render_expression(check_expression(3)) == "1d20 + 3"
    assert render_expression(check_expression(-2, Advantage.ADVANTAGE)) == "2d20kh1 - 2"
    assert render_expression(check_expression(0)) == "1d20"


def test_resolve_check_uses_kept_natural() -> None:
    result = resolve_check(2, 15, _Script([19, 3]), Advantage.ADVANTAGE)
    assert result.natural == 20
    assert result.total == 22
    assert result.degree is Degree.CRITICAL_SUCCESS


def test_resolve_check_natural_one_worsens_degree() -> None:
    result = resolve_check(14, 15, _Script([0]))
    assert (result.total, result.degree, result.passed) == (15, Degree.FAILURE, False)


def test_chance_to_pass_plain_and_with_advantage() -> None:
    assert chance_to_pass(15, 5) == Fraction(11, 20)
    assert chance_to_pass(15, 5, Advantage.ADVANTAGE) == 1 - Fraction(9, 20) ** 2
    assert chance_to_pass(15, 5, Advantage.DISADVANTAGE) == Fraction(11, 20) ** 2


def test_chance_to_pass_counts_natural_twenty_step() -> None:
    assert chance_to_pass(30, 0) == Fraction(0)
    assert chance_to_pass(25, 0) == Fraction(1, 20)


def test_degree_odds_sum_to_one() -> None:
    assert sum(degree_odds(3, 12).values()) == 1


def test_ability_check_adds_save_proficiency_and_bonuses() -> None:
    character = Character({Ability.LISTENING: 14}, saves={Ability.LISTENING: Proficiency.TRAINED})
    registry = default_registry()
    assert ability_check(character, "listening", registry) == 2
    bonus = [Modifier(1, "status")]
    assert ability_check(character, "listening_save", registry, bonus) == 5


def test_resolve_check_with_seeded_rng_is_reproducible() -> None:
    first = resolve_check(3, 12, random.Random(4))
    assert resolve_check(3, 12, random.Random(4)) == first
