"""The learning loop over real HTTP: challenges prefer due lexemes, answers become FSRS reviews
scheduled exactly as the fsrs package schedules them, gms grade, and a challenge's familiarity
is its own term of the roll's breakdown and of the odds (issue 23)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg
import pytest
from fsrs import Card, Rating, Scheduler
from postgrest import APIError, SyncPostgrestClient

from tests.functions.dice.conftest import World
from tests.functions.dice.learning_content import pin_pack


@pytest.fixture
def words(dice_db: psycopg.Connection[Any], world: World) -> dict[str, uuid.UUID]:
    return pin_pack(dice_db, world.campaign)


def challenge(client: httpx.Client, world: World, name: str = "player", **body: Any) -> Any:
    payload = {"campaign_id": str(world.campaign), "cefr": "A1", "n": 1} | body
    response = client.post("/learning/challenges", json=payload, headers=world.headers(name))
    assert response.status_code == 201, response.text
    return response.json()


def answer(
    client: httpx.Client, world: World, challenge_id: str, lexeme: uuid.UUID | str, text: str
) -> httpx.Response:
    return client.post(
        f"/learning/challenges/{challenge_id}/answers",
        json={"lexeme_id": str(lexeme), "answer": text},
        headers=world.headers("player"),
    )


def test_answers_are_graded_case_and_accent_tolerant_with_inflected_forms(
    client: httpx.Client, world: World, words: dict[str, uuid.UUID]
) -> None:
    """An inflected form in capitals is Good, a missing accent Hard, a wrong word Again."""
    drawn = challenge(client, world, n=4)
    ids = {lexeme["lexeme_id"] for lexeme in drawn["lexemes"]}
    assert ids == {str(words[w]) for w in ("perro", "gato", "casa", "canción")}
    ratings = [
        answer(client, world, drawn["id"], words[lemma], text).json()["rating"]
        for lemma, text in (("perro", "PERROS"), ("canción", "cancion"), ("gato", "perro"))
    ]
    assert ratings == ["good", "hard", "again"]
    again = answer(client, world, drawn["id"], words["gato"], "gato")
    assert again.status_code == 409, "a challenge's lexeme is reviewed once"


def test_reviews_schedule_exactly_as_the_fsrs_package(
    client: httpx.Client,
    world: World,
    dice_db: psycopg.Connection[Any],
    words: dict[str, uuid.UUID],
) -> None:
    """Stored states equal the package's own scheduling of the same reviews at the same times."""
    grades = ["good", "again", "hard", "easy"]
    for grade in grades:
        response = client.post(
            "/learning/reviews",
            json={"lexeme_id": str(words["casa"]), "rating": grade},
            headers=world.headers("player"),
        )
        assert response.status_code == 201, response.text
    logs = dice_db.execute(
        "select rating, reviewed_at, stability, difficulty, due from public.review_logs"
        " where user_id = %s order by id",
        (world.users["player"],),
    ).fetchall()
    scheduler = Scheduler(enable_fuzzing=False)
    card = Card()
    for (rating, at, stability, difficulty, due), grade in zip(logs, grades, strict=True):
        card, _ = scheduler.review_card(card, Rating(rating), review_datetime=at.astimezone(UTC))
        assert Rating(rating).name.lower() == grade
        assert (stability, difficulty) == pytest.approx((card.stability, card.difficulty))
        assert due == card.due
    state = dice_db.execute(
        "select stability, due, reps, lapses from public.review_states"
        " where user_id = %s and lexeme_id = %s",
        (world.users["player"], words["casa"]),
    ).fetchone()
    assert state == (pytest.approx(card.stability), card.due, 4, 0)


def test_the_next_challenge_prefers_due_lexemes(
    client: httpx.Client,
    world: World,
    dice_db: psycopg.Connection[Any],
    words: dict[str, uuid.UUID],
) -> None:
    """After answering, the lexeme that falls due is drawn before new and not-yet-due ones."""
    first = challenge(client, world, n=4)
    for lexeme in first["lexemes"]:
        assert answer(client, world, first["id"], lexeme["lexeme_id"], "no sé").status_code == 201
    dice_db.execute(
        "update public.review_states set due = now() - interval '1 day'"
        " where user_id = %s and lexeme_id = %s",
        (world.users["player"], words["gato"]),
    )
    dice_db.execute(
        "update public.review_states set due = now() + interval '9 days'"
        " where user_id = %s and lexeme_id <> %s",
        (world.users["player"], words["gato"]),
    )
    assert challenge(client, world)["lexemes"][0]["lexeme_id"] == str(words["gato"])
    fresh = challenge(client, world, name="other", n=4)
    assert len(fresh["lexemes"]) == 4, "another player's draw is not shaped by these reviews"


@pytest.mark.usefixtures("words")
def test_familiarity_is_its_own_term_in_the_roll_and_the_odds(
    client: httpx.Client, world: World, dice_db: psycopg.Connection[Any]
) -> None:
    """Well-remembered lexemes add +2 as a `familiarity` term; the odds count it too."""
    drawn = challenge(client, world)
    lexeme = drawn["lexemes"][0]["lexeme_id"]
    dice_db.execute(
        "insert into public.review_states (user_id, lexeme_id, state, stability, difficulty,"
        " due, last_review, reps) values (%s, %s, 2, 10, 5, now() + interval '9 days',"
        " now() - interval '1 day', 3)",
        (world.users["player"], lexeme),
    )
    check = {
        "kind": "language",
        "ability": "vocabulary",
        "level": "A1",
        "challenge_id": drawn["id"],
    }
    body = {"campaign_id": str(world.campaign), "character_id": str(world.character)}
    rolled = client.post("/rolls", json=body | {"check": check}, headers=world.headers("player"))
    assert rolled.status_code == 201, rolled.text
    terms = rolled.json()["check"]["breakdown"]["terms"]
    familiarity = [t for t in terms if t["source"] == "familiarity"]
    assert familiarity == [
        {
            "source": "familiarity",
            "field": "review_states",
            "score": None,
            "language": None,
            "proficiency": None,
            "id": drawn["id"],
            "type": "familiarity",
            "reason": "mean retrievability 0.99",
            "value": 2,
            "counted": 2,
        }
    ]
    assert rolled.json()["check"]["modifier"] == sum(t["counted"] for t in terms)
    odds = client.post(
        "/learning/odds", json=body | {"check": check}, headers=world.headers("player")
    )
    assert odds.status_code == 200, odds.text
    assert odds.json()["odds"]["modifier"] == rolled.json()["check"]["modifier"]
    without = client.post(
        "/learning/odds",
        json=body | {"check": {k: v for k, v in check.items() if k != "challenge_id"}},
        headers=world.headers("player"),
    )
    assert without.json()["odds"]["modifier"] == odds.json()["odds"]["modifier"] - 2


@pytest.mark.usefixtures("words")
def test_only_the_player_answers_and_only_the_gm_grades(client: httpx.Client, world: World) -> None:
    """Another player cannot answer; a player cannot grade; the gm grades and sees the XP."""
    drawn = challenge(client, world)
    lexeme = drawn["lexemes"][0]["lexeme_id"]
    stolen = client.post(
        f"/learning/challenges/{drawn['id']}/answers",
        json={"lexeme_id": lexeme, "answer": "x"},
        headers=world.headers("other"),
    )
    assert stolen.status_code == 403
    self_graded = client.post(
        f"/learning/challenges/{drawn['id']}/grades",
        json={"lexeme_id": lexeme, "rating": "easy"},
        headers=world.headers("player"),
    )
    assert self_graded.status_code == 403
    graded = client.post(
        f"/learning/challenges/{drawn['id']}/grades",
        json={"lexeme_id": lexeme, "rating": "easy"},
        headers=world.headers("gm"),
    )
    assert graded.status_code == 201, graded.text
    assert graded.json()["user_id"] == str(world.users["player"])
    assert graded.json()["xp"] == 10
    foreign = client.post(
        "/rolls",
        json={
            "campaign_id": str(world.campaign),
            "character_id": str(world.character),
            "check": {
                "kind": "language",
                "ability": "vocabulary",
                "level": "A1",
                "challenge_id": str(uuid.uuid4()),
            },
        },
        headers=world.headers("player"),
    )
    assert foreign.status_code == 400
    assert foreign.json()["code"] == "challenge_not_yours"


def test_streak_and_goal_follow_the_profile_time_zone(
    client: httpx.Client,
    world: World,
    dice_db: psycopg.Connection[Any],
    words: dict[str, uuid.UUID],
) -> None:
    """Reviews land on the player's local day; meeting the goal starts the streak."""
    dice_db.execute(
        "update public.profiles set time_zone = 'Pacific/Kiritimati' where id = %s",
        (world.users["player"],),
    )
    dice_db.execute(
        "insert into public.learner_settings (user_id, daily_goal_xp) values (%s, 10)",
        (world.users["player"],),
    )
    reviews = [
        client.post(
            "/learning/reviews",
            json={"lexeme_id": str(words[w]), "rating": "good"},
            headers=world.headers("player"),
        ).json()
        for w in ("perro", "gato")
    ]
    stats = reviews[-1]["stats"]
    today = (datetime.now(tz=ZoneInfo("Pacific/Kiritimati"))).date()
    assert stats["local_day"] in (str(today), str(today - timedelta(days=1)))
    assert (stats["xp_today"], stats["goal_met_today"], stats["streak_days"]) == (10, True, 1)
    stored = dice_db.execute(
        "select streak_days, xp_total, reviewed_count, time_zone from public.learner_stats"
        " where user_id = %s",
        (world.users["player"],),
    ).fetchone()
    assert stored == (1, 10, 2, "Pacific/Kiritimati")


@pytest.mark.usefixtures("words")
def test_rest_serves_review_tables_by_row_level_security(
    client: httpx.Client, world: World, dice_db: psycopg.Connection[Any], rest_url: str
) -> None:
    """Over REST (official postgrest client): anon is refused; of the player's rows the player
    reads all, another player and the gm none, an admin all; nobody writes a log row."""
    drawn = challenge(client, world)
    answer(client, world, drawn["id"], drawn["lexemes"][0]["lexeme_id"], "gato")
    dice_db.execute(
        "insert into app_private.user_roles (user_id, role) values (%s, 'admin')",
        (world.users["stranger"],),
    )

    def rows(name: str | None, table: str) -> Any:
        headers = {} if name is None else world.headers(name)
        with SyncPostgrestClient(rest_url, headers=headers) as rest:
            player = str(world.users["player"])
            return rest.from_(table).select("*").eq("user_id", player).execute().data

    with pytest.raises(APIError):
        rows(None, "review_states")
    seen = {
        name: [len(rows(name, t)) for t in ("review_states", "review_logs", "learner_stats")]
        for name in ("player", "other", "gm", "stranger")
    }
    assert seen == {"player": [1, 1, 1], "other": [0, 0, 0], "gm": [0, 0, 0], "stranger": [1, 1, 1]}
    with (
        SyncPostgrestClient(rest_url, headers=world.headers("player")) as rest,
        pytest.raises(APIError),
    ):
        rest.from_("review_logs").insert(
            {"user_id": str(world.users["player"]), "lexeme_id": drawn["lexemes"][0]["lexeme_id"],
             "rating": 4, "source": "practice", "xp": 100, "time_zone": "UTC", "due": "2030-01-01"}
        ).execute()  # fmt: skip
