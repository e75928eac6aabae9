"""Checks, saving throws, modifiers, degrees of success and language challenges."""

from py_rules.checks.abilities import Ability, Character, Proficiency, ability_modifier
from py_rules.checks.assembly import (
    AssembledCheck,
    CheckTerm,
    DcSource,
    TermSource,
    assemble_check,
    level_dc,
    stacked_modifiers,
)
from py_rules.checks.checks import (
    CheckResult,
    ability_check,
    chance_to_pass,
    check_expression,
    degree_odds,
    resolve_check,
)
from py_rules.checks.degrees import Degree, degree_of_success
from py_rules.checks.language import (
    CEFR,
    CEFR_DC,
    LanguageChallenge,
    challenge_modifier,
    challenge_odds,
    resolve_challenge,
)
from py_rules.checks.modifiers import Modifier, total_modifier
from py_rules.checks.registry import (
    CheckKind,
    CheckType,
    ModifierType,
    RulesRegistry,
    default_registry,
)

__all__ = [
    "CEFR",
    "CEFR_DC",
    "Ability",
    "AssembledCheck",
    "Character",
    "CheckKind",
    "CheckResult",
    "CheckTerm",
    "CheckType",
    "DcSource",
    "Degree",
    "LanguageChallenge",
    "Modifier",
    "ModifierType",
    "Proficiency",
    "RulesRegistry",
    "TermSource",
    "ability_check",
    "ability_modifier",
    "assemble_check",
    "challenge_modifier",
    "challenge_odds",
    "chance_to_pass",
    "check_expression",
    "default_registry",
    "degree_odds",
    "degree_of_success",
    "level_dc",
    "resolve_challenge",
    "resolve_check",
    "stacked_modifiers",
    "total_modifier",
]
