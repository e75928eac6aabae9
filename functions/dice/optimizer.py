"""Per-player FSRS parameters fitted to their own review log (issue 23, docs/learning.md).

The `fsrs` package's optimizer needs torch (gigabytes of wheels); `fsrs-rs-python`, the Python
binding of the Rust FSRS of the same project (open-spaced-repetition), fits the same 21 FSRS-6
weights without it. A lexeme's reviews become one training item per review after the first,
each its history so far with the days elapsed between reviews (local dates in the zone each
review was made in, as the streak counts days); the fitted weights are stored in
learner_settings.fsrs_parameters and every later review of the player is scheduled with them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from fsrs_rs_python import DEFAULT_PARAMETERS, FSRS, FSRSItem, FSRSReview

from functions.common.errors import ApiError
from functions.dice.db import Conn

__all__ = ["MIN_REVIEWS", "Fitted", "LoggedReview", "fit", "read_log", "store", "training_items"]

# Fewer reviews fit the player's noise more than their memory: a judgement call, documented in
# docs/learning.md.
MIN_REVIEWS = 400


@dataclass(frozen=True, slots=True)
class LoggedReview:
    lexeme_id: UUID
    rating: int
    day: date  # local date in the zone it was made in


@dataclass(frozen=True, slots=True)
class Fitted:
    parameters: list[float]
    reviews: int
    optimized_at: datetime


def training_items(log: Iterable[LoggedReview]) -> list[FSRSItem]:
    """One item per review after a lexeme's first: its history up to that review, `delta_t`
    the days since the previous one (0 for the first). Items without a review a day or more
    after the previous one teach the long-term model nothing and are left out."""
    items: list[FSRSItem] = []
    history: list[FSRSReview] = []
    last: LoggedReview | None = None
    long_term = False
    for review in log:  # ordered by lexeme, then time
        if last is None or review.lexeme_id != last.lexeme_id:
            history, long_term = [FSRSReview(review.rating, 0)], False
        else:
            elapsed = (review.day - last.day).days
            history = [*history, FSRSReview(review.rating, elapsed)]
            long_term = long_term or elapsed > 0
            if long_term:
                items.append(FSRSItem(history))
        last = review
    return items


async def read_log(conn: Conn, learner: UUID) -> list[LoggedReview]:
    """The player's review log as the caller reads it (their own rows, RLS)."""
    async with conn.cursor() as cur:
        await cur.execute(
            "select lexeme_id, rating, (reviewed_at at time zone time_zone)::date"
            " from public.review_logs where user_id = %s order by lexeme_id, reviewed_at, id",
            (learner,),
        )
        return [LoggedReview(*row) for row in await cur.fetchall()]


def _compute(items: Sequence[FSRSItem]) -> list[float]:
    return [float(w) for w in FSRS(DEFAULT_PARAMETERS).compute_parameters(items)]


async def fit(log: Sequence[LoggedReview]) -> list[float]:
    """The weights fitted to `log` (409 below MIN_REVIEWS), computed off the event loop."""
    if len(log) < MIN_REVIEWS:
        raise ApiError(
            409,
            "not_enough_reviews",
            f"Fitting FSRS parameters needs {MIN_REVIEWS} reviews; the player has {len(log)}",
            {"reviews": len(log), "needed": MIN_REVIEWS},
            "Keep reviewing: the package's default parameters are used meanwhile.",
        )
    return await asyncio.to_thread(_compute, training_items(log))


async def store(conn: Conn, parameters: Sequence[float]) -> datetime:
    """Store the caller's fitted weights (dice service only; the function checks)."""
    async with conn.cursor() as cur:
        await cur.execute(
            "select app_private.store_fsrs_parameters(%s::double precision[])", (list(parameters),)
        )
        row = await cur.fetchone()
    assert row is not None
    stored: datetime = row[0]
    return stored
