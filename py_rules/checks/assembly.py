"""A character's check assembled from stored values, each number with where it came from.

The caller reads the character sheet, the campaign's DC table and the modifiers the game master
granted, and passes them in; nothing here reads or writes anything.

check = assemble_check(
    Character({Ability.GRAMMAR: 18}, {"es": Proficiency.EXPERT}),
    Ability.GRAMMAR, CEFR.B2, language="es",
    granted=(Modifier(2, "circumstance", "grant-id"),),
    dc_table={CEFR.B2: 15},
)
check.modifier, check.dc, check.dc_source   # (10, 15, DcSource.CAMPAIGN)
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from py_rules.checks.abilities import Ability, Character, Proficiency
from py_rules.checks.language import CEFR, CEFR_DC
from py_rules.checks.modifiers import Modifier
from py_rules.checks.registry import RulesRegistry, default_registry
from py_rules.dice.rewrite import Advantage
from py_rules.errors import RulesError

__all__ = [
    "AssembledCheck",
    "CheckTerm",
    "DcSource",
    "TermSource",
    "assemble_check",
    "level_dc",
    "stacked_modifiers",
]

MIN_DC, MAX_DC = 1, 100
_NO_OVERRIDES: Mapping[CEFR, int | None] = MappingProxyType({})


class DcSource(enum.Enum):
    """Where a check's DC came from: the campaign's own table or the engine's `CEFR_DC`."""

    CAMPAIGN = "campaign_rules"
    DEFAULT = "default"


class TermSource(enum.Enum):
    ABILITY = "ability"
    PROFICIENCY = "proficiency"
    GRANTED = "granted_modifier"
    FAMILIARITY = "familiarity"


@dataclass(frozen=True, slots=True)
class CheckTerm:
    """One number added to the d20: its value and what it counts after stacking.

    `ref` names the origin: the ability, the language, or the granted modifier's `source`.
    """

    source: TermSource
    value: int
    counted: int
    ref: str


@dataclass(frozen=True)
class AssembledCheck:
    """1d20 + the counted terms against `dc`, with advantage or not."""

    ability: Ability
    level: CEFR
    dc: int
    dc_source: DcSource
    terms: tuple[CheckTerm, ...]
    advantage: Advantage = Advantage.NONE
    language: str | None = None
    proficiency: Proficiency | None = None

    @property
    def modifier(self) -> int:
        return sum(term.counted for term in self.terms)

    @property
    def granted(self) -> tuple[CheckTerm, ...]:
        """The granted modifiers that count (a non-stacking lower bonus does not)."""
        return tuple(t for t in self.terms if t.source is TermSource.GRANTED and t.counted)


def level_dc(
    level: CEFR, overrides: Mapping[CEFR, int | None] = _NO_OVERRIDES
) -> tuple[int, DcSource]:
    """The DC of `level`: the campaign's override when set (1..100), else `CEFR_DC`."""
    override = overrides.get(level)
    if override is None:
        return CEFR_DC[level], DcSource.DEFAULT
    if not MIN_DC <= override <= MAX_DC:
        raise RulesError(f"DC {override} for {level.value} outside {MIN_DC}..{MAX_DC}")
    return override, DcSource.CAMPAIGN


def stacked_modifiers(modifiers: Sequence[Modifier], registry: RulesRegistry) -> tuple[int, ...]:
    """What each modifier counts after stacking; the sum equals `total_modifier(modifiers)`.

    Penalties and untyped or stacking bonuses count fully; of the bonuses of one non-stacking
    type only the highest (the first of equals) counts, the others count 0.
    """
    counted = [0] * len(modifiers)
    best: dict[str, int] = {}
    for index, modifier in enumerate(modifiers):
        stacks = modifier.type is None or registry.modifier_type(modifier.type).stacks
        if modifier.value < 0 or stacks:
            counted[index] = modifier.value
            continue
        name = str(modifier.type)
        if name not in best or modifier.value > modifiers[best[name]].value:
            best[name] = index
    for index in best.values():
        counted[index] = modifiers[index].value
    return tuple(counted)


def assemble_check(
    character: Character,
    ability: Ability,
    level: CEFR,
    *,
    language: str | None = None,
    granted: Sequence[Modifier] = (),
    dc_table: Mapping[CEFR, int | None] = _NO_OVERRIDES,
    advantage: Advantage = Advantage.NONE,
    registry: RulesRegistry | None = None,
    familiarity: int | None = None,
) -> AssembledCheck:
    """Ability modifier + language proficiency (when `language`) + granted modifiers
    + familiarity (when given: py_rules.learning.familiarity_bonus of the lexemes) vs the DC.

    Granted modifiers carry their grant's id in `Modifier.source`; an unknown modifier type
    raises `RulesError`, as does a DC override outside 1..100.
    """
    rules = registry or default_registry()
    dc, dc_source = level_dc(level, dc_table)
    ability_mod = character.modifier(ability)
    terms = [CheckTerm(TermSource.ABILITY, ability_mod, ability_mod, ability.value)]
    proficiency = None
    if language is not None:
        proficiency = character.language(language)
        bonus = int(proficiency)
        terms.append(CheckTerm(TermSource.PROFICIENCY, bonus, bonus, language.lower()))
    counted = stacked_modifiers(granted, rules)
    terms += (
        CheckTerm(TermSource.GRANTED, modifier.value, count, modifier.source)
        for modifier, count in zip(granted, counted, strict=True)
    )
    if familiarity is not None:
        terms.append(CheckTerm(TermSource.FAMILIARITY, familiarity, familiarity, "lexemes"))
    return AssembledCheck(
        ability, level, dc, dc_source, tuple(terms), advantage, language, proficiency
    )
