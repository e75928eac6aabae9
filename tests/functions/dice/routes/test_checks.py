"""A character's check over real HTTP: every number from the sheet, the campaign's rules and the
gm's grants, never from the client (issue 11, finding 6).

The gm writes rules and grants through the official postgrest client, as a client app would; the
roll goes through the dice service over HTTP.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg
import pytest
from postgrest import APIError, SyncPostgrestClient

from tests.functions.dice.conftest import World
from tests.helpers.client_json import json_object, json_rows

FORGED = {"kind": "language", "ability": "grammar", "level": "C2", "proficiency": "native"}


@pytest.fixture
def rest(rest_url: str) -> Iterator[Any]:
    """`rest(world, name)`: the official postgrest client signed in as that user."""
    clients: list[SyncPostgrestClient] = []

    def signed_in(world: World, name: str) -> SyncPostgrestClient:
        client = SyncPostgrestClient(rest_url, headers=world.headers(name))
        clients.append(client)
        return client

    yield signed_in
    for client in clients:
        client.session.close()


def check_roll(
    client: httpx.Client, world: World, check: dict[str, Any], name: str = "player", **body: Any
) -> httpx.Response:
    payload = {
        "campaign_id": str(world.campaign),
        "character_id": str(world.character),
        "check": check,
        **body,
    }
    return client.post("/rolls", json=payload, headers=world.headers(name))


def grant(rest: Any, world: World, name: str = "gm", **values: Any) -> dict[str, Any]:
    row = {"character_id": str(world.character), "amount": 2, "type": "circumstance"}
    row |= {"reason": "Dictionary at hand"} | values
    return json_rows(rest(world, name).from_("granted_modifiers").insert(row).execute().data)[0]


def stored_check(db: psycopg.Connection[Any], roll_id: str) -> dict[str, Any]:
    row = db.execute(
        "select detail -> 'check' from public.dice_rolls where id = %s", (roll_id,)
    ).fetchone()
    assert row is not None
    return json_object(row[0])


@pytest.mark.parametrize(
    "numbers",
    [{"modifier": 100}, {"dc": 1}, {"proficiency": "native"}, {"modifier": 100, "dc": 1}],
    ids=["modifier", "dc", "proficiency", "both"],
)
def test_a_check_with_numbers_from_the_client_is_refused(
    client: httpx.Client, world: World, dice_db: psycopg.Connection[Any], numbers: dict[str, Any]
) -> None:
    """The forged C2 check of the finding is a 400 in the service's error shape; nothing is
    recorded."""
    check = {"kind": "language", "ability": "grammar", "level": "C2"} | numbers
    response = check_roll(client, world, check)
    assert response.status_code == 400, response.text
    body = response.json()
    assert set(body) == {"code", "message", "details", "hint"}
    assert body["code"] == "check_number_from_client"
    assert all(field in body["message"] for field in numbers)
    count = dice_db.execute(
        "select count(*) from public.dice_rolls where campaign_id = %s", (world.campaign,)
    ).fetchone()
    assert count == (0,)


def test_the_forged_request_of_the_finding_is_refused(client: httpx.Client, world: World) -> None:
    """Exactly the request the finding recorded as a critical success with modifier 108."""
    response = check_roll(client, world, FORGED | {"modifier": 100})
    assert response.status_code == 400
    assert response.json()["code"] == "check_number_from_client"


def test_a_check_records_where_each_number_came_from(
    client: httpx.Client, world: World, dice_db: psycopg.Connection[Any]
) -> None:
    """Grammar 18 (+4) and native es (+8) from the sheet; C2's DC 20 by default."""
    dice_db.execute(
        "insert into public.character_languages (character_id, language, proficiency)"
        " values (%s, 'es', 'native')",
        (world.character,),
    )
    response = check_roll(client, world, {"kind": "language", "ability": "grammar", "level": "C2"})
    assert response.status_code == 201, response.text
    check = response.json()["check"]
    assert (check["modifier"], check["dc"]) == (12, 20)
    assert check["breakdown"] == {
        "terms": [
            {
                "source": "character_sheet", "field": "characters.grammar", "score": 18,
                "language": None, "proficiency": None, "id": None, "type": None, "reason": None,
                "value": 4, "counted": 4,
            },
            {
                "source": "character_sheet", "field": "character_languages.proficiency",
                "score": None, "language": "es", "proficiency": "native", "id": None,
                "type": None, "reason": None, "value": 8, "counted": 8,
            },
        ],
        "dc": {"value": 20, "level": "C2", "source": "default"},
    }  # fmt: skip
    assert stored_check(dice_db, response.json()["id"]) == check


def test_a_language_missing_from_the_sheet_is_untrained(client: httpx.Client, world: World) -> None:
    """No character_languages row for the language: +0, whatever the client would claim."""
    check = {"kind": "language", "ability": "grammar", "level": "A1", "language": "ja"}
    response = check_roll(client, world, check)
    assert response.status_code == 201, response.text
    terms = response.json()["check"]["breakdown"]["terms"]
    assert terms[1]["proficiency"] == "untrained" and terms[1]["value"] == 0


def test_the_dc_comes_from_the_campaigns_rules_set_by_its_gm(
    client: httpx.Client, world: World, rest: Any
) -> None:
    """The gm sets B2 to DC 16; a check at B2 uses it and says so; other players cannot."""
    rules = {"campaign_id": str(world.campaign), "dc_b2": 16}
    with pytest.raises(APIError) as refused:
        rest(world, "player").from_("campaign_rules").insert(rules).execute()
    assert refused.value.code == "42501"
    rest(world, "gm").from_("campaign_rules").insert(rules).execute()
    response = check_roll(client, world, {"kind": "ability", "ability": "grammar", "level": "B2"})
    assert response.status_code == 201, response.text
    breakdown = response.json()["check"]["breakdown"]
    assert breakdown["dc"] == {"value": 16, "level": "B2", "source": "campaign_rules"}
    other_level = check_roll(
        client, world, {"kind": "ability", "ability": "grammar", "level": "B1"}
    )
    assert other_level.json()["check"]["breakdown"]["dc"]["source"] == "default"


def test_a_granted_bonus_applies_once_and_is_recorded(
    client: httpx.Client, world: World, rest: Any, dice_db: psycopg.Connection[Any]
) -> None:
    """The gm grants +2 circumstance; the player's check counts it once, the roll names the
    grant, and the grant names the roll; a second use is refused."""
    granted = grant(rest, world)
    check = {"kind": "ability", "ability": "grammar", "level": "B1"}
    applied = check_roll(client, world, check | {"granted_modifiers": [granted["id"]]})
    assert applied.status_code == 201, applied.text
    body = applied.json()
    assert body["check"]["modifier"] == 4 + 2 and body["expression"] == "1d20 + 6"
    term = body["check"]["breakdown"]["terms"][1]
    assert term == {
        "source": "granted_modifier", "field": None, "score": None, "language": None,
        "proficiency": None, "id": granted["id"], "type": "circumstance",
        "reason": "Dictionary at hand", "value": 2, "counted": 2,
    }  # fmt: skip
    assert stored_check(dice_db, body["id"])["breakdown"]["terms"][1] == term
    seen = rest(world, "player").from_("granted_modifiers").select("*").execute().data
    assert [(row["id"], row["used_by_roll_id"]) for row in json_rows(seen)] == [
        (granted["id"], body["id"])
    ]

    again = check_roll(client, world, check | {"granted_modifiers": [granted["id"]]})
    assert again.status_code == 400
    assert again.json()["code"] == "granted_modifier_unusable"
    assert again.json()["details"] == {"id": granted["id"], "reason": "used"}
    plain = check_roll(client, world, check)
    assert plain.json()["check"]["modifier"] == 4


def test_a_reusable_grant_counts_until_it_expires(
    client: httpx.Client, world: World, rest: Any, dice_db: psycopg.Connection[Any]
) -> None:
    """single_use false: every roll counts it and none uses it up; once expired it is refused."""
    granted = grant(rest, world, amount=1, type="status", single_use=False)
    check = {"kind": "ability", "ability": "grammar", "level": "B1"}
    for _ in range(2):
        response = check_roll(client, world, check | {"granted_modifiers": [granted["id"]]})
        assert response.json()["check"]["modifier"] == 5
    dice_db.execute(
        "update public.granted_modifiers set expires_at = now() - interval '1 minute'"
        " where id = %s",
        (granted["id"],),
    )
    expired = check_roll(client, world, check | {"granted_modifiers": [granted["id"]]})
    assert expired.status_code == 400
    assert expired.json()["details"]["reason"] == "expired"


def test_a_grant_for_another_ability_does_not_apply(
    client: httpx.Client, world: World, rest: Any
) -> None:
    granted = grant(rest, world, ability="listening")
    check = {"kind": "ability", "ability": "grammar", "level": "B1"}
    response = check_roll(client, world, check | {"granted_modifiers": [granted["id"]]})
    assert response.status_code == 400
    assert response.json()["details"]["reason"] == "other_ability"


def test_one_single_use_grant_under_concurrent_rolls_counts_once(
    client: httpx.Client, world: World, rest: Any, dice_db: psycopg.Connection[Any]
) -> None:
    """Six rolls race for one single-use grant: exactly one records it."""
    granted = grant(rest, world)
    check = {"kind": "ability", "ability": "grammar", "level": "B1"}
    body = check | {"granted_modifiers": [granted["id"]]}
    with ThreadPoolExecutor(6) as pool:
        responses = list(pool.map(lambda _: check_roll(client, world, body), range(6)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == 1 and set(statuses) <= {201, 400, 409}, statuses
    used = dice_db.execute(
        "select count(*) from public.dice_rolls where detail -> 'check' -> 'breakdown' -> 'terms'"
        " @> jsonb_build_array(jsonb_build_object('id', %s::text))",
        (granted["id"],),
    ).fetchone()
    assert used == (1,)


def test_only_the_campaigns_gm_grants(
    world: World, rest: Any, dice_db: psycopg.Connection[Any]
) -> None:
    """Players (the owner included), observers and the gm of another campaign cannot grant."""
    dice_db.execute(
        "insert into public.campaigns (owner_id, name, target_language) values (%s, 'Other', 'fr')",
        (world.users["stranger"],),
    )
    for name in ("player", "other", "observer", "stranger"):
        with pytest.raises(APIError) as refused:
            grant(rest, world, name)
        assert refused.value.code == "42501", name
    assert grant(rest, world)["granted_by"] == str(world.users["gm"])


def test_another_players_grant_is_unknown_to_them(
    client: httpx.Client, world: World, rest: Any, dice_db: psycopg.Connection[Any]
) -> None:
    """`other` cannot read Lola's grant, nor apply it to a character of theirs."""
    granted = grant(rest, world)
    assert rest(world, "other").from_("granted_modifiers").select("id").execute().data == []
    theirs = dice_db.execute(
        "insert into public.characters (campaign_id, owner_id, name) values (%s, %s, 'Pepe')"
        " returning id",
        (world.campaign, world.users["other"]),
    ).fetchone()
    assert theirs is not None
    check = {"kind": "ability", "ability": "grammar", "level": "B1"}
    response = check_roll(
        client,
        world,
        check | {"granted_modifiers": [granted["id"]]},
        name="other",
        character_id=str(theirs[0]),
    )
    assert response.status_code == 400
    assert response.json()["details"] == {"id": granted["id"], "reason": "unknown"}


def test_a_check_for_anothers_character_is_forbidden(client: httpx.Client, world: World) -> None:
    """Reading Lola's sheet is allowed to `other`; rolling her check is not (insert policy)."""
    response = check_roll(
        client, world, {"kind": "ability", "ability": "grammar", "level": "B1"}, "other"
    )
    assert response.status_code == 403


def test_a_check_needs_a_character(client: httpx.Client, world: World) -> None:
    response = client.post(
        "/rolls",
        json={
            "campaign_id": str(world.campaign),
            "check": {"kind": "ability", "ability": "grammar", "level": "B1"},
        },
        headers=world.headers("player"),
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


def test_an_expression_stays_a_plain_roll(
    client: httpx.Client, world: World, dice_db: psycopg.Connection[Any]
) -> None:
    """`1d20+5` is rolled and recorded, never as a check with a DC or a degree."""
    response = client.post(
        "/rolls",
        json={
            "campaign_id": str(world.campaign),
            "character_id": str(world.character),
            "expression": "1d20+5",
            "purpose": "Grammar check DC 5",
        },
        headers=world.headers("player"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["check"] is None
    row = dice_db.execute(
        "select detail -> 'check' from public.dice_rolls where id = %s", (response.json()["id"],)
    ).fetchone()
    assert row == (None,)


def test_an_unknown_grant_id_is_refused(client: httpx.Client, world: World) -> None:
    check = {"kind": "ability", "ability": "grammar", "level": "B1"}
    missing = str(uuid.uuid4())
    response = check_roll(client, world, check | {"granted_modifiers": [missing]})
    assert response.status_code == 400
    assert response.json()["details"] == {"id": missing, "reason": "unknown"}
