"""Stacking: typed bonuses keep only the highest of each type; untyped bonuses and every
penalty add up."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from py_rules.checks.registry import RulesRegistry

__all__ = ["Modifier", "total_modifier"]


@dataclass(frozen=True, slots=True)
class Modifier:
    """A bonus (value > 0) or penalty (value < 0); `type` None means untyped."""

    value: int
    type: str | None = None
    source: str = ""


def total_modifier(modifiers: Iterable[Modifier], registry: RulesRegistry) -> int:
    """Sum after stacking rules; an unknown modifier type raises `RulesError`."""
    total = 0
    best: dict[str, int] = {}
    for modifier in modifiers:
        stacks = modifier.type is None or registry.modifier_type(modifier.type).stacks
        if modifier.value < 0 or stacks:
            total += modifier.value
        else:
            name = str(modifier.type)
            best[name] = max(best.get(name, 0), modifier.value)
    return total + sum(best.values())
