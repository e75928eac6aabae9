"""What a roll request means in dice: a parsed expression or a check, drawn from a fair RNG."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from functions.dice.config import SERVICE_LIMITS
from functions.dice.models.rolls import (
    AbilityCheckCreate,
    CheckOutcomePublic,
    LanguageChallengeCreate,
)
from py_rules import (
    Ability,
    Advantage,
    Character,
    FairRNG,
    LanguageChallenge,
    Node,
    Proficiency,
    RollResult,
    ServerSeed,
    ability_check,
    challenge_modifier,
    check_expression,
    default_registry,
    parse,
    render_expression,
    resolve_check,
    roll,
)

__all__ = ["Outcome", "Plan", "perform", "plan_check", "plan_expression"]

_REGISTRY = default_registry()


@dataclass(frozen=True)
class Plan:
    """A validated roll: the tree to roll, the text stored, and the check it resolves."""

    node: Node
    expression: str
    check: AbilityCheckCreate | LanguageChallengeCreate | None = None
    modifier: int = 0
    dc: int = 0


@dataclass(frozen=True)
class Outcome:
    result: RollResult
    check: CheckOutcomePublic | None


def plan_expression(text: str) -> Plan:
    """Parse dice notation (DiceSyntaxError / LimitExceeded before anything is drawn)."""
    stripped = text.strip()
    return Plan(parse(stripped, SERVICE_LIMITS), stripped)


def _modifier_and_dc(
    check: AbilityCheckCreate | LanguageChallengeCreate, scores: Mapping[Ability, int]
) -> tuple[int, int]:
    if isinstance(check, AbilityCheckCreate):
        character = Character(scores=scores)
        return ability_check(character, check.ability.value, _REGISTRY) + check.modifier, check.dc
    proficiency = Proficiency[check.proficiency.upper()]
    character = Character(scores=scores, languages={check.language.lower(): proficiency})
    challenge = LanguageChallenge(check.ability, check.language, check.level)
    return challenge_modifier(character, challenge, _REGISTRY) + check.modifier, challenge.dc


def plan_check(
    check: AbilityCheckCreate | LanguageChallengeCreate, scores: Mapping[Ability, int]
) -> Plan:
    """1d20 + modifier (rewritten for advantage) against the check's DC."""
    modifier, dc = _modifier_and_dc(check, scores)
    node = check_expression(modifier, Advantage(check.advantage))
    return Plan(node, render_expression(node), check, modifier, dc)


def perform(plan: Plan, seed_hex: str, client_seed: str, nonce: int) -> Outcome:
    """Draw the roll from HMAC-SHA256(seed, client_seed:nonce), as `verify_roll` will."""
    rng = FairRNG(ServerSeed(bytes.fromhex(seed_hex)), client_seed, nonce)
    check = plan.check
    if check is None:
        return Outcome(roll(plan.node, rng, SERVICE_LIMITS), None)
    checked = resolve_check(plan.modifier, plan.dc, rng, Advantage(check.advantage))
    outcome = CheckOutcomePublic(
        kind=check.kind,
        ability=check.ability,
        dc=plan.dc,
        modifier=plan.modifier,
        advantage=check.advantage,
        natural=checked.natural,
        degree=checked.degree.name.lower(),  # type: ignore[arg-type]
        passed=checked.passed,
        level=check.level if isinstance(check, LanguageChallengeCreate) else None,
    )
    return Outcome(checked.roll, outcome)
