"""Third-party verification of a fair roll once the server seed is revealed."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from py_rules.dice.evaluator import roll
from py_rules.dice.json_render import to_json
from py_rules.fair.fair_rng import FairRNG, ServerSeed

__all__ = ["verify_commitment", "verify_roll"]


def verify_commitment(revealed_seed: str, commitment: str) -> bool:
    """True when the revealed seed hashes to the commitment published before rolling."""
    digest = ServerSeed.from_hex(revealed_seed).commitment
    return hmac.compare_digest(digest.encode(), commitment.lower().encode())


def verify_roll(
    *,
    revealed_seed: str,
    commitment: str,
    client_seed: str,
    nonce: int,
    expression: str,
    recorded: Mapping[str, object],
) -> bool:
    """Recompute the roll and compare with the recorded `to_json` output (or its total).

    `recorded` is the `to_json(roll)` dict stored when rolling; a dict with only a "total"
    is compared on the total alone.
    """
    if not verify_commitment(revealed_seed, commitment):
        return False
    seed = ServerSeed.from_hex(revealed_seed)
    recomputed = to_json(roll(expression, FairRNG(seed, client_seed, nonce)))
    if set(recorded) == {"total"}:
        return recorded["total"] == recomputed["total"]
    return dict(recorded) == recomputed
