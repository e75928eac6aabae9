"""Per-player FSRS parameters (issue 23): POST /learning/parameters fits the caller's weights to
their own review log with the Rust FSRS optimizer (fsrs-rs-python) once they have enough
reviews, stores them, and their next reviews are scheduled with them."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import psycopg
import pytest
from fsrs import Card, Rating, Scheduler

from functions.dice.optimizer import MIN_REVIEWS
from tests.functions.dice.conftest import World
from tests.functions.dice.learning_content import pin_pack

LEXEMES, REVIEWS_EACH = 90, 5  # 450 reviews, above MIN_REVIEWS


@pytest.fixture
def words(dice_db: psycopg.Connection[Any], world: World) -> dict[str, uuid.UUID]:
    none: tuple[str, ...] = ()
    vocabulary = {f"palabra{i}": ("A1", f"word {i}", none) for i in range(LEXEMES + 1)}
    return pin_pack(dice_db, world.campaign, vocabulary)


def _history(db: psycopg.Connection[Any], user: uuid.UUID, lexemes: list[uuid.UUID]) -> None:
    """A forgetful learner's year: growing gaps between reviews, often forgotten (Again), as
    the review log holds it (the superuser writes the past)."""
    rng = random.Random(23)
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    rows = []
    for lexeme in lexemes:
        at, gap = start + timedelta(hours=rng.randrange(200)), 1
        for _ in range(REVIEWS_EACH):
            rating = 1 if rng.random() < 0.45 else rng.choice([2, 3, 3, 4])
            rows.append((user, lexeme, rating, at))
            gap = 1 if rating == 1 else gap * 3
            at += timedelta(days=gap, hours=rng.randrange(8))
    with db.cursor() as cur:
        cur.executemany(
            "insert into public.review_logs (user_id, lexeme_id, rating, source, xp, time_zone,"
            " reviewed_at, stability, difficulty, due)"
            " values (%s, %s, %s, 'practice', 5, 'Europe/Madrid', %s, 1, 5, now())",
            rows,
        )


def test_too_few_reviews_keep_the_defaults(client: httpx.Client, world: World) -> None:
    response = client.post("/learning/parameters", headers=world.headers("player"))
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["code"] == "not_enough_reviews"
    assert body["details"] == {"reviews": 0, "needed": MIN_REVIEWS}


def test_fitted_parameters_are_stored_and_schedule_the_next_reviews(
    client: httpx.Client,
    world: World,
    dice_db: psycopg.Connection[Any],
    words: dict[str, uuid.UUID],
) -> None:
    player = world.users["player"]
    lexemes = list(words.values())
    _history(dice_db, player, lexemes[:LEXEMES])
    response = client.post("/learning/parameters", headers=world.headers("player"))
    assert response.status_code == 200, response.text
    fitted = response.json()
    defaults = Scheduler().parameters
    assert fitted["reviews"] == LEXEMES * REVIEWS_EACH
    assert len(fitted["parameters"]) == 21
    assert fitted["parameters"] != pytest.approx(list(defaults))
    stored = dice_db.execute(
        "select fsrs_parameters, parameters_optimized_at is not null from public.learner_settings"
        " where user_id = %s",
        (player,),
    ).fetchone()
    assert stored == (pytest.approx(fitted["parameters"]), True)
    # Nobody else's settings changed.
    assert dice_db.execute(
        "select count(*) from public.learner_settings where fsrs_parameters is not null"
    ).fetchone() == (1,)

    new = lexemes[LEXEMES]
    for grade in ("good", "good"):
        reviewed = client.post(
            "/learning/reviews",
            json={"lexeme_id": str(new), "rating": grade},
            headers=world.headers("player"),
        )
        assert reviewed.status_code == 201, reviewed.text
    logs = dice_db.execute(
        "select rating, reviewed_at from public.review_logs"
        " where user_id = %s and lexeme_id = %s order by id",
        (player, new),
    ).fetchall()
    mine = Scheduler(parameters=fitted["parameters"], enable_fuzzing=False)
    package = Scheduler(enable_fuzzing=False)
    card, default_card = Card(), Card()
    for rating, at in logs:
        card, _ = mine.review_card(card, Rating(rating), review_datetime=at.astimezone(UTC))
        default_card, _ = package.review_card(
            default_card, Rating(rating), review_datetime=at.astimezone(UTC)
        )
    state = dice_db.execute(
        "select stability, difficulty from public.review_states"
        " where user_id = %s and lexeme_id = %s",
        (player, new),
    ).fetchone()
    assert state == (pytest.approx(card.stability), pytest.approx(card.difficulty))
    assert state != (pytest.approx(default_card.stability), pytest.approx(default_card.difficulty))
