"""Bodies of the learning endpoints: challenges, answers, gm grades and practice reviews."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from functions.dice.models.odds import CheckOddsPublic
from functions.dice.models.rolls import CheckBreakdownPublic, LanguageChallengeCreate
from py_rules import CEFR

__all__ = [
    "AnswerCreate",
    "ChallengeCreate",
    "ChallengeLexemePublic",
    "ChallengeOddsCreate",
    "ChallengeOddsPublic",
    "ChallengePublic",
    "GradeCreate",
    "ParametersPublic",
    "PracticeCreate",
    "ReviewPublic",
    "StatsPublic",
]

RatingName = Literal["again", "hard", "good", "easy"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChallengeCreate(_Strict):
    """Draw lexemes for a challenge: due ones first, then new ones, then the rest."""

    campaign_id: UUID
    cefr: CEFR | None = Field(default=None, description="Level to draw from (null: any)")
    n: int = Field(default=3, ge=1, le=50)
    learner_locale: str = Field(default="en", pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")


class ChallengeLexemePublic(BaseModel):
    """What the player is asked: the gloss, never the answer."""

    lexeme_id: UUID
    gloss: str | None
    part_of_speech: str
    cefr: CEFR
    audio_path: str | None


class ChallengePublic(BaseModel):
    id: UUID
    campaign_id: UUID
    cefr: CEFR | None
    lexemes: list[ChallengeLexemePublic]


class AnswerCreate(_Strict):
    """The player's typed or picked answer for one lexeme of their challenge (auto-graded)."""

    lexeme_id: UUID
    answer: str = Field(max_length=200)
    review_duration_ms: int | None = Field(default=None, ge=0, le=3_600_000)


class GradeCreate(_Strict):
    """The gm's grade of the player's answer for one lexeme of the challenge."""

    lexeme_id: UUID
    rating: RatingName


class PracticeCreate(_Strict):
    """A self-rated review outside a challenge."""

    lexeme_id: UUID
    rating: RatingName
    review_duration_ms: int | None = Field(default=None, ge=0, le=3_600_000)


class StatsPublic(BaseModel):
    """The player's day after the review (as stored in learner_stats)."""

    local_day: date
    time_zone: str
    xp_today: int
    daily_goal_xp: int
    goal_met_today: bool
    streak_days: int
    streak_freezes: int
    frozen_days: list[date]


class ReviewPublic(BaseModel):
    """A recorded review and the lexeme's next review."""

    review_id: int
    lexeme_id: UUID
    user_id: UUID
    rating: RatingName
    expected: list[str] | None = Field(
        default=None, description="Accepted forms (auto-graded answers)"
    )
    xp: int
    state: int
    stability: float | None
    difficulty: float | None
    due: datetime
    stats: StatsPublic


class ChallengeOddsCreate(_Strict):
    """Odds of the character's language check on this challenge (familiarity included)."""

    campaign_id: UUID
    character_id: UUID
    check: LanguageChallengeCreate


class ChallengeOddsPublic(BaseModel):
    odds: CheckOddsPublic
    breakdown: CheckBreakdownPublic


class ParametersPublic(BaseModel):
    """The caller's FSRS weights, fitted to their review log and used from now on."""

    parameters: list[float] = Field(description="The 21 FSRS-6 weights")
    reviews: int = Field(description="Reviews of the log they were fitted to")
    optimized_at: datetime
