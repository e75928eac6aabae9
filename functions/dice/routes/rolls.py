"""POST /rolls: a provably-fair roll (expression or check), recorded as the caller."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter

from functions.dice.db import Conn, retry_as_caller
from functions.dice.deps import CallerDep, DbDep
from functions.dice.familiarity import challenge_familiarity
from functions.dice.models.rolls import (
    LanguageChallengeCreate,
    ProofPublic,
    RollCreate,
    RollPublic,
)
from functions.dice.module_modifiers import module_modifiers
from functions.dice.rolling import Outcome, Plan, perform, plan_check, plan_expression
from functions.dice.store import (
    Draw,
    allocate_nonce,
    check_sheet,
    granted_modifiers,
    insert_roll,
    use_granted_modifiers,
)
from native_platform.observability.metrics import record_dice_roll
from py_rules import render_roll, to_json

__all__ = ["router"]

router = APIRouter(tags=["rolls"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "description": "Malformed expression (details.position), a limit, a bad body, a check "
        "sending its own numbers (check_number_from_client) or an unusable granted modifier"
    },
    401: {"description": "No valid signed-in user's token"},
    403: {"description": "Not a player or gm of the campaign (unknown campaigns alike)"},
    409: {"description": "A granted modifier was used up meanwhile (PT409)"},
    429: {"description": "Dice rate limit reached; see Retry-After"},
}


async def _plan(conn: Conn, body: RollCreate, parsed: Plan | None) -> Plan:
    """The parsed expression, or the check with its numbers read as the caller (RLS): the
    character's sheet, the campaign's DCs and the granted modifiers named."""
    if parsed is not None:
        return parsed
    check, character_id = body.check, body.character_id
    assert check is not None and character_id is not None  # RollCreate's validator
    language = check.language if isinstance(check, LanguageChallengeCreate) else None
    sheet = await check_sheet(conn, character_id, body.campaign_id, language)
    grants = await granted_modifiers(conn, character_id, check.ability, check.granted_modifiers)
    familiarity = None
    if isinstance(check, LanguageChallengeCreate) and check.challenge_id is not None:
        familiarity = await challenge_familiarity(conn, check.challenge_id, body.campaign_id)
    modules = await module_modifiers(conn, character_id, check.ability.value)
    return plan_check(check, sheet, grants, familiarity, modules)


def _row_values(
    body: RollCreate, plan: Plan, outcome: Outcome, draw: Draw, seed: str
) -> dict[str, Any]:
    detail = {
        "roll": to_json(outcome.result),
        "rendered": render_roll(outcome.result),
        "check": None if outcome.check is None else outcome.check.model_dump(mode="json"),
    }
    return {
        "campaign_id": body.campaign_id,
        "character_id": body.character_id,
        "expression": plan.expression,
        "total": outcome.result.total,
        "detail": detail,
        "purpose": body.purpose,
        "visibility": body.visibility,
        "server_seed_hash": draw.seed_hash,
        "client_seed": seed,
        "nonce": draw.nonce,
    }


@router.post(
    "/rolls",
    status_code=201,
    summary="Roll dice or a check in a campaign",
    description=(
        "Rolls `expression` (dice notation, a plain roll) or a character's `check` with the "
        "campaign's committed server seed: the dice are drawn from HMAC-SHA256(server seed, "
        "`client_seed:nonce`). A check names its kind, ability, CEFR level (and language) and "
        "the ids of modifiers the gm granted; its numbers come from the character sheet, the "
        "campaign's rules and those grants (single-use ones are used up), each recorded with "
        "its source in `check.breakdown`; a dc, modifier or proficiency sent is refused. "
        "The roll is recorded in `dice_rolls` as the caller, so row-level security decides "
        "who may roll and who sees it; verify it once the seed is rotated (`POST /verify`)."
    ),
    responses=ERRORS,
)
async def create_roll(body: RollCreate, caller: CallerDep, pool: DbDep) -> RollPublic:
    parsed = plan_expression(body.expression) if body.expression is not None else None
    client_seed = body.client_seed or secrets.token_hex(16)

    async def record(conn: Conn) -> RollPublic:
        plan = await _plan(conn, body, parsed)
        draw = await allocate_nonce(conn, body.campaign_id)
        outcome = perform(plan, draw.seed, client_seed, draw.nonce)
        values = _row_values(body, plan, outcome, draw, client_seed)
        row = await insert_roll(conn, values)
        if plan.granted:
            await use_granted_modifiers(conn, row["id"], list(plan.granted))
        return RollPublic(
            id=row["id"],
            campaign_id=body.campaign_id,
            character_id=body.character_id,
            roller_id=row["roller_id"],
            expression=plan.expression,
            total=outcome.result.total,
            rendered=values["detail"]["rendered"],
            result=values["detail"]["roll"],
            check=outcome.check,
            purpose=body.purpose,
            visibility=body.visibility,
            created_at=row["created_at"],
            proof=ProofPublic(
                server_seed_hash=draw.seed_hash, client_seed=client_seed, nonce=draw.nonce
            ),
        )

    roll = await retry_as_caller(pool, caller, record, roll_source=True)
    record_dice_roll(body.check.kind if body.check is not None else "expression")
    return roll
