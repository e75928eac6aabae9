"""Roll planning and fair drawing, without the database."""

from __future__ import annotations

import pytest

from functions.dice.models.rolls import AbilityCheckCreate, LanguageChallengeCreate
from functions.dice.rolling import perform, plan_check, plan_expression
from py_rules import CEFR, Ability, LimitExceeded, ServerSeed, to_json, verify_roll

SEED = ServerSeed(bytes(range(32)))


def test_plan_expression_refuses_text_longer_than_the_column() -> None:
    """dice_rolls.expression holds 200 characters: longer text names max_expression_length."""
    with pytest.raises(LimitExceeded) as raised:
        plan_expression("1+" * 100 + "1")
    assert raised.value.limit == "max_expression_length"


def test_plan_check_adds_score_proficiency_and_modifier() -> None:
    """Listening 14 (+2), native (+8), −1 against a C1 text (DC 17)."""
    check = LanguageChallengeCreate(
        kind="language",
        ability=Ability.LISTENING,
        level=CEFR.C1,
        proficiency="native",
        modifier=-1,
        advantage="disadvantage",
    )
    plan = plan_check(check, {Ability.LISTENING: 14})
    assert (plan.modifier, plan.dc, plan.expression) == (9, 17, "2d20kl1 + 9")


def test_perform_matches_the_verifier() -> None:
    """A check drawn by the service recomputes identically from its stored expression."""
    check = AbilityCheckCreate(kind="ability", ability=Ability.GRAMMAR, dc=12, modifier=-3)
    plan = plan_check(check, {})
    outcome = perform(plan, SEED.reveal(), "client", 41)
    assert outcome.check is not None and outcome.check.natural == outcome.result.total + 3
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
