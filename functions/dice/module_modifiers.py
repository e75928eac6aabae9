"""Modifiers a check gets from the campaign's enabled game modules (issue 21, docs/modules.md).

Equipped, active module items of the character whose module the campaign enables grant their
template's modifiers, and conditions the game master applied to the character grant the
condition's; each carries its source `module-id@version:key`, the version being the campaign's
pin. `module_modifiers` reads them for the roller (one right check in SQL);
`resolve_module_modifiers` and `resolve_conditions` are the pure part (benchmarked in
bench/bench_modules.py).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from functions.dice.db import Conn
from functions.dice.models.rolls import CheckTermPublic
from py_rules import Modifier, ModifierType, RulesRegistry

__all__ = [
    "ActiveCondition",
    "EquippedItem",
    "ModuleModifier",
    "module_modifiers",
    "module_registry",
    "resolve_conditions",
    "resolve_module_modifiers",
]


_CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class EquippedItem:
    """An equipped item and its template in the campaign's pinned version of its module."""

    module_id: str
    version: str
    item_key: str
    template: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ActiveCondition:
    """A condition applied to the character (`id`: its character_conditions row), as defined
    by the campaign's pinned version of its module."""

    id: UUID
    module_id: str
    version: str
    name: str
    definition: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ModuleModifier:
    modifier: Modifier
    module: str  # id@version
    item_key: str  # the item template's key, or the condition's name
    reason: str
    condition: UUID | None = None  # the applied condition's id (None: an item)

    def public(self, value: int, counted: int) -> CheckTermPublic:
        """Its term of a check's breakdown (shared between rolls: never mutate it)."""
        return _public(self, value, counted)


@functools.lru_cache(maxsize=4096)
def _public(modifier: ModuleModifier, value: int, counted: int) -> CheckTermPublic:
    return CheckTermPublic.model_construct(  # trusted values: skips validation per term
        source="module" if modifier.condition is None else "condition",
        id=modifier.condition,
        field=f"{modifier.module}:{modifier.item_key}",
        type=modifier.modifier.type or "untyped",
        reason=modifier.reason,
        value=value,
        counted=counted,
    )


_registries: dict[tuple[int, frozenset[str]], RulesRegistry] = {}


def module_registry(base: RulesRegistry, modules: Iterable[ModuleModifier]) -> RulesRegistry:
    """`base`, plus the modules' own modifier kinds (non-stacking) when any is used.

    Kinds were validated at install (py_rules.modules); `base` is returned unchanged
    when every kind is already known, so a roll without modules pays nothing.
    """
    known = set(base.modifier_types)
    extra = frozenset(t for m in modules if (t := m.modifier.type) and t not in known)
    if not extra:
        return base
    cached = _registries.get((id(base), extra))
    if cached is None:
        cached = RulesRegistry(base.check_types, [base.modifier_type(k) for k in known])
        for kind in sorted(extra):
            cached.add_modifier_type(ModifierType(kind))
        if len(_registries) >= _CACHE_SIZE:
            _registries.clear()
        _registries[id(base), extra] = cached
    return cached


def resolve_module_modifiers(items: Iterable[EquippedItem], check: str) -> list[ModuleModifier]:
    """The modifiers of `items` that apply to `check` (a check type name, e.g. an ability)."""
    out: list[ModuleModifier] = []
    for item in items:
        module = f"{item.module_id}@{item.version}"
        source = f"{module}:{item.item_key}"
        for spec in item.template.get("modifiers", ()):
            checks = spec.get("checks") or ()
            if checks and check not in checks:
                continue
            reason = spec.get("reason") or item.template["name"].get("en") or item.item_key
            modifier = Modifier(spec["value"], spec.get("type"), source)
            out.append(ModuleModifier(modifier, module, item.item_key, reason))
    return out


def resolve_conditions(conditions: Iterable[ActiveCondition], check: str) -> list[ModuleModifier]:
    """The modifiers of active `conditions` that apply to `check`."""
    out: list[ModuleModifier] = []
    for condition in conditions:
        module = f"{condition.module_id}@{condition.version}"
        # Distinct from an item's source: a condition and an item may share a name.
        source = f"condition:{module}:{condition.name}"
        for spec in condition.definition.get("modifiers", ()):
            checks = spec.get("checks") or ()
            if checks and check not in checks:
                continue
            reason = spec.get("reason") or condition.name
            modifier = Modifier(spec["value"], spec.get("type"), source)
            out.append(ModuleModifier(modifier, module, condition.name, reason, condition.id))
    return out


# Installed versions never change (install refuses another manifest for an installed id@version;
# a removed and reinstalled one gets a new installed_at), so their item templates and conditions
# are cached per process and a roll reads only which items are equipped and which conditions
# apply: one call of app_private.check_module_sources, which checks once that the caller may
# read the character's campaign instead of per-row policies over four tables (bench_modules.py).
_SOURCES = (
    "select module_id, version, installed_at, items, condition_ids, conditions"
    " from app_private.check_module_sources(%s)"
)
_DEFINITIONS = (
    "select coalesce(manifest -> 'provides' -> 'items', '[]'),"
    " coalesce(manifest -> 'provides' -> 'rules' -> 'conditions', '[]')"
    " from public.game_module_versions where module_id = %s and version = %s"
)
Definitions = dict[str, dict[str, Mapping[str, Any]]]
_definitions: dict[tuple[str, str, Any], Definitions] = {}


async def _definitions_of(conn: Conn, key: tuple[str, str, Any]) -> Definitions:
    """The item templates and conditions of an installed version, by kind and key."""
    cached = _definitions.get(key)
    if cached is None:
        async with conn.cursor() as cur:
            await cur.execute(_DEFINITIONS, key[:2], prepare=True)
            row = await cur.fetchone()
        items, conditions = row if row else ([], [])
        cached = {
            "item": {item["key"]: item for item in items},
            "condition": {c["name"]: c for c in conditions},
        }
        if len(_definitions) >= _CACHE_SIZE:
            _definitions.clear()
        _definitions[key] = cached
    return cached


_resolved: dict[tuple[Any, ...], tuple[ModuleModifier, ...]] = {}


async def _resolve(conn: Conn, row: tuple[Any, ...], check: str) -> tuple[ModuleModifier, ...]:
    """One module's items and conditions' modifiers for `check` (a row of
    check_module_sources), cached like the definitions they come from; keys a version does not
    define (an item kept from another version) add nothing."""
    module_id, version, installed_at, keys, condition_ids, names = row
    cache_key = (
        module_id,
        version,
        installed_at,
        tuple(keys or ()),
        tuple(condition_ids or ()),
        check,
    )
    resolved = _resolved.get(cache_key)
    if resolved is None:
        definitions = await _definitions_of(conn, (module_id, version, installed_at))
        items = [
            EquippedItem(module_id, version, key, definitions["item"][key])
            for key in keys or ()
            if key in definitions["item"]
        ]
        conditions = [
            ActiveCondition(id_, module_id, version, name, definitions["condition"][name])
            for id_, name in zip(condition_ids or (), names or (), strict=True)
            if name in definitions["condition"]
        ]
        resolved = tuple(
            resolve_module_modifiers(items, check) + resolve_conditions(conditions, check)
        )
        if len(_resolved) >= _CACHE_SIZE * 16:
            _resolved.clear()
        _resolved[cache_key] = resolved
    return resolved


async def module_modifiers(conn: Conn, character_id: UUID, check: str) -> list[ModuleModifier]:
    """The module modifiers of the character's equipped items and active conditions for
    `check`, as the roller may see them (nothing when they cannot read the campaign)."""
    async with conn.cursor() as cur:
        await cur.execute(_SOURCES, (character_id,), prepare=True)
        rows = await cur.fetchall()
    out: list[ModuleModifier] = []
    for row in rows:
        out.extend(await _resolve(conn, row, check))
    return out
