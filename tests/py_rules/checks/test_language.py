import random

from py_rules.checks.abilities import Ability, Character, Proficiency
from py_rules.checks.checks import chance_to_pass
from py_rules.checks.language import (
    CEFR,
    CEFR_DC,
    LanguageChallenge,
    challenge_modifier,
    challenge_odds,
    resolve_challenge,
)
from py_rules.checks.modifiers import Modifier
from py_rules.checks.registry import default_registry
from py_rules.dice.rewrite import Advantage

HERO = Character({Ability.LISTENING: 14}, {"spanish": Proficiency.TRAINED})


def test_cefr_dc_rises_with_level() -> None:
    dcs = [CEFR_DC[level] for level in CEFR]
    assert dcs == sorted(dcs)
    assert (CEFR_DC[CEFR.A1], CEFR_DC[CEFR.C2]) == (8, 20)


def test_challenge_modifier_adds_ability_proficiency_and_stacked_bonuses() -> None:
    bonuses = (Modifier(2, "circumstance"), Modifier(1, "circumstance"), Modifier(-1))
    challenge = LanguageChallenge(Ability.LISTENING, "Spanish", CEFR.B2, bonuses)
    assert challenge_modifier(HERO, challenge, default_registry()) == 2 + 2 + 2 - 1


def test_challenge_odds_match_chance_to_pass() -> None:
    challenge = LanguageChallenge(
        Ability.LISTENING, "spanish", CEFR.C1, advantage=Advantage.ADVANTAGE
    )
    expected = chance_to_pass(17, 4, Advantage.ADVANTAGE)
    assert challenge_odds(HERO, challenge, default_registry()) == expected


def test_resolve_challenge_uses_level_dc() -> None:
    challenge = LanguageChallenge(Ability.READING, "german", CEFR.A2)
    result = resolve_challenge(HERO, challenge, default_registry(), random.Random(2))
    assert result.dc == 10
