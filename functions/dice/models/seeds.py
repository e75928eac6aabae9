"""Bodies of the seed commitment, rotation and verification endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from functions.dice.models.rolls import CLIENT_SEED_PATTERN

__all__ = [
    "RevealedSeedPublic",
    "RevealedSeedsPublic",
    "SeedCommitmentPublic",
    "SeedRotationPublic",
    "VerificationCreate",
    "VerificationPublic",
]

HEX64 = r"^[0-9a-fA-F]{64}$"


class SeedCommitmentPublic(BaseModel):
    """The active server seed's commitment: every roll until rotation carries this hash."""

    campaign_id: UUID
    server_seed_hash: str = Field(description="SHA-256 (hex) of the secret server seed")
    next_nonce: int | None = Field(
        description=(
            "Nonce the next roll with this seed will use; game masters only (it counts rolls "
            "hidden from others), null for other members"
        )
    )
    committed_at: datetime


class RevealedSeedPublic(BaseModel):
    """A rotated-out seed: recompute rolls with nonces 0 .. nonces_used - 1."""

    server_seed: str = Field(description="The revealed secret (hex)")
    server_seed_hash: str
    nonces_used: int | None = Field(
        description="Rolls used nonces 0 .. nonces_used - 1; game masters only, else null"
    )
    committed_at: datetime
    revealed_at: datetime


class RevealedSeedsPublic(BaseModel):
    data: list[RevealedSeedPublic]
    count: int


class SeedRotationPublic(BaseModel):
    """The seed just revealed and the commitment that replaces it."""

    campaign_id: UUID
    revealed: RevealedSeedPublic
    next_server_seed_hash: str


class VerificationCreate(BaseModel):
    """A roll and a revealed seed; give the recorded `result` (roll tree) or just its `total`."""

    model_config = ConfigDict(extra="forbid")

    server_seed: str = Field(pattern=HEX64, description="The revealed seed (hex)")
    server_seed_hash: str = Field(pattern=HEX64, description="The roll's committed hash")
    client_seed: str = Field(pattern=CLIENT_SEED_PATTERN)
    nonce: int = Field(ge=0)
    expression: str = Field(min_length=1, max_length=10_000)
    result: dict[str, Any] | None = Field(
        default=None, description="The roll's `result` (dice_rolls.detail -> 'roll')"
    )
    total: int | None = None

    @model_validator(mode="after")
    def something_to_compare(self) -> VerificationCreate:
        if self.result is None and self.total is None:
            raise ValueError("give the recorded result or total")
        return self


class VerificationPublic(BaseModel):
    valid: bool = Field(description="The seed matches the hash and the roll recomputes equal")
    commitment_valid: bool = Field(description="SHA-256(server_seed) equals server_seed_hash")
    recomputed: dict[str, Any] = Field(description="The roll recomputed from the revealed seed")
