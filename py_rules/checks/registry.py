"""Rules as data: check types and modifier types, extensible by other modules.

registry = default_registry()
registry.add_modifier_type(ModifierType("morale"))
registry.add_check_type(CheckType("haggle", Ability.SPEAKING))
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from py_rules.checks.abilities import Ability
from py_rules.errors import RulesError

__all__ = ["CheckKind", "CheckType", "ModifierType", "RulesRegistry", "default_registry"]


class CheckKind(enum.Enum):
    CHECK = "check"
    SAVE = "save"


@dataclass(frozen=True, slots=True)
class ModifierType:
    """A bonus type; bonuses of a non-stacking type do not add up: only the highest applies."""

    name: str
    stacks: bool = False


@dataclass(frozen=True, slots=True)
class CheckType:
    """A named check or saving throw and the ability it rolls."""

    name: str
    ability: Ability
    kind: CheckKind = CheckKind.CHECK


class RulesRegistry:
    """Known check and modifier types; unknown names raise `RulesError`."""

    def __init__(
        self, checks: Iterable[CheckType] = (), modifiers: Iterable[ModifierType] = ()
    ) -> None:
        self._checks: dict[str, CheckType] = {}
        self._modifiers: dict[str, ModifierType] = {}
        for check in checks:
            self.add_check_type(check)
        for modifier in modifiers:
            self.add_modifier_type(modifier)

    def add_check_type(self, check: CheckType) -> None:
        if check.name in self._checks:
            raise RulesError(f"check type {check.name!r} already registered")
        self._checks[check.name] = check

    def add_modifier_type(self, modifier: ModifierType) -> None:
        if modifier.name in self._modifiers:
            raise RulesError(f"modifier type {modifier.name!r} already registered")
        self._modifiers[modifier.name] = modifier

    def check_type(self, name: str) -> CheckType:
        try:
            return self._checks[name]
        except KeyError:
            raise RulesError(f"unknown check type {name!r}") from None

    def modifier_type(self, name: str) -> ModifierType:
        try:
            return self._modifiers[name]
        except KeyError:
            raise RulesError(f"unknown modifier type {name!r}") from None

    @property
    def check_types(self) -> tuple[CheckType, ...]:
        return tuple(self._checks.values())

    @property
    def modifier_types(self) -> tuple[str, ...]:
        return tuple(self._modifiers)


def default_registry() -> RulesRegistry:
    """A fresh registry: `<ability>` checks, `<ability>_save` saves, PF2e's bonus types."""
    checks = [CheckType(ability.value, ability) for ability in Ability]
    checks += [CheckType(f"{a.value}_save", a, CheckKind.SAVE) for a in Ability]
    modifiers = [ModifierType(name) for name in ("circumstance", "item", "status")]
    return RulesRegistry(checks, modifiers)
