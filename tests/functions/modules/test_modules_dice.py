"""Checks through the dice service use the campaign's enabled game modules: equipped, active
module items add their modifiers, each shown with its module id@version (issue 21)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import psycopg
import pytest

from functions.modules.manifest import Manifest
from functions.modules.store import install_manifests, load_paths
from tests.functions.dice.conftest import World
from tests.functions.modules.test_modules_manifest import ROOT
from tests.helpers.actors import acting_as

VOCABULARY = {"kind": "ability", "ability": "vocabulary", "level": "B1"}


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


@pytest.fixture
def equipped(dice_db: psycopg.Connection[Any], world: World) -> psycopg.Connection[Any]:
    with acting_as(dice_db, "service_role"):
        install_manifests(dice_db, load_paths([ROOT]))
    with acting_as(dice_db, "authenticated", world.users["gm"]):
        for module in ("spanish-core-items", "market-day-seville"):
            dice_db.execute(
                "select app_private.enable_game_module(%s, %s, '1.0.0')", (world.campaign, module)
            )
    dice_db.execute(
        "insert into public.character_module_items (character_id, module_id, item_key, equipped)"
        " values (%s, 'spanish-core-items', 'pocket_dictionary', true),"
        " (%s, 'spanish-core-items', 'phrasebook', true)",
        (world.character, world.character),
    )
    return dice_db


def _module_terms(check: dict[str, Any]) -> list[tuple[str, int, int]]:
    return [
        (t["field"], t["value"], t["counted"])
        for t in check["breakdown"]["terms"]
        if t["source"] == "module"
    ]


def test_equipped_items_of_enabled_modules_add_their_modifiers(
    client: httpx.Client, world: World, equipped: psycopg.Connection[Any]
) -> None:
    check = _roll(client, world, VOCABULARY)
    # the phrasebook's bonus is for speaking checks only
    assert _module_terms(check) == [("spanish-core-items@1.0.0:pocket_dictionary", 2, 2)]
    stored = equipped.execute(
        "select detail -> 'check' from public.dice_rolls order by created_at desc limit 1"
    ).fetchone()
    assert stored is not None and _module_terms(stored[0]) == _module_terms(check)


def test_disabled_module_or_unequipped_item_adds_nothing(
    client: httpx.Client, world: World, equipped: psycopg.Connection[Any]
) -> None:
    with_module = _roll(client, world, VOCABULARY)["modifier"]
    with acting_as(equipped, "authenticated", world.users["gm"]):
        equipped.execute(
            "select app_private.disable_game_module(%s, 'spanish-core-items')", (world.campaign,)
        )
    without = _roll(client, world, VOCABULARY)
    assert _module_terms(without) == [] and without["modifier"] == with_module - 2
    with acting_as(equipped, "authenticated", world.users["gm"]):
        equipped.execute(
            "select app_private.enable_game_module(%s, 'spanish-core-items', '1.0.0')",
            (world.campaign,),
        )
    with acting_as(equipped, "authenticated", world.users["player"]):
        equipped.execute("update public.character_module_items set equipped = false")
    assert _module_terms(_roll(client, world, VOCABULARY)) == []


def test_a_module_kind_counts_and_the_pin_names_the_version(
    client: httpx.Client, world: World, equipped: psycopg.Connection[Any]
) -> None:
    equipped.execute(
        "insert into public.character_module_items (character_id, module_id, item_key, equipped)"
        " values (%s, 'market-day-seville', 'market_basket', true)",
        (world.character,),
    )
    data = json.loads((ROOT / "market-day-seville" / "module.json").read_text())
    data["version"] = "1.1.0"
    data["provides"]["items"][0]["modifiers"][0]["checks"] = ["speaking"]
    with acting_as(equipped, "service_role"):
        install_manifests(equipped, [Manifest.model_validate(data)])
    speaking = {"kind": "ability", "ability": "speaking", "level": "A1"}
    assert ("market-day-seville@1.0.0:market_basket", 1, 1) not in _module_terms(
        _roll(client, world, speaking)
    )  # the campaign is still pinned at 1.0.0, whose basket helps haggling only
    with acting_as(equipped, "authenticated", world.users["gm"]):
        equipped.execute(
            "select app_private.enable_game_module(%s, 'market-day-seville', '1.1.0')",
            (world.campaign,),
        )
    assert _module_terms(_roll(client, world, speaking)) == [  # by module id, then key
        ("market-day-seville@1.1.0:market_basket", 1, 1),
        ("spanish-core-items@1.0.0:phrasebook", 1, 1),
    ]


def test_the_odds_of_a_check_include_the_module_modifiers(
    client: httpx.Client, world: World, equipped: psycopg.Connection[Any]
) -> None:
    """POST /learning/odds assembles the check as POST /rolls does, module items included."""
    check = {"kind": "language", "ability": "vocabulary", "level": "A1"}
    body = {"campaign_id": str(world.campaign), "character_id": str(world.character)}
    odds = client.post(
        "/learning/odds", json=body | {"check": check}, headers=world.headers("player")
    )
    assert odds.status_code == 200, odds.text
    assert _module_terms(odds.json()) == [("spanish-core-items@1.0.0:pocket_dictionary", 2, 2)]
    assert odds.json()["odds"]["modifier"] == _roll(client, world, check)["modifier"]
    with acting_as(equipped, "authenticated", world.users["gm"]):
        equipped.execute(
            "select app_private.disable_game_module(%s, 'spanish-core-items')", (world.campaign,)
        )
    without = client.post(
        "/learning/odds", json=body | {"check": check}, headers=world.headers("player")
    ).json()
    assert without["odds"]["modifier"] == odds.json()["odds"]["modifier"] - 2
