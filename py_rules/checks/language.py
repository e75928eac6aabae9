"""Language challenges: the DC comes from the content's CEFR level, the modifier from the
character's ability and proficiency in the target language."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from types import MappingProxyType

from py_rules.checks.abilities import Ability, Character
from py_rules.checks.checks import CheckResult, chance_to_pass, resolve_check
from py_rules.checks.modifiers import Modifier, total_modifier
from py_rules.checks.registry import RulesRegistry
from py_rules.dice.rewrite import Advantage
from py_rules.dice.rng import DiceRNG

__all__ = [
    "CEFR",
    "CEFR_DC",
    "LanguageChallenge",
    "challenge_modifier",
    "challenge_odds",
    "resolve_challenge",
]


class CEFR(enum.Enum):
    A1 = "A1"
    A2 = "A2"
    B1 = "B1"
    B2 = "B2"
    C1 = "C1"
    C2 = "C2"


CEFR_DC: Mapping[CEFR, int] = MappingProxyType(
    {CEFR.A1: 8, CEFR.A2: 10, CEFR.B1: 12, CEFR.B2: 14, CEFR.C1: 17, CEFR.C2: 20}
)


@dataclass(frozen=True)
class LanguageChallenge:
    """E.g. understanding a B2 radio report in Spanish: LISTENING, "spanish", CEFR.B2."""

    ability: Ability
    language: str
    level: CEFR
    modifiers: tuple[Modifier, ...] = ()
    advantage: Advantage = Advantage.NONE

    @property
    def dc(self) -> int:
        return CEFR_DC[self.level]


def challenge_modifier(
    character: Character, challenge: LanguageChallenge, registry: RulesRegistry
) -> int:
    """Ability modifier + language proficiency + stacked situational modifiers."""
    ability = character.modifier(challenge.ability)
    proficiency = character.language(challenge.language)
    return ability + proficiency + total_modifier(challenge.modifiers, registry)


def resolve_challenge(
    character: Character, challenge: LanguageChallenge, registry: RulesRegistry, rng: DiceRNG
) -> CheckResult:
    modifier = challenge_modifier(character, challenge, registry)
    return resolve_check(modifier, challenge.dc, rng, challenge.advantage)


def challenge_odds(
    character: Character, challenge: LanguageChallenge, registry: RulesRegistry
) -> Fraction:
    """Exact chance that the challenge succeeds."""
    modifier = challenge_modifier(character, challenge, registry)
    return chance_to_pass(challenge.dc, modifier, challenge.advantage)
