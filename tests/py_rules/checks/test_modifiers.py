import pytest

from py_rules.checks.modifiers import Modifier, total_modifier
from py_rules.checks.registry import ModifierType, default_registry
from py_rules.errors import RulesError


def test_typed_bonuses_keep_highest_of_each_type() -> None:
    mods = [Modifier(2, "circumstance"), Modifier(1, "circumstance"), Modifier(1, "item")]
    assert total_modifier(mods, default_registry()) == 3


def test_untyped_bonuses_and_penalties_stack() -> None:
    mods = [Modifier(1), Modifier(2), Modifier(-1, "status"), Modifier(-2, "status")]
    assert total_modifier(mods, default_registry()) == 0


def test_penalty_does_not_cancel_typed_bonus_slot() -> None:
    mods = [Modifier(2, "status"), Modifier(-1, "status")]
    assert total_modifier(mods, default_registry()) == 1


def test_registered_stacking_type_stacks() -> None:
    registry = default_registry()
    registry.add_modifier_type(ModifierType("teamwork", stacks=True))
    assert total_modifier([Modifier(1, "teamwork"), Modifier(1, "teamwork")], registry) == 2


def test_unknown_modifier_type_raises() -> None:
    with pytest.raises(RulesError):
        total_modifier([Modifier(1, "luck")], default_registry())
