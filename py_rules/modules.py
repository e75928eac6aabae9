"""Rule extensions of game modules, as data: checked against the engine's limits, never run.

A module may add check types (an ability, a DC per CEFR level, degrees of success or not),
modifier kinds, conditions (modifiers of those kinds while active) and named roll macros
(`fireball: 8d6`). `validate_extension` checks them all and names the offending field;
`extend_registry` adds them to a `RulesRegistry`.

ext = RuleExtension(macros=(Macro("haggle_bonus", "1d4"),))
validate_extension(ext)               # RulesError / LimitExceeded naming "macros[0].expression"
registry = extend_registry(default_registry(), ext)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from py_rules.checks.abilities import Ability
from py_rules.checks.language import CEFR
from py_rules.checks.registry import CheckKind, CheckType, ModifierType, RulesRegistry
from py_rules.dice.limits import DEFAULT_LIMITS, Limits
from py_rules.dice.parser import parse
from py_rules.errors import DiceError, LimitExceeded, RulesError
from py_rules.odds.dice_odds import odds

__all__ = [
    "MAX_DC",
    "MAX_MODIFIER",
    "CheckTypeSpec",
    "ConditionSpec",
    "Macro",
    "ModifierKindSpec",
    "ModifierSpec",
    "RuleExtension",
    "extend_registry",
    "validate_extension",
    "validate_modifier",
]

NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
MAX_DC = 40
MAX_MODIFIER = 10
MAX_ENTRIES = 100


@dataclass(frozen=True, slots=True)
class ModifierSpec:
    """A bonus or penalty of a kind (None = untyped), optionally only for some check types."""

    value: int
    type: str | None = None
    checks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CheckTypeSpec:
    name: str
    ability: str
    kind: str = "check"
    dc_by_cefr: Mapping[str, int] = field(default_factory=dict)
    degrees: bool = True


@dataclass(frozen=True, slots=True)
class ModifierKindSpec:
    name: str
    stacks: bool = False


@dataclass(frozen=True, slots=True)
class ConditionSpec:
    name: str
    modifiers: tuple[ModifierSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class Macro:
    name: str
    expression: str


@dataclass(frozen=True, slots=True)
class RuleExtension:
    check_types: tuple[CheckTypeSpec, ...] = ()
    modifier_kinds: tuple[ModifierKindSpec, ...] = ()
    conditions: tuple[ConditionSpec, ...] = ()
    macros: tuple[Macro, ...] = ()


class _FieldError(RulesError):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.field = path


def _name(path: str, name: str) -> None:
    if not NAME.match(name):
        raise _FieldError(path, f"{name!r} is not a lower_snake_case name of at most 48 chars")


def _count(path: str, items: Sequence[object]) -> None:
    if len(items) > MAX_ENTRIES:
        raise _FieldError(path, f"at most {MAX_ENTRIES} entries (got {len(items)})")


def _unique(path: str, names: Sequence[str]) -> None:
    seen: set[str] = set()
    for i, name in enumerate(names):
        _name(f"{path}[{i}].name", name)
        if name in seen:
            raise _FieldError(f"{path}[{i}].name", f"{name!r} is declared twice")
        seen.add(name)


def _modifier(path: str, spec: ModifierSpec, kinds: set[str], checks: set[str]) -> None:
    if not -MAX_MODIFIER <= spec.value <= MAX_MODIFIER:
        raise _FieldError(f"{path}.value", f"must be within ±{MAX_MODIFIER} (got {spec.value})")
    if spec.type is not None and spec.type not in kinds:
        raise _FieldError(f"{path}.type", f"unknown modifier kind {spec.type!r}")
    for j, check in enumerate(spec.checks):
        if check not in checks:
            raise _FieldError(f"{path}.checks[{j}]", f"unknown check type {check!r}")


def _check_type(path: str, spec: CheckTypeSpec) -> None:
    if spec.ability not in {a.value for a in Ability}:
        raise _FieldError(f"{path}.ability", f"unknown ability {spec.ability!r}")
    if spec.kind not in {k.value for k in CheckKind}:
        raise _FieldError(f"{path}.kind", f"must be 'check' or 'save' (got {spec.kind!r})")
    for level, dc in spec.dc_by_cefr.items():
        if level not in {c.value for c in CEFR}:
            raise _FieldError(f"{path}.dc_by_cefr", f"unknown CEFR level {level!r}")
        if not 1 <= dc <= MAX_DC:
            raise _FieldError(f"{path}.dc_by_cefr.{level}", f"DC must be 1..{MAX_DC} (got {dc})")


def _macro(path: str, macro: Macro, limits: Limits) -> None:
    try:
        odds(parse(macro.expression, limits), limits)
    except LimitExceeded as error:
        raise _FieldError(f"{path}.expression", f"exceeds limit {error.limit}") from None
    except DiceError as error:
        raise _FieldError(f"{path}.expression", str(error)) from None


def validate_extension(
    ext: RuleExtension,
    base: RulesRegistry | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> None:
    """Raise `RulesError` (its `field` attribute names the path) on the first invalid entry.

    Macros must parse within `limits` and their exact odds must be computable within them,
    so a macro can always be rolled and shown with its odds.
    """
    for path, items in (
        ("check_types", ext.check_types),
        ("modifier_kinds", ext.modifier_kinds),
        ("conditions", ext.conditions),
        ("macros", ext.macros),
    ):
        _count(path, items)
        _unique(path, [item.name for item in items])
    known_checks = {c.name for c in base.check_types} if base else set()
    known_kinds = set(base.modifier_types) if base else set()
    for i, check in enumerate(ext.check_types):
        if check.name in known_checks:
            raise _FieldError(f"check_types[{i}].name", f"{check.name!r} already exists")
        _check_type(f"check_types[{i}]", check)
    for i, kind in enumerate(ext.modifier_kinds):
        if kind.name in known_kinds:
            raise _FieldError(f"modifier_kinds[{i}].name", f"{kind.name!r} already exists")
    kinds = known_kinds | {k.name for k in ext.modifier_kinds}
    checks = known_checks | {c.name for c in ext.check_types}
    for i, condition in enumerate(ext.conditions):
        _count(f"conditions[{i}].modifiers", condition.modifiers)
        for j, spec in enumerate(condition.modifiers):
            _modifier(f"conditions[{i}].modifiers[{j}]", spec, kinds, checks)
    for i, macro in enumerate(ext.macros):
        _macro(f"macros[{i}]", macro, limits)


def validate_modifier(path: str, spec: ModifierSpec, registry: RulesRegistry) -> None:
    """Check one modifier (e.g. an item template's) against a registry's kinds and checks."""
    checks = {c.name for c in registry.check_types}
    _modifier(path, spec, set(registry.modifier_types), checks)


def extend_registry(registry: RulesRegistry, ext: RuleExtension) -> RulesRegistry:
    """A new registry: `registry`'s types plus the extension's (validated first)."""
    validate_extension(ext, registry)
    out = RulesRegistry(
        registry.check_types,
        [registry.modifier_type(name) for name in registry.modifier_types],
    )
    for check in ext.check_types:
        out.add_check_type(CheckType(check.name, Ability(check.ability), CheckKind(check.kind)))
    for kind in ext.modifier_kinds:
        out.add_modifier_type(ModifierType(kind.name, kind.stacks))
    return out
