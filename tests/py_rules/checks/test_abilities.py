import pytest

from py_rules.checks.abilities import Ability, Character, Proficiency, ability_modifier
from py_rules.errors import RulesError


@pytest.mark.parametrize(
    ("score", "modifier"), [(1, -5), (8, -1), (9, -1), (10, 0), (11, 0), (18, 4), (30, 10)]
)
def test_ability_modifier_floors_half_difference(score: int, modifier: int) -> None:
    assert ability_modifier(score) == modifier


@pytest.mark.parametrize("score", [0, 31])
def test_ability_modifier_rejects_out_of_range(score: int) -> None:
    with pytest.raises(RulesError):
        ability_modifier(score)


def test_character_defaults_missing_score_to_ten() -> None:
    character = Character({Ability.GRAMMAR: 16})
    assert character.modifier(Ability.GRAMMAR) == 3
    assert character.modifier(Ability.CULTURE) == 0


def test_character_language_lookup_is_case_insensitive() -> None:
    character = Character({}, {"french": Proficiency.EXPERT})
    assert character.language("French") is Proficiency.EXPERT
    assert character.language("German") is Proficiency.UNTRAINED
