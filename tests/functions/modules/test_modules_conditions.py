"""Active conditions (issue 21): the game master applies a condition an enabled module defines
to a character; the dice service adds its modifiers to that character's checks and their odds,
each with its module id@version, until it is removed or the module is disabled."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx
import psycopg
import pytest

from functions.modules.store import install_manifests, load_paths
from tests.functions.dice.conftest import World
from tests.functions.modules.test_modules_manifest import ROOT
from tests.helpers.actors import acting_as

SPEAKING = {"kind": "ability", "ability": "speaking", "level": "A1"}


@pytest.fixture
def enabled(dice_db: psycopg.Connection[Any], world: World) -> psycopg.Connection[Any]:
    with acting_as(dice_db, "service_role"):
        install_manifests(dice_db, load_paths([ROOT]))
    with acting_as(dice_db, "authenticated", world.users["gm"]):
        dice_db.execute(
            "select app_private.enable_game_module(%s, 'spanish-core-items', '1.0.0')",
            (world.campaign,),
        )
    return dice_db


def _apply(db: psycopg.Connection[Any], world: World, who: str, name: str = "tongue_tied") -> Any:
    with acting_as(db, "authenticated", world.users[who]):
        row = db.execute(
            "select app_private.apply_character_condition(%s, 'spanish-core-items', %s)",
            (world.character, name),
        ).fetchone()
    assert row is not None
    return row[0]


def _condition_terms(check: dict[str, Any]) -> list[tuple[str, str | None, int, str | None]]:
    return [
        (t["field"], t["id"], t["value"], t["type"])
        for t in check["breakdown"]["terms"]
        if t["source"] == "condition"
    ]


def _roll(client: httpx.Client, world: World, check: dict[str, Any]) -> dict[str, Any]:
    body = {
        "campaign_id": str(world.campaign),
        "character_id": str(world.character),
        "check": check,
    }
    response = client.post("/rolls", json=body, headers=world.headers("player"))
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()["check"]
    return result


def test_an_applied_condition_counts_in_checks_and_odds_until_removed(
    client: httpx.Client, world: World, enabled: psycopg.Connection[Any]
) -> None:
    before = _roll(client, world, SPEAKING)["modifier"]
    applied = _apply(enabled, world, "gm")
    check = _roll(client, world, SPEAKING)
    term = ("spanish-core-items@1.0.0:tongue_tied", str(applied), -2, "status")
    assert _condition_terms(check) == [term]
    assert check["modifier"] == before - 2
    stored = enabled.execute(
        "select detail -> 'check' from public.dice_rolls order by created_at desc limit 1"
    ).fetchone()
    assert stored is not None and _condition_terms(stored[0]) == [term]
    # it names speaking checks only
    vocabulary = {"kind": "ability", "ability": "vocabulary", "level": "A1"}
    assert _condition_terms(_roll(client, world, vocabulary)) == []
    body = {"campaign_id": str(world.campaign), "character_id": str(world.character)}
    language = {"kind": "language", "ability": "speaking", "level": "A1"}
    odds = client.post(
        "/learning/odds", json=body | {"check": language}, headers=world.headers("player")
    )
    assert odds.status_code == 200, odds.text
    assert _condition_terms(odds.json()) == [term]

    with acting_as(enabled, "authenticated", world.users["gm"]):
        row = enabled.execute(
            "select app_private.remove_character_condition(%s, 'spanish-core-items',"
            " 'tongue_tied')",
            (world.character,),
        ).fetchone()
    assert row == (True,)
    assert _condition_terms(_roll(client, world, SPEAKING)) == []


def test_a_disabled_module_s_conditions_stop_counting(
    client: httpx.Client, world: World, enabled: psycopg.Connection[Any]
) -> None:
    _apply(enabled, world, "gm")
    with acting_as(enabled, "authenticated", world.users["gm"]):
        enabled.execute(
            "select app_private.disable_game_module(%s, 'spanish-core-items')", (world.campaign,)
        )
    assert _condition_terms(_roll(client, world, SPEAKING)) == []


@pytest.mark.parametrize("who", ["player", "other", "observer"])
def test_only_the_game_master_applies_conditions(
    world: World, enabled: psycopg.Connection[Any], who: str
) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        _apply(enabled, world, who)


def test_unknown_conditions_are_refused_naming_the_field(
    world: World, enabled: psycopg.Connection[Any]
) -> None:
    with pytest.raises(psycopg.errors.ForeignKeyViolation, match="^condition: "):
        _apply(enabled, world, "gm", "not_defined")


def test_applying_and_removing_is_audited(world: World, enabled: psycopg.Connection[Any]) -> None:
    applied: UUID = _apply(enabled, world, "gm")
    with acting_as(enabled, "authenticated", world.users["gm"]):
        enabled.execute(
            "select app_private.remove_character_condition(%s, 'spanish-core-items',"
            " 'tongue_tied')",
            (world.character,),
        )
    rows = enabled.execute(
        "select op, actor_id from audit.record_version"
        " where table_name = 'character_conditions' and record_pk ->> 'id' = %s order by id",
        (str(applied),),
    ).fetchall()
    assert [r[0] for r in rows] == ["INSERT", "DELETE"]
    assert {r[1] for r in rows} == {world.users["gm"]}
