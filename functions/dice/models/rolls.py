"""Request and response bodies of the dice service (`<Thing>Create` in, `<Thing>Public` out)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from py_rules import CEFR, Ability

__all__ = [
    "CLIENT_NUMBER_ERROR",
    "AbilityCheckCreate",
    "AdvantageName",
    "CheckBreakdownPublic",
    "CheckOutcomePublic",
    "CheckTermPublic",
    "DcPublic",
    "LanguageChallengeCreate",
    "ProficiencyName",
    "ProofPublic",
    "RollCreate",
    "RollPublic",
]

AdvantageName = Literal["none", "advantage", "disadvantage"]
ProficiencyName = Literal["untrained", "trained", "expert", "master", "native"]
Visibility = Literal["public", "gm", "private"]
LANGUAGE_PATTERN = r"^[a-z]{2,3}(-[A-Z]{2})?$"
# Unambiguous HMAC messages: the service forms f"{client_seed}:{nonce}[:{block}]".
CLIENT_SEED_PATTERN = r"^[A-Za-z0-9_.\-]{1,128}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# What a client may not send in a check: these numbers come from the database.
FROM_THE_DATABASE = {
    "dc": "the campaign's rules (campaign_rules, by level)",
    "modifier": "the character sheet and the gm's granted modifiers (granted_modifiers)",
    "proficiency": "the character sheet (character_languages)",
}
CLIENT_NUMBER_ERROR = "check_number_from_client"


class _CheckCreate(_Strict):
    """What a check names; every number comes from the character sheet and campaign rules."""

    ability: Ability = Field(description="The ability tested, e.g. grammar")
    level: CEFR = Field(
        description="CEFR level of the task; its DC comes from the campaign's rules "
        "(default A1 8, A2 10, B1 12, B2 14, C1 17, C2 20)"
    )
    advantage: AdvantageName = "none"
    granted_modifiers: list[UUID] = Field(
        default_factory=list,
        max_length=10,
        description="Ids of granted_modifiers the gm gave this character, to apply",
    )

    @model_validator(mode="before")
    @classmethod
    def no_numbers_from_the_client(cls, data: Any) -> Any:
        if isinstance(data, dict):
            sent = sorted(key for key in data if key in FROM_THE_DATABASE)
            if sent:
                sources = "; ".join(f"{key} comes from {FROM_THE_DATABASE[key]}" for key in sent)
                raise PydanticCustomError(
                    CLIENT_NUMBER_ERROR,
                    "A check takes no {fields} from the client: {sources}",
                    {"fields": ", ".join(sent), "sources": sources},
                )
        return data

    @field_validator("granted_modifiers")
    @classmethod
    def distinct(cls, ids: list[UUID]) -> list[UUID]:
        if len(set(ids)) != len(ids):
            raise ValueError("granted modifier ids must be distinct")
        return ids


class AbilityCheckCreate(_CheckCreate):
    """1d20 + the character's ability modifier + granted modifiers against the level's DC."""

    kind: Literal["ability"]


class LanguageChallengeCreate(_CheckCreate):
    """Also adds the character's proficiency in the language (the campaign's by default)."""

    kind: Literal["language"]
    language: str | None = Field(
        default=None,
        pattern=LANGUAGE_PATTERN,
        description="Locale tag of the language used; the campaign's target language if omitted",
    )
    challenge_id: UUID | None = Field(
        default=None,
        description="A challenge drawn for the roller (POST /learning/challenges): the check "
        "adds the familiarity bonus of its lexemes (docs/learning.md)",
    )


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
        if self.check is not None and self.character_id is None:
            raise ValueError("a check is a character's: give character_id")
        return self


class ProofPublic(BaseModel):
    """What makes the roll verifiable once the seed with this hash is revealed."""

    server_seed_hash: str = Field(description="SHA-256 commitment of the campaign's server seed")
    client_seed: str
    nonce: int = Field(description="Roll counter of this server seed")


class CheckTermPublic(BaseModel):
    """One number added to the d20 and where it came from."""

    source: Literal["character_sheet", "granted_modifier", "familiarity", "module", "condition"]
    field: str | None = Field(
        default=None,
        examples=["characters.grammar", "character_languages.proficiency"],
        description=(
            "The sheet's column the value comes from; for a module term, the game module as"
            " id@version (the campaign's pin) and the item template, e.g."
            " spanish-core-items@1.0.0:pocket_dictionary; for a condition, its module and name,"
            " e.g. spanish-core-items@1.0.0:tongue_tied"
        ),
    )
    score: int | None = Field(default=None, description="The ability score behind the modifier")
    language: str | None = None
    proficiency: ProficiencyName | None = None
    id: UUID | None = Field(
        default=None,
        description=(
            "The granted modifier's id (familiarity: the challenge's; condition: the"
            " character_conditions row's)"
        ),
    )
    type: str | None = Field(
        default=None, description="circumstance, item, status, untyped or familiarity"
    )
    reason: str | None = None
    value: int
    counted: int = Field(description="What it adds: a lower bonus of the same type adds 0")


class DcPublic(BaseModel):
    """The check's DC and where it came from."""

    value: int
    level: CEFR
    source: Literal["campaign_rules", "default"] = Field(
        description="campaign_rules: the gm's table; default: the rules engine's CEFR_DC"
    )


class CheckBreakdownPublic(BaseModel):
    """Every number of the check with its source; modifier = sum of the terms' `counted`."""

    terms: list[CheckTermPublic]
    dc: DcPublic


class CheckOutcomePublic(BaseModel):
    """How a check went: the kept d20, the DC, the degree of success and where each number
    came from."""

    kind: Literal["ability", "language"]
    ability: Ability
    dc: int
    modifier: int = Field(description="Total modifier added to the d20")
    advantage: AdvantageName
    natural: int = Field(description="The kept d20's face")
    degree: Literal["critical_failure", "failure", "success", "critical_success"]
    passed: bool
    level: CEFR
    language: str | None = None
    breakdown: CheckBreakdownPublic


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
