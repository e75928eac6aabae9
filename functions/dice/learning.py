"""Recording a review: authorize and lock (SQL), schedule (fsrs), derive the day (py_rules),
store everything (SQL); two round trips in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from psycopg.rows import dict_row

from functions.common.errors import ApiError
from functions.dice.db import Conn
from functions.dice.models.learning import ChallengeCreate, ReviewPublic, StatsPublic
from functions.dice.scheduling import MemoryState, schedule, scheduler_for
from py_rules.learning import (
    Activity,
    Rating,
    StreakRules,
    StreakState,
    review_xp,
    streak,
)

__all__ = ["Day", "Review", "accepted_forms", "create_challenge", "record", "streak_of"]

Row = dict[str, Any]


@dataclass(frozen=True)
class Review:
    """One review to record for `learner` (source: answer, gm or practice)."""

    learner: UUID
    lexeme_id: UUID
    source: str
    rating: Rating
    challenge_id: UUID | None = None
    answer: str | None = None
    review_duration_ms: int | None = None
    expected: list[str] | None = None


async def _one(conn: Conn, query: str, params: tuple[Any, ...]) -> Row | None:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return await cur.fetchone()


async def create_challenge(conn: Conn, body: ChallengeCreate) -> tuple[UUID, list[Row]]:
    """Draw as the caller (RLS; due first) and record the challenge (dice service only)."""
    cefr = None if body.cefr is None else body.cefr.value
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "select * from public.draw_challenge_lexemes(%s, %s, %s, %s)",
            (body.campaign_id, cefr, body.n, body.learner_locale),
        )
        lexemes = await cur.fetchall()
    if not lexemes:
        raise ApiError(404, "no_lexemes", "The campaign's content has no lexeme to draw here")
    row = await _one(
        conn,
        "insert into public.learning_challenges (campaign_id, user_id, cefr, lexeme_ids)"
        " values (%s, auth.uid(), %s, %s) returning id",
        (body.campaign_id, cefr, [r["lexeme_id"] for r in lexemes]),
    )
    assert row is not None
    return row["id"], lexemes


async def accepted_forms(conn: Conn, lexeme_id: UUID) -> tuple[str, list[str]]:
    """The lexeme's language, lemma and inflected forms (lexeme_forms), read as the caller."""
    row = await _one(
        conn,
        "select l.learning_language, array[l.lemma] || coalesce(array_agg(f.surface_form)"
        " filter (where f.surface_form is not null), '{}') as forms"
        " from public.lexemes as l left join public.lexeme_forms as f on f.lexeme_id = l.id"
        " where l.id = %s group by l.id",
        (lexeme_id,),
    )
    if row is None:
        raise ApiError(404, "unknown_lexeme", f"Lexeme {lexeme_id} is not readable")
    return str(row["learning_language"]), list(row["forms"])


Day = tuple[str, datetime, datetime, int]  # a rollup day: zone, first and last review, XP


def streak_of(days: Iterable[Day], now: datetime, zone: str, goal: int, xp: int) -> StreakState:
    """The streak from the day rollup plus this review (first and last review of each day)."""
    activities = [Activity(now, zone, xp)]
    for day_zone, first, last, day_xp in days:
        activities += [Activity(first, day_zone, day_xp), Activity(last, day_zone, 0)]
    return streak(activities, now, zone, StreakRules(daily_goal=goal))


def _days(context: Row) -> Iterable[Day]:
    """The rollup, which review_context returns as one array per field (cheaper than rows)."""
    keys = ("day_zones", "day_first_at", "day_last_at", "day_xp")
    return zip(*(context[k] for k in keys), strict=True)


def _before(context: Row) -> MemoryState | None:
    if context["state"] is None:
        return None
    return MemoryState(**{k: context[k] for k in MemoryState.__dataclass_fields__})


async def record(conn: Conn, review: Review) -> ReviewPublic:
    """Authorize and lock, schedule with the player's FSRS scheduler, store; 403 if refused."""
    context = await _one(
        conn,
        "select * from app_private.review_context(%s, %s, %s, %s)",
        (review.learner, review.lexeme_id, review.challenge_id, review.source),
    )
    if context is None:
        raise ApiError(404, "unknown_player", "The player has no profile")
    now: datetime = context["now"]
    scheduler = scheduler_for(context["fsrs_parameters"], context["desired_retention"])
    after = schedule(scheduler, _before(context), review.rating, now)
    xp = review_xp(review.rating, challenge=review.challenge_id is not None)
    state = streak_of(_days(context), now, context["time_zone"], context["daily_goal_xp"], xp)
    stats = StatsPublic(
        local_day=state.today,
        time_zone=context["time_zone"],
        xp_today=state.xp_today,
        daily_goal_xp=context["daily_goal_xp"],
        goal_met_today=state.goal_met_today,
        streak_days=state.days,
        streak_freezes=state.freezes,
        frozen_days=list(state.frozen),
    )
    values = {
        "user_id": review.learner,
        "lexeme_id": review.lexeme_id,
        "challenge_id": review.challenge_id,
        "source": review.source,
        "rating": int(review.rating),
        "answer": review.answer,
        "xp": xp,
        "review_duration_ms": review.review_duration_ms,
        "state": after.state,
        "step": after.step,
        "stability": after.stability,
        "difficulty": after.difficulty,
        "due": after.due,
        "reps": after.reps,
        "lapses": after.lapses,
    }
    row = await _one(
        conn,
        "select app_private.record_review(%s::jsonb, %s::jsonb) as id",
        (orjson.dumps(values).decode(), stats.model_dump_json()),
    )
    assert row is not None
    return ReviewPublic(
        review_id=row["id"],
        lexeme_id=review.lexeme_id,
        user_id=review.learner,
        rating=review.rating.name.lower(),  # type: ignore[arg-type]
        expected=review.expected,
        xp=xp,
        state=after.state,
        stability=after.stability,
        difficulty=after.difficulty,
        due=after.due,
        stats=stats,
    )
