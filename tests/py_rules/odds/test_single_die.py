from fractions import Fraction

from py_rules.dice.limits import DEFAULT_LIMITS, Limits
from py_rules.dice.nodes import Dice
from py_rules.dice.parser import parse
from py_rules.odds.convolution import Budget
from py_rules.odds.single_die import die_distribution


def _die(text: str, limits: Limits = DEFAULT_LIMITS) -> dict[int, Fraction]:
    node = parse(text)
    assert isinstance(node, Dice)
    return die_distribution(node, limits, Budget(10**6)).probabilities()


def test_reroll_once() -> None:
    dist = _die("1d6ro1")
    assert dist[1] == Fraction(1, 36)
    assert dist[2] == Fraction(7, 36)


def test_reroll_until_capped() -> None:
    dist = _die("1d6r1", Limits(max_rerolls=2))
    assert dist[1] == Fraction(1, 216)


def test_explosion_compounds_up_to_cap() -> None:
    dist = _die("1d6!", Limits(max_explosions=1))
    assert dist[12] == Fraction(1, 36)
    assert dist[7] == Fraction(1, 36)
    assert 6 not in dist


def test_clamp_moves_mass() -> None:
    assert _die("1d6mi3")[3] == Fraction(1, 2)
