"""Seed commitment and reveal: read the commitment, rotate (gms), list revealed seeds."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from functions.common.errors import ApiError
from functions.dice.db import as_caller
from functions.dice.deps import CallerDep, DbDep
from functions.dice.models.seeds import (
    RevealedSeedPublic,
    RevealedSeedsPublic,
    SeedCommitmentPublic,
    SeedRotationPublic,
)
from functions.dice.store import campaign_is_readable, revealed_seeds, rotate_seed, seed_commitment

__all__ = ["router"]

router = APIRouter(prefix="/campaigns/{campaign_id}", tags=["fairness"])

UNKNOWN = "Unknown campaigns answer 403 like campaigns you may not see, so ids never leak."


def _revealed(row: dict[str, Any]) -> RevealedSeedPublic:
    return RevealedSeedPublic(
        server_seed=row["seed"],
        server_seed_hash=row["seed_hash"],
        nonces_used=row["nonces_used"],
        committed_at=row["committed_at"],
        revealed_at=row["revealed_at"],
    )


@router.get(
    "/seed",
    summary="The campaign's current seed commitment",
    description="SHA-256 of the active server seed and the next nonce. Members only. " + UNKNOWN,
    responses={401: {"description": "No valid token"}, 403: {"description": "Not a member"}},
)
async def get_seed(campaign_id: UUID, caller: CallerDep, pool: DbDep) -> SeedCommitmentPublic:
    async with as_caller(pool, caller) as conn:
        row = await seed_commitment(conn, campaign_id)
    return SeedCommitmentPublic(
        campaign_id=campaign_id,
        server_seed_hash=row["seed_hash"],
        next_nonce=row["next_nonce"],
        committed_at=row["committed_at"],
    )


@router.post(
    "/seed/rotate",
    summary="Reveal the campaign's seed and commit a new one",
    description=(
        "Game masters only. Returns the revealed seed (every roll with its hash can now be "
        "recomputed) and the hash of its successor. " + UNKNOWN
    ),
    responses={401: {"description": "No valid token"}, 403: {"description": "Not a gm"}},
)
async def post_rotate(campaign_id: UUID, caller: CallerDep, pool: DbDep) -> SeedRotationPublic:
    async with as_caller(pool, caller) as conn:
        row = await rotate_seed(conn, campaign_id)
    return SeedRotationPublic(
        campaign_id=campaign_id,
        revealed=_revealed(row),
        next_server_seed_hash=row["next_seed_hash"],
    )


@router.get(
    "/seeds",
    summary="Revealed seeds of the campaign",
    description=(
        "Every revealed seed, newest first, for whoever may read the campaign (members, and "
        "everyone for public campaigns, like its public rolls). " + UNKNOWN
    ),
    responses={401: {"description": "No valid token"}, 403: {"description": "Not readable"}},
)
async def get_seeds(campaign_id: UUID, caller: CallerDep, pool: DbDep) -> RevealedSeedsPublic:
    async with as_caller(pool, caller) as conn:
        if not await campaign_is_readable(conn, campaign_id):
            raise ApiError(403, "42501", "You cannot read this campaign", None, "not_readable")
        rows = await revealed_seeds(conn, campaign_id)
    data = [_revealed(row) for row in rows]
    return RevealedSeedsPublic(data=data, count=len(data))
