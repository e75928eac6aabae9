"""The daily loop: XP per review, the daily goal and a streak fair across time zones.

Everything is derived from the review log, so it can be recomputed and audited: each review is
an `Activity` (its instant, the player's IANA zone at that instant, its XP). Rules:

* A review's *local day* is its date in the zone it was made in. XP of one local date adds up
  across zones, and a date counts once (moving west into a date already credited gives no
  second credit).
* A *goal day* is a local date whose XP reaches the daily goal. The streak counts goal days.
* Between two goal days d1 < d2 the *missed* days are those that passed in both zones: with t2
  the first review of d2 and z1 the zone of the last review of d1, missed =
  min(d2, date of t2 in z1) - d1 - 1 (at least 0). A zone move or a DST change never makes a
  day missed by itself: a date skipped by flying east was never lived. Times within a local day
  do not matter (a review at 00:01 and the next at 23:59 of the following day continue).
* Freezes: one is earned each time the streak reaches a multiple of `freeze_every` goal days,
  at most `freeze_cap` in store. Missed days are covered by freezes automatically, one each,
  when all of them can be; otherwise the streak restarts at 1 (freezes are kept).
* Today: the streak is still alive while today's goal is not met yet, as long as the days
  missed between the last goal day and today (same rule, now in the current zone) are frozen.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from py_rules.learning.answers import Rating

__all__ = ["Activity", "StreakRules", "StreakState", "local_date", "review_xp", "streak"]

_RATING_XP = {Rating.AGAIN: 1, Rating.HARD: 3, Rating.GOOD: 5, Rating.EASY: 5}
CHALLENGE_XP = 5


def review_xp(rating: Rating, challenge: bool) -> int:
    """XP of one review: 1 for Again, 3 Hard, 5 Good or Easy; a challenge's review adds 5."""
    return _RATING_XP[rating] + (CHALLENGE_XP if challenge else 0)


@dataclass(frozen=True, slots=True)
class Activity:
    """XP earned at an instant (timezone-aware) by a player living in `zone`."""

    at: datetime
    zone: str
    xp: int


@dataclass(frozen=True, slots=True)
class StreakRules:
    daily_goal: int = 30
    freeze_every: int = 7
    freeze_cap: int = 2


@dataclass(frozen=True)
class StreakState:
    """The streak as of `today` (the local date of `now` in the current zone)."""

    today: date
    xp_today: int
    goal_met_today: bool
    days: int
    freezes: int
    frozen: tuple[date, ...] = field(default=())
    goal_days: tuple[date, ...] = field(default=())


def local_date(at: datetime, zone: str) -> date:
    """The date of an aware instant in an IANA zone."""
    return at.astimezone(ZoneInfo(zone)).date()


@dataclass
class _Day:
    xp: int
    first: Activity
    last: Activity


def _days(activities: Iterable[Activity]) -> dict[date, _Day]:
    days: dict[date, _Day] = {}
    for activity in sorted(activities, key=lambda a: a.at):
        key = local_date(activity.at, activity.zone)
        day = days.get(key)
        if day is None:
            days[key] = _Day(activity.xp, activity, activity)
        else:
            day.xp += activity.xp
            day.last = activity
    return days


def _missed(d1: date, last: Activity, d2: date, first_at: datetime) -> list[date]:
    """Dates after d1 that passed both in d1's zone and before d2 (see the module's rules)."""
    end = min(d2, local_date(first_at, last.zone))
    return [date.fromordinal(n) for n in range(d1.toordinal() + 1, end.toordinal())]


@dataclass
class _Run:
    rules: StreakRules
    days: int = 0
    freezes: int = 0
    frozen: list[date] = field(default_factory=list)

    def cover(self, missed: Sequence[date]) -> bool:
        """Freeze the missed days if all can be; else restart (False)."""
        if len(missed) <= self.freezes:
            self.freezes -= len(missed)
            self.frozen += missed
            return True
        self.days, self.frozen = 0, []
        return False

    def credit(self) -> None:
        self.days += 1
        if self.days % self.rules.freeze_every == 0:
            self.freezes = min(self.rules.freeze_cap, self.freezes + 1)


def streak(
    activities: Iterable[Activity], now: datetime, zone: str, rules: StreakRules | None = None
) -> StreakState:
    """The streak, freezes and today's XP from every activity up to `now` in `zone`."""
    rules = rules or StreakRules()
    days = _days(a for a in activities if a.at <= now)
    goal_days = sorted(d for d, day in days.items() if day.xp >= rules.daily_goal)
    run = _Run(rules)
    previous: date | None = None
    for current in goal_days:
        if previous is not None:
            run.cover(_missed(previous, days[previous].last, current, days[current].first.at))
        run.credit()
        previous = current
    today = local_date(now, zone)
    if previous is not None and previous < today:
        # The days missed up to today: freezes hold the streak until today's goal can be met.
        run.cover(_missed(previous, days[previous].last, today, now))
    xp_today = days[today].xp if today in days else 0
    return StreakState(
        today=today,
        xp_today=xp_today,
        goal_met_today=xp_today >= rules.daily_goal,
        days=run.days,
        freezes=run.freezes,
        frozen=tuple(run.frozen),
        goal_days=tuple(goal_days),
    )
