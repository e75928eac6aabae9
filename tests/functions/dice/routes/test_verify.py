"""POST /verify: anyone recomputes a roll from a revealed seed."""

from __future__ import annotations

from typing import Any

import httpx

from tests.functions.dice.conftest import World


def rolled_then_revealed(client: httpx.Client, world: World) -> tuple[dict[str, Any], str]:
    roll = client.post(
        "/rolls",
        json={"campaign_id": str(world.campaign), "expression": "3d6!", "client_seed": "me"},
        headers=world.headers("player"),
    ).json()
    rotation = client.post(f"/campaigns/{world.campaign}/seed/rotate", headers=world.headers("gm"))
    return roll, rotation.json()["revealed"]["server_seed"]


def verification(roll: dict[str, Any], seed: str, **changes: Any) -> dict[str, Any]:
    return {
        "server_seed": seed,
        "server_seed_hash": roll["proof"]["server_seed_hash"],
        "client_seed": roll["proof"]["client_seed"],
        "nonce": roll["proof"]["nonce"],
        "expression": roll["expression"],
        "result": roll["result"],
        **changes,
    }


def test_post_verify_confirms_a_revealed_roll(client: httpx.Client, world: World) -> None:
    """The revealed seed recomputes the roll exactly; no token needed."""
    roll, seed = rolled_then_revealed(client, world)
    response = client.post("/verify", json=verification(roll, seed))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "valid": True,
        "commitment_valid": True,
        "recomputed": roll["result"],
    }


def test_post_verify_rejects_a_tampered_roll(client: httpx.Client, world: World) -> None:
    """A different total, nonce or seed does not verify."""
    roll, seed = rolled_then_revealed(client, world)
    forged_total = verification(roll, seed, result=None, total=roll["total"] + 100)
    assert client.post("/verify", json=forged_total).json()["valid"] is False
    other_nonce = client.post("/verify", json=verification(roll, seed, nonce=99)).json()
    assert other_nonce["valid"] is False and other_nonce["commitment_valid"] is True
    wrong_seed = client.post("/verify", json=verification(roll, "ab" * 32)).json()
    assert wrong_seed["commitment_valid"] is False and wrong_seed["valid"] is False


def test_post_verify_with_a_malformed_body_is_a_bad_request(client: httpx.Client) -> None:
    """Non-hex seeds, missing results and bad expressions are 400s."""
    base = {"server_seed": "zz", "server_seed_hash": "0" * 64, "client_seed": "a", "nonce": 0}
    assert client.post("/verify", json=base | {"expression": "1d6", "total": 3}).status_code == 400
    seed = {"server_seed": "ab" * 32}
    assert client.post("/verify", json=base | seed | {"expression": "1d6"}).status_code == 400
    bad = client.post("/verify", json=base | seed | {"expression": "1d", "total": 1})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_dice_expression"
