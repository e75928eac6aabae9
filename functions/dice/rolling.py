"""What a roll request means in dice: a parsed expression or a check, drawn from a fair RNG."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from functions.dice.config import SERVICE_LIMITS
from functions.dice.familiarity import Familiarity
from functions.dice.models.rolls import (
    AbilityCheckCreate,
    CheckBreakdownPublic,
    CheckOutcomePublic,
    CheckTermPublic,
    DcPublic,
    LanguageChallengeCreate,
)
from functions.dice.module_modifiers import ModuleModifier, module_registry
from functions.dice.store import Grant, Sheet
from py_rules import (
    Advantage,
    AssembledCheck,
    Character,
    CheckTerm,
    FairRNG,
    Modifier,
    Node,
    RollResult,
    ServerSeed,
    TermSource,
    assemble_check,
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
    """A validated roll: the tree to roll, the text stored, and the check it resolves
    (with the breakdown of its numbers and the granted modifiers that count)."""

    node: Node
    expression: str
    check: AbilityCheckCreate | LanguageChallengeCreate | None = None
    modifier: int = 0
    dc: int = 0
    breakdown: CheckBreakdownPublic | None = None
    granted: tuple[UUID, ...] = ()
    language: str | None = None


@dataclass(frozen=True)
class Outcome:
    result: RollResult
    check: CheckOutcomePublic | None


def plan_expression(text: str) -> Plan:
    """Parse dice notation (DiceSyntaxError / LimitExceeded before anything is drawn)."""
    stripped = text.strip()
    return Plan(parse(stripped, SERVICE_LIMITS), stripped)


def _term(
    term: CheckTerm,
    check: AssembledCheck,
    sheet: Sheet,
    grants: Mapping[str, Grant],
    familiarity: Familiarity | None,
    modules: Mapping[str, ModuleModifier],
) -> CheckTermPublic:
    if term.ref in modules:
        return modules[term.ref].public(term.value, term.counted)
    if term.source is TermSource.ABILITY:
        return CheckTermPublic(
            source="character_sheet",
            field=f"characters.{term.ref}",
            score=sheet.scores[check.ability],
            value=term.value,
            counted=term.counted,
        )
    if term.source is TermSource.PROFICIENCY:
        assert check.proficiency is not None
        return CheckTermPublic(
            source="character_sheet",
            field="character_languages.proficiency",
            language=term.ref,
            proficiency=check.proficiency.name.lower(),  # type: ignore[arg-type]
            value=term.value,
            counted=term.counted,
        )
    if term.source is TermSource.FAMILIARITY:
        assert familiarity is not None
        return CheckTermPublic(
            source="familiarity",
            field="review_states",
            id=familiarity.challenge_id,
            type="familiarity",
            reason=familiarity.reason,
            value=term.value,
            counted=term.counted,
        )
    grant = grants[term.ref]
    return CheckTermPublic(
        source="granted_modifier",
        id=grant.id,
        type=grant.type or "untyped",
        reason=grant.reason,
        value=term.value,
        counted=term.counted,
    )


def _breakdown(
    check: AssembledCheck,
    sheet: Sheet,
    grants: list[Grant],
    familiarity: Familiarity | None,
    modules: Mapping[str, ModuleModifier],
) -> CheckBreakdownPublic:
    by_id = {str(grant.id): grant for grant in grants}
    return CheckBreakdownPublic(
        terms=[_term(term, check, sheet, by_id, familiarity, modules) for term in check.terms],
        dc=DcPublic(value=check.dc, level=check.level, source=check.dc_source.value),
    )


def plan_check(
    check: AbilityCheckCreate | LanguageChallengeCreate,
    sheet: Sheet,
    grants: list[Grant],
    familiarity: Familiarity | None = None,
    modules: Sequence[ModuleModifier] = (),
) -> Plan:
    """1d20 + the sheet's, the granted and the enabled modules' numbers (rewritten for
    advantage) vs the level's DC."""
    by_source = {m.modifier.source: m for m in modules}
    language = sheet.language if isinstance(check, LanguageChallengeCreate) else None
    character = Character(
        scores=sheet.scores, languages={sheet.language.lower(): sheet.proficiency}
    )
    assembled = assemble_check(
        character,
        check.ability,
        check.level,
        language=language,
        granted=[Modifier(g.amount, g.type, str(g.id)) for g in grants]
        + [m.modifier for m in modules],
        dc_table=sheet.dc_table,
        advantage=Advantage(check.advantage),
        registry=module_registry(_REGISTRY, modules),
        familiarity=None if familiarity is None else familiarity.bonus,
    )
    node = check_expression(assembled.modifier, assembled.advantage)
    return Plan(
        node,
        render_expression(node),
        check,
        assembled.modifier,
        assembled.dc,
        _breakdown(assembled, sheet, grants, familiarity, by_source),
        tuple(UUID(term.ref) for term in assembled.granted if term.ref not in by_source),
        language,
    )


def perform(plan: Plan, seed_hex: str, client_seed: str, nonce: int) -> Outcome:
    """Draw the roll from HMAC-SHA256(seed, client_seed:nonce), as `verify_roll` will."""
    rng = FairRNG(ServerSeed(bytes.fromhex(seed_hex)), client_seed, nonce)
    check = plan.check
    if check is None:
        return Outcome(roll(plan.node, rng, SERVICE_LIMITS), None)
    assert plan.breakdown is not None  # planned by plan_check
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
        level=check.level,
        language=plan.language,
        breakdown=plan.breakdown,
    )
    return Outcome(checked.roll, outcome)
