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

from psycopg.rows import dict_row

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
    module_id: str
    item_key: str


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


def _templates(manifest: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    items = manifest.get("provides", {}).get("items", [])
    return {item["key"]: item for item in items}


def resolve_module_modifiers(
    manifests: Mapping[str, Mapping[str, Any]], items: Iterable[EquippedItem], check: str
) -> list[ModuleModifier]:
    """The modifiers of `items` that apply to `check` (a check type name, e.g. an ability);
    `manifests` maps module id to the pinned version's manifest (modules not in it: ignored)."""
    index = {module_id: _templates(m) for module_id, m in manifests.items()}
    out: list[ModuleModifier] = []
    for item in items:
        templates = index.get(item.module_id)
        template = templates.get(item.item_key) if templates else None
        if template is None:
            continue
        module = f"{item.module_id}@{manifests[item.module_id]['version']}"
        for spec in template.get("modifiers", ()):
            checks = spec.get("checks") or ()
            if checks and check not in checks:
                continue
            source = f"{module}:{item.item_key}"
            reason = spec.get("reason") or template["name"].get("en") or item.item_key
            out.append(
                ModuleModifier(
                    Modifier(spec["value"], spec.get("type"), source), module, item.item_key, reason
                )
            )
    return out


_EQUIPPED = (
    "select i.module_id, i.item_key, v.manifest"
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
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(_EQUIPPED, (character_id,))
        rows = await cur.fetchall()
    manifests = {row["module_id"]: row["manifest"] for row in rows}
    items = [EquippedItem(row["module_id"], row["item_key"]) for row in rows]
    return resolve_module_modifiers(manifests, items, check)
