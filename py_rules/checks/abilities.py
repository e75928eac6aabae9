"""Language-themed ability scores, proficiency and the character sheet a check reads."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from py_rules.errors import RulesError

__all__ = ["Ability", "Character", "Proficiency", "ability_modifier"]

MIN_SCORE, MAX_SCORE = 1, 30


class Ability(enum.Enum):
    VOCABULARY = "vocabulary"
    GRAMMAR = "grammar"
    LISTENING = "listening"
    SPEAKING = "speaking"
    READING = "reading"
    CULTURE = "culture"


class Proficiency(enum.IntEnum):
    """Bonus added for a trained language or saving throw (PF2e-like steps, level-free)."""

    UNTRAINED = 0
    TRAINED = 2
    EXPERT = 4
    MASTER = 6
    NATIVE = 8


def ability_modifier(score: int) -> int:
    """(score − 10) // 2, so 10–11 → +0, 8–9 → −1, 18–19 → +4."""
    if not MIN_SCORE <= score <= MAX_SCORE:
        raise RulesError(f"ability score {score} outside {MIN_SCORE}..{MAX_SCORE}")
    return (score - 10) // 2


@dataclass(frozen=True)
class Character:
    """What checks need from a character: scores, language and saving-throw proficiencies."""

    scores: Mapping[Ability, int]
    languages: Mapping[str, Proficiency] = field(default_factory=dict)
    saves: Mapping[Ability, Proficiency] = field(default_factory=dict)

    def modifier(self, ability: Ability) -> int:
        return ability_modifier(self.scores.get(ability, 10))

    def language(self, name: str) -> Proficiency:
        return self.languages.get(name.lower(), Proficiency.UNTRAINED)
