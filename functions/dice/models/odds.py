"""Bodies of the odds endpoints: exact probabilities as a float and a fraction."""

from __future__ import annotations

from fractions import Fraction

from pydantic import BaseModel, ConfigDict, Field

from functions.dice.models.rolls import AdvantageName

__all__ = ["CheckOddsCreate", "CheckOddsPublic", "ExactPublic", "OddsPublic", "OutcomePublic"]


class ExactPublic(BaseModel):
    """An exact rational value and its float approximation."""

    value: float
    fraction: str = Field(examples=["11/20"], description="Exact value as numerator/denominator")

    @classmethod
    def of(cls, exact: Fraction) -> ExactPublic:
        return cls(value=float(exact), fraction=f"{exact.numerator}/{exact.denominator}")


class OutcomePublic(BaseModel):
    total: int
    probability: ExactPublic


class OddsPublic(BaseModel):
    """Exact statistics of an expression's total."""

    expression: str = Field(description="Canonical form of the expression")
    minimum: int
    maximum: int
    mean: ExactPublic
    variance: ExactPublic
    dc: int | None = None
    chance_at_least_dc: ExactPublic | None = Field(default=None, description="P(total >= dc)")
    distribution: list[OutcomePublic] | None = Field(
        default=None, description="P(total = n) for every possible n (when asked)"
    )


class CheckOddsCreate(BaseModel):
    """A d20 check: chance to meet `dc` with `modifier`, with or without advantage."""

    model_config = ConfigDict(extra="forbid")

    dc: int = Field(ge=-100, le=200)
    modifier: int = Field(default=0, ge=-100, le=100)
    advantage: AdvantageName = "none"


class CheckOddsPublic(BaseModel):
    """Pass chance and each degree's chance (natural 20 / 1 shift the degree by one step)."""

    dc: int
    modifier: int
    advantage: AdvantageName
    expression: str = Field(examples=["2d20kh1 + 3"])
    chance_to_pass: ExactPublic
    degrees: dict[str, ExactPublic] = Field(
        description="critical_failure, failure, success, critical_success"
    )
