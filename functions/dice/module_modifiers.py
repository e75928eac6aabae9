"""Modifiers a check gets from the campaign's enabled game modules (issue 21, docs/modules.md).

Equipped, active module items of the character whose module the campaign enables grant their
template's modifiers; each carries its source `module-id@version:item_key`, the version being
the campaign's pin. `module_modifiers` reads them as the roller (RLS decides what is visible);
`resolve_module_modifiers` is the pure part (benchmarked in bench/bench_modules.py).
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
    "EquippedItem",
    "ModuleModifier",
    "module_modifiers",
    "module_registry",
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
class ModuleModifier:
    modifier: Modifier
    module: str  # id@version
    item_key: str
    reason: str

    def public(self, value: int, counted: int) -> CheckTermPublic:
        """Its term of a check's breakdown (shared between rolls: never mutate it)."""
        return _public(self, value, counted)


@functools.lru_cache(maxsize=4096)
def _public(modifier: ModuleModifier, value: int, counted: int) -> CheckTermPublic:
    return CheckTermPublic.model_construct(  # trusted values: skips validation per term
        source="module",
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


# Installed versions never change (install refuses another manifest for an installed id@version;
# a removed and reinstalled one gets a new installed_at), so their item templates are cached per
# process and a roll reads only which items are equipped.
_EQUIPPED = (
    "select i.module_id, cm.version, i.item_key, v.installed_at"
    " from public.character_module_items as i"
    " join public.characters as ch on ch.id = i.character_id"
    " join public.campaign_game_modules as cm"
    " on cm.campaign_id = ch.campaign_id and cm.module_id = i.module_id and cm.enabled"
    " join public.game_module_versions as v"
    " on v.module_id = cm.module_id and v.version = cm.version"
    " where i.character_id = %s and i.equipped and i.active"
)
_TEMPLATES = (
    "select coalesce(manifest -> 'provides' -> 'items', '[]') from public.game_module_versions"
    " where module_id = %s and version = %s"
)
_templates: dict[tuple[str, str, Any], dict[str, Mapping[str, Any]]] = {}


async def _templates_of(conn: Conn, key: tuple[str, str, Any]) -> dict[str, Mapping[str, Any]]:
    cached = _templates.get(key)
    if cached is None:
        async with conn.cursor() as cur:
            await cur.execute(_TEMPLATES, key[:2], prepare=True)
            row = await cur.fetchone()
        cached = {item["key"]: item for item in (row[0] if row else [])}
        if len(_templates) >= _CACHE_SIZE:
            _templates.clear()
        _templates[key] = cached
    return cached


async def module_modifiers(conn: Conn, character_id: UUID, check: str) -> list[ModuleModifier]:
    """The module modifiers of the character's equipped items for `check`, read as the roller."""
    async with conn.cursor() as cur:
        await cur.execute(_EQUIPPED, (character_id,), prepare=True)
        rows = await cur.fetchall()
    items = []
    for module_id, version, item_key, installed_at in rows:
        templates = await _templates_of(conn, (module_id, version, installed_at))
        if item_key in templates:
            items.append(EquippedItem(module_id, version, item_key, templates[item_key]))
    return resolve_module_modifiers(items, check)
