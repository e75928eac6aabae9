"""Streak rules over random review timelines across time zones, DST changes and moves."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from py_rules.learning import Activity, Rating, StreakRules, local_date, review_xp, streak

# Zones with DST in both hemispheres, half-hour and 45-minute offsets, a 30-minute DST shift
# (Lord Howe) and both ends of the date line.
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Sao_Paulo",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "America/St_Johns",
]
# Spans DST changes of both hemispheres.
START = datetime(2026, 3, 1, tzinfo=UTC)
RULES = StreakRules(daily_goal=1, freeze_every=7, freeze_cap=2)
NO_FREEZES = StreakRules(daily_goal=1, freeze_every=10_000, freeze_cap=0)

zones = st.sampled_from(ZONES)


def _at_local(day: date, minute: int, zone: str) -> datetime:
    """An instant on `day` in `zone` (nonexistent DST times resolve forward, as zoneinfo does)."""
    naive = datetime.combine(day, time()) + timedelta(minutes=minute)
    aware = naive.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    return aware if local_date(aware, zone) == day else aware - timedelta(hours=1)


@st.composite
def daily_timeline(draw: st.DrawFn) -> tuple[str, list[Activity]]:
    """A fixed zone and at least one review on each of n consecutive local dates."""
    zone = draw(zones)
    first = START.date() + timedelta(days=draw(st.integers(0, 250)))
    n = draw(st.integers(1, 40))
    activities = []
    for offset in range(n):
        day = first + timedelta(days=offset)
        for minute in draw(st.lists(st.integers(0, 1439), min_size=1, max_size=3)):
            activities.append(Activity(_at_local(day, minute, zone), zone, 1))
    return zone, activities


@st.composite
def moving_timeline(draw: st.DrawFn, max_gap_minutes: int = 3600) -> list[Activity]:
    """Reviews at increasing instants, 10 minutes to 60 hours apart (or `max_gap_minutes`), the
    zone changing at will."""
    at = START + timedelta(minutes=draw(st.integers(0, 300_000)))
    activities = []
    for _ in range(draw(st.integers(1, 30))):
        activities.append(Activity(at, draw(zones), draw(st.integers(0, 3))))
        at += timedelta(minutes=draw(st.integers(10, max_gap_minutes)))
    return activities


@given(daily_timeline())
@settings(max_examples=200, deadline=None)
def test_streak_counts_every_local_day_across_dst(case: tuple[str, list[Activity]]) -> None:
    """No lost day: a review on each local date of a zone is a streak of that many days."""
    zone, activities = case
    now = max(a.at for a in activities)
    dates = {local_date(a.at, zone) for a in activities}
    state = streak(activities, now, zone, NO_FREEZES)
    assert state.days == len(dates)
    assert state.goal_met_today


@given(moving_timeline())
@settings(max_examples=300, deadline=None)
def test_streak_never_counts_a_date_twice(activities: list[Activity]) -> None:
    """No double credit: the streak is at most the number of distinct goal dates, and a second
    review at the same instant changes nothing but XP."""
    now = activities[-1].at
    state = streak(activities, now, activities[-1].zone, RULES)
    assert state.days <= len(state.goal_days)
    assert len(state.goal_days) == len(set(state.goal_days))
    doubled = streak(
        [*activities, *(Activity(a.at, a.zone, 0) for a in activities)],
        now,
        activities[-1].zone,
        RULES,
    )
    assert (doubled.days, doubled.goal_days) == (state.days, state.goal_days)


@given(moving_timeline(max_gap_minutes=1440))
@settings(max_examples=300, deadline=None)
def test_streak_survives_moves_when_no_day_passed_in_the_old_zone(
    activities: list[Activity],
) -> None:
    """A move never loses a day: when each review is on the same or the next date of the
    previous review's zone, the streak covers every goal date without a freeze."""
    goal = [a for a in activities if a.xp >= 1]
    if not goal:
        return
    previous = goal[0]
    for current in goal[1:]:
        gap = (local_date(current.at, previous.zone) - local_date(previous.at, previous.zone)).days
        if gap > 1:
            return
        previous = current
    state = streak(goal, goal[-1].at, goal[-1].zone, NO_FREEZES)
    assert state.days == len(state.goal_days)
    assert state.frozen == ()


@given(moving_timeline())
@settings(max_examples=300, deadline=None)
def test_freezes_stay_within_the_cap(activities: list[Activity]) -> None:
    """Freezes in store never exceed the cap and each frozen day is a date without a goal."""
    now = activities[-1].at + timedelta(hours=1)
    state = streak(activities, now, activities[-1].zone, RULES)
    assert 0 <= state.freezes <= RULES.freeze_cap
    assert not set(state.frozen) & set(state.goal_days)


@given(zones, st.integers(2, 5))
def test_streak_restarts_after_days_missed_in_both_zones(zone: str, missed: int) -> None:
    """Without freezes, a gap of whole days in the same zone restarts the streak at 1."""
    day = date(2026, 3, 27)
    activities = [
        Activity(_at_local(day, 600, zone), zone, 1),
        Activity(_at_local(day + timedelta(days=1), 600, zone), zone, 1),
        Activity(_at_local(day + timedelta(days=1 + missed), 600, zone), zone, 1),
    ]
    assert streak(activities, activities[-1].at, zone, NO_FREEZES).days == 1


def test_freezes_cover_a_missed_day_automatically() -> None:
    """Seven goal days earn a freeze; one missed day then uses it and the streak goes on."""
    zone = "Europe/Berlin"
    days = [date(2026, 3, 20) + timedelta(days=n) for n in (*range(7), 8)]
    activities = [Activity(_at_local(d, 720, zone), zone, 1) for d in days]
    state = streak(activities, activities[-1].at, zone, RULES)
    assert (state.days, state.freezes, state.frozen) == (8, 0, (date(2026, 3, 27),))


def test_flying_east_over_the_date_line_loses_no_day() -> None:
    """Samoa (UTC-11) 23:00 on the 1st, then Kiritimati (UTC+14) an hour later: the 3rd there.
    The 2nd was never lived, so the streak goes on without a freeze."""
    first = datetime(2026, 6, 2, 10, tzinfo=UTC)
    activities = [
        Activity(first, "Pacific/Pago_Pago", 1),
        Activity(first + timedelta(hours=1), "Pacific/Kiritimati", 1),
    ]
    state = streak(activities, activities[-1].at, "Pacific/Kiritimati", NO_FREEZES)
    assert [d.day for d in state.goal_days] == [1, 3]
    assert state.days == 2


def test_streak_is_alive_until_today_is_over() -> None:
    """Yesterday's goal keeps the streak alive today; two days later it is gone."""
    zone = "America/New_York"
    at = _at_local(date(2026, 11, 1), 60, zone)  # DST ends that night
    activities = [Activity(at, zone, 1)]
    assert streak(activities, at + timedelta(hours=30), zone, NO_FREEZES).days == 1
    assert streak(activities, at + timedelta(hours=72), zone, NO_FREEZES).days == 0


def test_daily_goal_sums_xp_of_a_local_date() -> None:
    """XP of one local date adds up to the goal; review XP follows the documented table."""
    assert [review_xp(r, False) for r in Rating] == [1, 3, 5, 5]
    assert review_xp(Rating.GOOD, True) == 10
    at = datetime(2026, 5, 5, 8, tzinfo=UTC)
    activities = [Activity(at + timedelta(hours=h), "UTC", 10) for h in range(3)]
    state = streak(activities, at + timedelta(hours=4), "UTC", StreakRules(daily_goal=30))
    assert (state.xp_today, state.goal_met_today, state.days) == (30, True, 1)
