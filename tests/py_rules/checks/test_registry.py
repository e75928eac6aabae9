import pytest

from py_rules.checks.abilities import Ability
from py_rules.checks.registry import (
    CheckKind,
    CheckType,
    ModifierType,
    RulesRegistry,
    default_registry,
)
from py_rules.errors import RulesError


def test_default_registry_has_check_and_save_per_ability() -> None:
    registry = default_registry()
    assert registry.check_type("listening").ability is Ability.LISTENING
    assert registry.check_type("culture_save").kind is CheckKind.SAVE
    assert len(registry.check_types) == 2 * len(Ability)


def test_add_check_type_extends_registry() -> None:
    registry = default_registry()
    registry.add_check_type(CheckType("haggle", Ability.SPEAKING))
    assert registry.check_type("haggle").ability is Ability.SPEAKING


def test_duplicate_registration_raises() -> None:
    registry = RulesRegistry(modifiers=[ModifierType("item")])
    with pytest.raises(RulesError):
        registry.add_modifier_type(ModifierType("item"))


def test_unknown_check_type_raises() -> None:
    with pytest.raises(RulesError):
        default_registry().check_type("juggling")


def test_default_registries_are_independent() -> None:
    default_registry().add_modifier_type(ModifierType("morale"))
    with pytest.raises(RulesError):
        default_registry().modifier_type("morale")
