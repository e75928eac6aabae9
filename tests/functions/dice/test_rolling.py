"""Roll planning and fair drawing, without the database."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from functions.dice.models.rolls import AbilityCheckCreate, LanguageChallengeCreate
from functions.dice.rolling import perform, plan_check, plan_expression
from functions.dice.store import Grant, Sheet
from py_rules import CEFR, Ability, LimitExceeded, Proficiency, ServerSeed, to_json, verify_roll

SEED = ServerSeed(bytes(range(32)))


def test_plan_expression_refuses_text_longer_than_the_column() -> None:
    """dice_rolls.expression holds 200 characters: longer text names max_expression_length."""
    with pytest.raises(LimitExceeded) as raised:
        plan_expression("1+" * 100 + "1")
    assert raised.value.limit == "max_expression_length"


def sheet(**overrides: Any) -> Sheet:
    values: dict[str, Any] = {
        "scores": dict.fromkeys(Ability, 10) | {Ability.LISTENING: 14},
        "language": "es",
        "proficiency": Proficiency.NATIVE,
        "dc_table": dict.fromkeys(CEFR),
    }
    return Sheet(**(values | overrides))


def grant(amount: int, kind: str | None = "circumstance") -> Grant:
    return Grant(uuid.uuid4(), amount, kind, None, "given", True, used=False, expired=False)


def test_plan_check_adds_the_sheet_and_the_granted_modifiers() -> None:
    """Listening 14 (+2), native (+8), a granted −1 against a C1 text (DC 17)."""
    check = LanguageChallengeCreate(
        kind="language", ability=Ability.LISTENING, level=CEFR.C1, advantage="disadvantage"
    )
    penalty = grant(-1, None)
    plan = plan_check(check, sheet(), [penalty])
    assert (plan.modifier, plan.dc, plan.expression) == (9, 17, "2d20kl1 + 9")
    assert plan.granted == (penalty.id,) and plan.language == "es"
    assert plan.breakdown is not None
    assert [(t.source, t.field, t.value) for t in plan.breakdown.terms] == [
        ("character_sheet", "characters.listening", 2),
        ("character_sheet", "character_languages.proficiency", 8),
        ("granted_modifier", None, -1),
    ]
    assert plan.breakdown.terms[2].id == penalty.id
    assert plan.breakdown.dc.source == "default"


def test_plan_check_takes_the_campaign_dc_and_counts_one_bonus_per_type() -> None:
    """B2 is DC 15 in this campaign; of two circumstance bonuses only the +2 counts."""
    check = AbilityCheckCreate(kind="ability", ability=Ability.GRAMMAR, level=CEFR.B2)
    low, high = grant(1), grant(2)
    plan = plan_check(check, sheet(dc_table={CEFR.B2: 15}), [low, high])
    assert (plan.modifier, plan.dc, plan.granted) == (2, 15, (high.id,))
    assert plan.breakdown is not None and plan.breakdown.dc.source == "campaign_rules"
    assert [t.counted for t in plan.breakdown.terms] == [0, 0, 2]


@pytest.mark.parametrize("field", ["dc", "modifier", "proficiency"])
def test_a_check_refuses_numbers_from_the_client(field: str) -> None:
    """dc, modifier and proficiency come from the database, never from the request."""
    body = {"kind": "language", "ability": "grammar", "level": "C2", field: 100}
    with pytest.raises(ValidationError) as raised:
        LanguageChallengeCreate.model_validate(body)
    assert raised.value.errors()[0]["type"] == "check_number_from_client"


def test_perform_matches_the_verifier() -> None:
    """A check drawn by the service recomputes identically from its stored expression."""
    check = AbilityCheckCreate(kind="ability", ability=Ability.GRAMMAR, level=CEFR.B1)
    plan = plan_check(check, sheet(scores=dict.fromkeys(Ability, 5)), [])
    outcome = perform(plan, SEED.reveal(), "client", 41)
    assert outcome.check is not None and outcome.check.natural == outcome.result.total + 3
    assert outcome.check.breakdown.terms[0].score == 5
    assert verify_roll(
        revealed_seed=SEED.reveal(),
        commitment=SEED.commitment,
        client_seed="client",
        nonce=41,
        expression=plan.expression,
        recorded=to_json(outcome.result),
    )


def test_perform_is_reproducible_per_nonce() -> None:
    """Same seed, client seed and nonce give the same dice; another nonce gives a new stream."""
    plan = plan_expression("10d20")
    first = to_json(perform(plan, SEED.reveal(), "c", 1).result)
    assert first == to_json(perform(plan, SEED.reveal(), "c", 1).result)
    assert first != to_json(perform(plan, SEED.reveal(), "c", 2).result)
