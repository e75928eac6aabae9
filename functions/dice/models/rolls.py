"""Request and response bodies of the dice service (`<Thing>Create` in, `<Thing>Public` out)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from py_rules import CEFR, Ability

__all__ = [
    "AbilityCheckCreate",
    "AdvantageName",
    "CheckOutcomePublic",
    "LanguageChallengeCreate",
    "ProficiencyName",
    "ProofPublic",
    "RollCreate",
    "RollPublic",
]

AdvantageName = Literal["none", "advantage", "disadvantage"]
ProficiencyName = Literal["untrained", "trained", "expert", "master", "native"]
Visibility = Literal["public", "gm", "private"]
Modifier = Annotated[int, Field(ge=-100, le=100, description="Situational modifier, added last")]
# Unambiguous HMAC messages: the service forms f"{client_seed}:{nonce}[:{block}]".
CLIENT_SEED_PATTERN = r"^[A-Za-z0-9_.\-]{1,128}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AbilityCheckCreate(_Strict):
    """1d20 + ability modifier (from the character, else +0) + modifier against a DC."""

    kind: Literal["ability"]
    ability: Ability = Field(description="The ability tested, e.g. grammar")
    dc: int = Field(ge=1, le=100, description="Difficulty class to meet or beat")
    modifier: Modifier = 0
    advantage: AdvantageName = "none"


class LanguageChallengeCreate(_Strict):
    """A language challenge: the DC comes from the CEFR level of the material."""

    kind: Literal["language"]
    ability: Ability = Field(description="The skill used, e.g. listening")
    level: CEFR = Field(description="CEFR level of the material: A1 (DC 8) .. C2 (DC 20)")
    language: str = Field(default="target", min_length=1, max_length=40)
    proficiency: ProficiencyName = Field(
        default="untrained", description="The character's proficiency in the language"
    )
    modifier: Modifier = 0
    advantage: AdvantageName = "none"


CheckCreate = Annotated[AbilityCheckCreate | LanguageChallengeCreate, Field(discriminator="kind")]


class RollCreate(_Strict):
    """Roll dice notation (`expression`) or a check (`check`) in a campaign: exactly one."""

    campaign_id: UUID
    character_id: UUID | None = Field(default=None, description="The character rolling, if any")
    expression: str | None = Field(
        default=None, max_length=10_000, examples=["4d6kh3", "1d20+5 [initiative]"]
    )
    check: CheckCreate | None = None
    purpose: str | None = Field(default=None, max_length=200, examples=["Grammar check"])
    visibility: Visibility = Field(
        default="public", description="public: all readers; gm and private: roller and gms"
    )
    client_seed: str | None = Field(
        default=None,
        pattern=CLIENT_SEED_PATTERN,
        description="Your contribution to the randomness; random when omitted",
    )

    @model_validator(mode="after")
    def one_kind_of_roll(self) -> RollCreate:
        if (self.expression is None) == (self.check is None):
            raise ValueError("give exactly one of expression and check")
        return self


class ProofPublic(BaseModel):
    """What makes the roll verifiable once the seed with this hash is revealed."""

    server_seed_hash: str = Field(description="SHA-256 commitment of the campaign's server seed")
    client_seed: str
    nonce: int = Field(description="Roll counter of this server seed")


class CheckOutcomePublic(BaseModel):
    """How a check went: the kept d20, the DC and the degree of success."""

    kind: Literal["ability", "language"]
    ability: Ability
    dc: int
    modifier: int = Field(description="Total modifier added to the d20")
    advantage: AdvantageName
    natural: int = Field(description="The kept d20's face")
    degree: Literal["critical_failure", "failure", "success", "critical_success"]
    passed: bool
    level: CEFR | None = None


class RollPublic(BaseModel):
    """A recorded roll with its result tree and fairness proof."""

    id: UUID
    campaign_id: UUID
    character_id: UUID | None
    roller_id: UUID
    expression: str = Field(description="The expression rolled (a check's is 1d20-based)")
    total: int
    rendered: str = Field(examples=["1d20 (15) + 5 [initiative] = 20"])
    result: dict[str, Any] = Field(description="Canonical expression, total and the roll tree")
    check: CheckOutcomePublic | None
    purpose: str | None
    visibility: Visibility
    created_at: datetime
    proof: ProofPublic
