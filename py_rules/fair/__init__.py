"""Server-authoritative, verifiable rolls (commit, HMAC byte stream, verify)."""

from py_rules.fair.fair_rng import FairRNG, ServerSeed
from py_rules.fair.verify import verify_commitment, verify_roll

__all__ = ["FairRNG", "ServerSeed", "verify_commitment", "verify_roll"]
