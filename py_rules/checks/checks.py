"""Rolling checks and saving throws against a DC, and their exact odds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from py_rules.checks.abilities import Character, Proficiency
from py_rules.checks.degrees import Degree, degree_of_success
from py_rules.checks.modifiers import Modifier, total_modifier
from py_rules.checks.registry import CheckKind, RulesRegistry
from py_rules.dice.evaluator import roll
from py_rules.dice.nodes import Binary, BinOp, Dice, Die, DieKind, Literal, Node
from py_rules.dice.results import BinaryResult, DiceResult, Result, RollResult
from py_rules.dice.rewrite import Advantage, with_advantage
from py_rules.dice.rng import DiceRNG
from py_rules.odds.dice_odds import odds

__all__ = [
    "CheckResult",
    "ability_check",
    "chance_to_pass",
    "check_expression",
    "degree_odds",
    "resolve_check",
]

_D20 = Dice(1, Die(DieKind.STANDARD, 20))


@dataclass(frozen=True)
class CheckResult:
    roll: RollResult
    natural: int
    dc: int
    degree: Degree

    @property
    def total(self) -> int:
        return self.roll.total

    @property
    def passed(self) -> bool:
        return self.degree.passed


def check_expression(modifier: int, advantage: Advantage = Advantage.NONE) -> Node:
    """`1d20 + modifier` (or `- |modifier|`), rewritten for advantage or disadvantage."""
    op = BinOp.ADD if modifier >= 0 else BinOp.SUB
    node: Node = Binary(op, _D20, Literal(abs(modifier))) if modifier else _D20
    return with_advantage(node, advantage)


def _natural(result: Result) -> int:
    """The kept d20 face of a `check_expression` roll."""
    dice = result.left if isinstance(result, BinaryResult) else result
    assert isinstance(dice, DiceResult)
    return next(die.value for die in dice.dice if die.kept)


def resolve_check(
    modifier: int, dc: int, rng: DiceRNG, advantage: Advantage = Advantage.NONE
) -> CheckResult:
    """Roll `1d20 + modifier` against `dc` and grade it (see `degrees`)."""
    rolled = roll(check_expression(modifier, advantage), rng)
    natural = _natural(rolled.tree)
    return CheckResult(rolled, natural, dc, degree_of_success(rolled.total, dc, natural))


def degree_odds(
    modifier: int, dc: int, advantage: Advantage = Advantage.NONE
) -> dict[Degree, Fraction]:
    """Exact chance of each degree of success, natural 20/1 rules included."""
    naturals = odds(with_advantage(_D20, advantage)).probabilities()
    chances = dict.fromkeys(Degree, Fraction(0))
    for natural, chance in naturals.items():
        chances[degree_of_success(natural + modifier, dc, natural)] += chance
    return chances


def chance_to_pass(dc: int, modifier: int = 0, advantage: Advantage = Advantage.NONE) -> Fraction:
    """P(success or critical success) for `1d20 + modifier` against `dc`."""
    chances = degree_odds(modifier, dc, advantage)
    return chances[Degree.SUCCESS] + chances[Degree.CRITICAL_SUCCESS]


def ability_check(
    character: Character,
    check: str,
    registry: RulesRegistry,
    modifiers: Iterable[Modifier] = (),
) -> int:
    """Total modifier for a registered check or save: ability, save proficiency, bonuses."""
    check_type = registry.check_type(check)
    modifier = character.modifier(check_type.ability) + total_modifier(modifiers, registry)
    if check_type.kind is CheckKind.SAVE:
        modifier += character.saves.get(check_type.ability, Proficiency.UNTRAINED)
    return modifier
