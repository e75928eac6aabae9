"""POST /rolls over real HTTP: who may roll, what is recorded, and every refusal's answer."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import psycopg
import pytest

from tests.functions.dice.conftest import World


def roll(client: httpx.Client, world: World, name: str, **body: Any) -> httpx.Response:
    return client.post(
        "/rolls", json={"campaign_id": str(world.campaign), **body}, headers=world.headers(name)
    )


def test_create_roll_records_the_roll_as_the_player(
    client: httpx.Client, world: World, dice_db: psycopg.Connection[Any]
) -> None:
    """A player's roll returns total, breakdown, tree and proof, and is stored as theirs."""
    response = roll(client, world, "player", expression="4d6kh3 + 2 [str]", client_seed="abc")
    assert response.status_code == 201, response.text
    body = response.json()
    assert 5 <= body["total"] <= 20
    assert body["rendered"].endswith(f"= {body['total']}")
    assert body["result"]["tree"]["type"] == "binary"
    assert body["proof"] == {
        "server_seed_hash": body["proof"]["server_seed_hash"],
        "client_seed": "abc",
        "nonce": 0,
    }
    row = dice_db.execute(
        "select roller_id, total, expression, nonce, detail -> 'roll' from public.dice_rolls"
        " where id = %s",
        (body["id"],),
    ).fetchone()
    assert row == (world.users["player"], body["total"], "4d6kh3 + 2 [str]", 0, body["result"])


def test_create_roll_resolves_an_ability_check_with_the_character(
    client: httpx.Client, world: World
) -> None:
    """A check adds the sheet's modifier (grammar 18 → +4) against the level's DC (B1: 12)."""
    check = {"kind": "ability", "ability": "grammar", "level": "B1"}
    response = roll(client, world, "player", check=check, character_id=str(world.character))
    assert response.status_code == 201, response.text
    body = response.json()
    outcome = body["check"]
    assert outcome["modifier"] == 4 and outcome["dc"] == 12
    assert body["expression"] == "1d20 + 4"
    assert body["total"] == outcome["natural"] + 4
    assert outcome["passed"] == (outcome["degree"] in ("success", "critical_success"))


def test_create_roll_resolves_a_language_challenge_with_advantage(
    client: httpx.Client, world: World, dice_db: psycopg.Connection[Any]
) -> None:
    """A B2 challenge has DC 14; listening 7 (−2) + expert in es from the sheet (+4); advantage
    keeps the best d20. The language defaults to the campaign's."""
    dice_db.execute(
        "insert into public.character_languages (character_id, language, proficiency)"
        " values (%s, 'es', 'expert')",
        (world.character,),
    )
    check = {"kind": "language", "ability": "listening", "level": "B2", "advantage": "advantage"}
    response = roll(client, world, "player", check=check, character_id=str(world.character))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["expression"] == "2d20kh1 + 2"
    assert body["check"]["dc"] == 14 and body["check"]["level"] == "B2"
    assert body["check"]["language"] == "es"
    dice = body["result"]["tree"]["left"]["dice"]
    assert body["check"]["natural"] == max(die["value"] for die in dice)


def test_create_roll_by_a_non_member_is_forbidden(client: httpx.Client, world: World) -> None:
    """A user outside the campaign gets 403 in PostgREST's error shape."""
    response = roll(client, world, "stranger", expression="1d20")
    assert response.status_code == 403
    assert set(response.json()) == {"code", "message", "details", "hint"}
    assert response.json()["code"] == "42501"


def test_create_roll_by_an_observer_is_forbidden(client: httpx.Client, world: World) -> None:
    """Observers read the campaign but may not roll in it."""
    assert roll(client, world, "observer", expression="1d20").status_code == 403


def test_create_roll_in_an_unknown_campaign_is_forbidden(
    client: httpx.Client, world: World
) -> None:
    """An unknown campaign answers like one the caller may not see: 403."""
    response = client.post(
        "/rolls",
        json={"campaign_id": str(uuid.uuid4()), "expression": "1d20"},
        headers=world.headers("player"),
    )
    assert response.status_code == 403


def test_create_roll_for_anothers_character_is_forbidden(
    client: httpx.Client, world: World
) -> None:
    """A player cannot roll for someone else's character (the insert policy refuses)."""
    response = roll(client, world, "other", expression="1d20", character_id=str(world.character))
    assert response.status_code == 403


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"}],
    ids=["none", "garbage", "not-bearer"],
)
def test_create_roll_without_a_user_token_is_unauthorized(
    client: httpx.Client, world: World, headers: dict[str, str]
) -> None:
    """No valid signed-in user's token: 401 with a Bearer challenge."""
    response = client.post(
        "/rolls", json={"campaign_id": str(world.campaign), "expression": "1d20"}, headers=headers
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_create_roll_with_the_anon_key_is_unauthorized(
    client: httpx.Client, world: World, stack_settings: Any
) -> None:
    """The anon API key is not a signed-in user."""
    anon = stack_settings.anon_key.get_secret_value()
    response = client.post(
        "/rolls",
        json={"campaign_id": str(world.campaign), "expression": "1d20"},
        headers={"Authorization": f"Bearer {anon}"},
    )
    assert response.status_code == 401


def test_create_roll_with_a_revoked_session_is_unauthorized(
    client: httpx.Client, world: World, dice_db: psycopg.Connection[Any]
) -> None:
    """The pre-request hook refuses tokens of ended sessions."""
    dice_db.execute(
        "update auth.sessions set revoked_at = now(), revoked_reason = 'logout' where id = %s",
        (world.sessions["player"],),
    )
    assert roll(client, world, "player", expression="1d20").status_code == 401


def test_create_roll_with_a_malformed_expression_reports_the_position(
    client: httpx.Client, world: World
) -> None:
    """A syntax error is a 400 whose details carry the 0-based position."""
    response = roll(client, world, "player", expression="1d20 + * 3")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_dice_expression"
    assert body["details"] == {"position": 7, "column": 8}
    assert "column 8" in body["hint"]


@pytest.mark.parametrize(
    ("expression", "limit"),
    [("1001d6", "max_dice"), ("1d6+" * 60 + "1", "max_expression_length")],
    ids=["dice", "length"],
)
def test_create_roll_past_a_limit_names_the_limit(
    client: httpx.Client, world: World, expression: str, limit: str
) -> None:
    """Exceeding a Limits bound is a 400 naming the bound."""
    response = roll(client, world, "player", expression=expression)
    assert response.status_code == 400
    assert response.json()["code"] == "dice_limit_exceeded"
    assert response.json()["details"]["limit"] == limit


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"expression": "1d20", "check": {"kind": "ability", "ability": "grammar", "level": "A1"}},
        {"expression": "1d20", "client_seed": "a:1"},
        {"expression": "1d20", "visibility": "everyone"},
        {"check": {"kind": "language", "ability": "grammar"}},
    ],
    ids=["nothing", "both", "colon-seed", "visibility", "no-level"],
)
def test_create_roll_with_an_invalid_body_is_a_bad_request(
    client: httpx.Client, world: World, body: dict[str, Any]
) -> None:
    """Body mistakes are 400 invalid_request, never 422 or 500."""
    response = roll(client, world, "player", **body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


def test_create_roll_division_by_zero_is_a_bad_request(client: httpx.Client, world: World) -> None:
    """A well-formed expression that cannot be evaluated is a 400 and records nothing."""
    response = roll(client, world, "player", expression="1d6 / (1d1 - 1)")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_evaluation"


def test_create_roll_past_the_dice_rate_limit_is_too_many_requests(
    client: httpx.Client, world: World, dice_db: psycopg.Connection[Any]
) -> None:
    """Past the roller's dice.roll bucket the answer is 429 with Retry-After."""
    limit = "update rate_limit.limits set capacity = %s, refill_per_second = %s where action = %s"
    dice_db.execute(limit, (2, 0.01, "dice.roll"))
    try:
        statuses = [roll(client, world, "player", expression="1d4").status_code for _ in "ab"]
        refused = roll(client, world, "player", expression="1d4")
    finally:
        dice_db.execute(limit, (60, 2, "dice.roll"))
    assert statuses == [201, 201]
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.json()["code"] == "rate_limited"
    assert roll(client, world, "other", expression="1d4").status_code == 201


def test_create_roll_nonces_are_unique_under_concurrency(
    client: httpx.Client, world: World
) -> None:
    """Concurrent rolls get consecutive, distinct nonces of the same seed."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(6) as pool:
        responses = list(
            pool.map(lambda _: roll(client, world, "player", expression="1d20"), range(30))
        )
    assert [r.status_code for r in responses] == [201] * 30
    assert sorted(r.json()["proof"]["nonce"] for r in responses) == list(range(30))


def test_create_roll_whispered_is_invisible_to_other_players_over_rest(
    client: httpx.Client, world: World, rest_url: str
) -> None:
    """A private roll is read over REST by its roller and the gm, never by another player."""
    public = roll(client, world, "player", expression="1d20").json()["id"]
    whisper = roll(client, world, "player", expression="1d20", visibility="private").json()["id"]
    gm_only = roll(client, world, "player", expression="1d20", visibility="gm").json()["id"]

    def visible_to(name: str) -> set[str]:
        response = httpx.get(
            f"{rest_url}/dice_rolls",
            params={"select": "id", "campaign_id": f"eq.{world.campaign}"},
            headers=world.headers(name),
        )
        assert response.status_code == 200, response.text
        return {row["id"] for row in response.json()}

    assert visible_to("other") == {public}
    assert visible_to("observer") == {public}
    assert visible_to("player") == {public, whisper, gm_only}
    assert visible_to("gm") == {public, whisper, gm_only}
    assert visible_to("stranger") == set()


def test_create_roll_through_rest_is_refused(world: World, rest_url: str) -> None:
    """Clients cannot forge rolls by inserting into dice_rolls over REST."""
    forged = {
        "campaign_id": str(world.campaign),
        "expression": "1d20",
        "total": 20,
        "server_seed_hash": "0" * 64,
        "client_seed": "x",
        "nonce": 0,
    }
    response = httpx.post(f"{rest_url}/dice_rolls", json=forged, headers=world.headers("player"))
    assert response.status_code == 403
