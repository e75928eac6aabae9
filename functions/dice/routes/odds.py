"""Exact odds: of any expression (GET /odds) and of a d20 check (POST /odds/check)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from functions.dice.models.odds import CheckOddsCreate, CheckOddsPublic, OddsPublic
from functions.dice.stats import check_odds, expression_odds

__all__ = ["router"]

router = APIRouter(tags=["odds"])


@router.get(
    "/odds",
    summary="Exact odds of a dice expression",
    description=(
        "Exact mean, variance and chance that the total meets `dc`, computed from integer "
        "counts (no simulation); `distribution=true` adds P(total = n) for every n. "
        "No token needed."
    ),
    responses={400: {"description": "Malformed expression (details.position) or a limit"}},
)
async def get_odds(
    expression: Annotated[str, Query(min_length=1, max_length=10_000, examples=["4d6kh3"])],
    dc: Annotated[int | None, Query(ge=-1_000_000, le=1_000_000)] = None,
    distribution: bool = False,
) -> OddsPublic:
    return await run_in_threadpool(expression_odds, expression, dc, distribution)


@router.post(
    "/odds/check",
    summary="Chance to pass a DC with a modifier",
    description=(
        "Chance that 1d20 + `modifier` meets `dc`, with or without advantage, and the chance of "
        "each degree of success (a natural 20 improves it one step, a natural 1 worsens it)."
    ),
)
async def post_check_odds(body: CheckOddsCreate) -> CheckOddsPublic:
    return check_odds(body)
