"""FSRS scheduling through the maintained `fsrs` package (never re-implemented here).

The database stores a card's fields (review_states); this module turns them into an
`fsrs.Card`, lets the player's `fsrs.Scheduler` review it, and turns the result back. Fuzzing is
off so that a review log replays to the same states (recomputable, auditable). A player's
parameters come from learner_settings (null: the package's defaults); fitting them with the
package's optimizer is a follow-up (docs/learning.md: it needs torch).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from fsrs import Card, Rating, Scheduler, State

from py_rules.learning import Rating as Grade

__all__ = ["MemoryState", "retrievability", "schedule", "scheduler_for"]


def _utc(at: datetime) -> datetime:
    """The package wants UTC instants; the database hands back the session's zone."""
    return at.astimezone(UTC)


@dataclass(frozen=True)
class MemoryState:
    """A review_states row's scheduling fields."""

    state: int
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int = 0
    lapses: int = 0

    def card(self) -> Card:
        return Card(
            card_id=0,
            state=State(self.state),
            step=self.step,
            stability=self.stability,
            difficulty=self.difficulty,
            due=_utc(self.due),
            last_review=None if self.last_review is None else _utc(self.last_review),
        )


@lru_cache(maxsize=256)
def _scheduler(parameters: tuple[float, ...] | None, retention: float) -> Scheduler:
    if parameters is None:
        return Scheduler(desired_retention=retention, enable_fuzzing=False)
    return Scheduler(parameters=parameters, desired_retention=retention, enable_fuzzing=False)


def scheduler_for(parameters: Sequence[float] | None, retention: float) -> Scheduler:
    """The player's scheduler (cached per parameter set), fuzzing off."""
    return _scheduler(None if parameters is None else tuple(parameters), round(retention, 4))


def schedule(
    scheduler: Scheduler, before: MemoryState | None, grade: Grade, now: datetime
) -> MemoryState:
    """The state after reviewing with `grade` at `now` (`before` None: a new lexeme)."""
    card = Card(card_id=0, due=_utc(now)) if before is None else before.card()
    after, _ = scheduler.review_card(card, Rating(int(grade)), review_datetime=_utc(now))
    lapsed = before is not None and before.state == State.Review and grade is Grade.AGAIN
    return MemoryState(
        state=int(after.state),
        step=after.step,
        stability=after.stability,
        difficulty=after.difficulty,
        due=after.due,
        last_review=after.last_review,
        reps=(0 if before is None else before.reps) + 1,
        lapses=(0 if before is None else before.lapses) + int(lapsed),
    )


def retrievability(scheduler: Scheduler, state: MemoryState | None, now: datetime) -> float | None:
    """The chance of recalling it at `now` (None: never reviewed)."""
    if state is None or state.last_review is None:
        return None
    return float(scheduler.get_card_retrievability(state.card(), _utc(now)))
