"""POST /verify: recompute a roll from a revealed seed, for anyone."""

from __future__ import annotations

from fastapi import APIRouter

from functions.dice.models.seeds import VerificationCreate, VerificationPublic
from py_rules import FairRNG, ServerSeed, roll, to_json, verify_commitment, verify_roll

__all__ = ["router"]

router = APIRouter(tags=["fairness"])


@router.post(
    "/verify",
    summary="Verify a roll against its revealed server seed",
    description=(
        "Checks that SHA-256(`server_seed`) is the roll's committed hash and that re-rolling "
        "`expression` from HMAC-SHA256(server seed, `client_seed:nonce`) gives the recorded "
        "`result` (or `total`). Pure computation: no token, nothing stored. Revealed seeds are "
        "listed by `GET /campaigns/{id}/seeds` and the `revealed_dice_seeds` REST view."
    ),
    responses={400: {"description": "Malformed expression or body"}},
)
async def post_verify(body: VerificationCreate) -> VerificationPublic:
    seed = ServerSeed(bytes.fromhex(body.server_seed))
    recomputed = to_json(roll(body.expression, FairRNG(seed, body.client_seed, body.nonce)))
    recorded = body.result if body.result is not None else {"total": body.total}
    valid = verify_roll(
        revealed_seed=body.server_seed,
        commitment=body.server_seed_hash,
        client_seed=body.client_seed,
        nonce=body.nonce,
        expression=body.expression,
        recorded=recorded,
    )
    return VerificationPublic(
        valid=valid,
        commitment_valid=verify_commitment(body.server_seed, body.server_seed_hash),
        recomputed=recomputed,
    )
