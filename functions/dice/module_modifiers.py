"""Modifiers a check gets from the campaign's enabled game modules (issue 21, docs/modules.md).

Equipped, active module items of the character whose module the campaign enables grant their
template's modifiers; each carries its source `module-id@version:item_key`, the version being
the campaign's pin. `module_modifiers` reads them as the roller (RLS decides what is visible);
`resolve_module_modifiers` is the pure part (benchmarked in bench/bench_modules.py).
"""

from __future__ import annotations

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
        return CheckTermPublic(
            source="module",
            field=f"{self.module}:{self.item_key}",
            type=self.modifier.type or "untyped",
            reason=self.reason,
            value=value,
            counted=counted,
        )


def module_registry(base: RulesRegistry, modules: Iterable[ModuleModifier]) -> RulesRegistry:
    """`base`, plus the modules' own modifier kinds (non-stacking) when any is used.

    Kinds were validated at install (py_rules.modules); `base` is returned unchanged
    when every kind is already known, so a roll without modules pays nothing.
    """
    known = set(base.modifier_types)
    extra = {m.modifier.type for m in modules if m.modifier.type and m.modifier.type not in known}
    if not extra:
        return base
    registry = RulesRegistry(base.check_types, [base.modifier_type(k) for k in known])
    for kind in sorted(t for t in extra if t):
        registry.add_modifier_type(ModifierType(kind))
    return registry


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


# Only the item's template leaves the database, not the whole manifest.
_EQUIPPED = (
    "select i.module_id, cm.version, i.item_key, jsonb_path_query_first("
    " v.manifest, '$.provides.items[*] ? (@.key == $k)', jsonb_build_object('k', i.item_key))"
    " from public.character_module_items as i"
    " join public.characters as ch on ch.id = i.character_id"
    " join public.campaign_game_modules as cm"
    " on cm.campaign_id = ch.campaign_id and cm.module_id = i.module_id and cm.enabled"
    " join public.game_module_versions as v"
    " on v.module_id = cm.module_id and v.version = cm.version"
    " where i.character_id = %s and i.equipped and i.active"
)


async def module_modifiers(conn: Conn, character_id: UUID, check: str) -> list[ModuleModifier]:
    """The module modifiers of the character's equipped items for `check`, read as the roller."""
    async with conn.cursor() as cur:
        await cur.execute(_EQUIPPED, (character_id,), prepare=True)
        rows = await cur.fetchall()
    items = [EquippedItem(m, v, k, t) for m, v, k, t in rows if t is not None]
    return resolve_module_modifiers(items, check)
