"""Seed commitment, rotation and reveal over real HTTP, and recomputing rolls from a reveal."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import httpx
import psycopg

from py_rules import verify_roll
from tests.functions.dice.conftest import World

EXPRESSIONS = ("1d20", "4d6kh3", "2d10!+3", "3d6r1 - 1", "1d100", "8d6 [fireball]")
CHECK = {"kind": "ability", "ability": "grammar", "level": "B1", "advantage": "disadvantage"}


def seed_of(client: httpx.Client, world: World, name: str) -> httpx.Response:
    return client.get(f"/campaigns/{world.campaign}/seed", headers=world.headers(name))


def rotate(client: httpx.Client, world: World, name: str) -> httpx.Response:
    return client.post(f"/campaigns/{world.campaign}/seed/rotate", headers=world.headers(name))


def roll_body(index: int, world: World) -> dict[str, Any]:
    body: dict[str, Any] = {"campaign_id": str(world.campaign), "client_seed": f"c{index % 7}"}
    if index % 10 == 9:
        return body | {"check": CHECK, "character_id": str(world.character)}
    return body | {"expression": EXPRESSIONS[index % len(EXPRESSIONS)]}


@contextmanager
def generous_limits(db: psycopg.Connection[Any]) -> Iterator[None]:
    """Lift the per-user dice and request limits for a bulk test, restoring them after.

    A slow refill keeps the buckets from going stale mid-test: rate_limit.purge_stale deletes
    stale buckets without skipping locked rows, which can deadlock with concurrent requests.
    """
    saved = db.execute(
        "select action, capacity, refill_per_second from rate_limit.limits"
    ).fetchall()
    db.execute("update rate_limit.limits set capacity = 1000000, refill_per_second = 0.001")
    try:
        yield
    finally:
        for action, capacity, refill in saved:
            db.execute(
                "update rate_limit.limits set capacity = %s, refill_per_second = %s"
                " where action = %s",
                (capacity, refill, action),
            )


def test_get_seed_shows_the_commitment_rolls_then_use(client: httpx.Client, world: World) -> None:
    """Members read the hash, the gm the next nonce too; the next roll carries exactly those."""
    commitment = seed_of(client, world, "observer")
    assert commitment.status_code == 200, commitment.text
    before = commitment.json()
    # The counter counts hidden rolls too: only the gm, who sees them all, reads it.
    assert before["next_nonce"] is None and len(before["server_seed_hash"]) == 64
    assert seed_of(client, world, "gm").json()["next_nonce"] == 0
    rolled = client.post(
        "/rolls",
        json={"campaign_id": str(world.campaign), "expression": "1d6"},
        headers=world.headers("player"),
    ).json()
    assert rolled["proof"]["server_seed_hash"] == before["server_seed_hash"]
    assert rolled["proof"]["nonce"] == 0
    assert seed_of(client, world, "gm").json()["next_nonce"] == 1


def test_get_seed_by_a_non_member_is_forbidden(client: httpx.Client, world: World) -> None:
    """Non-members and unknown campaigns both get 403; no token is a 401."""
    assert seed_of(client, world, "stranger").status_code == 403
    unknown = client.get(f"/campaigns/{uuid.uuid4()}/seed", headers=world.headers("gm"))
    assert unknown.status_code == 403
    assert client.get(f"/campaigns/{world.campaign}/seed").status_code == 401


def test_rotate_seed_by_a_player_is_forbidden(client: httpx.Client, world: World) -> None:
    """Only game masters rotate; players and strangers get 403."""
    assert rotate(client, world, "player").status_code == 403
    assert rotate(client, world, "stranger").status_code == 403


def test_rotate_seed_reveals_it_and_commits_a_new_one(client: httpx.Client, world: World) -> None:
    """The revealed seed hashes to the old commitment; a fresh seed starts at nonce 0."""
    old = seed_of(client, world, "player").json()
    rotation = rotate(client, world, "gm")
    assert rotation.status_code == 200, rotation.text
    revealed = rotation.json()["revealed"]
    assert revealed["server_seed_hash"] == old["server_seed_hash"]
    assert revealed["nonces_used"] == 0
    new = seed_of(client, world, "player").json()
    assert new["server_seed_hash"] == rotation.json()["next_server_seed_hash"]
    assert new["server_seed_hash"] != old["server_seed_hash"] and new["next_nonce"] is None
    assert seed_of(client, world, "gm").json()["next_nonce"] == 0


def test_get_seeds_lists_revealed_seeds_to_readers_only(
    client: httpx.Client, world: World, rest_url: str
) -> None:
    """Members list revealed seeds (service and REST view); strangers get 403 / nothing."""
    first = rotate(client, world, "gm").json()["revealed"]
    second = rotate(client, world, "gm").json()["revealed"]
    listed = client.get(f"/campaigns/{world.campaign}/seeds", headers=world.headers("player"))
    # Players read no nonce counts (they count hidden rolls); the gm does.
    hidden = [seed | {"nonces_used": None} for seed in (second, first)]
    assert listed.json() == {"data": hidden, "count": 2}
    by_gm = client.get(f"/campaigns/{world.campaign}/seeds", headers=world.headers("gm"))
    assert by_gm.json() == {"data": [second, first], "count": 2}
    stranger = client.get(f"/campaigns/{world.campaign}/seeds", headers=world.headers("stranger"))
    assert stranger.status_code == 403

    def over_rest(name: str) -> list[str]:
        response = httpx.get(
            f"{rest_url}/revealed_dice_seeds",
            params={"select": "seed", "campaign_id": f"eq.{world.campaign}"},
            headers=world.headers(name),
        )
        assert response.status_code == 200, response.text
        return sorted(row["seed"] for row in response.json())

    assert over_rest("observer") == sorted([first["server_seed"], second["server_seed"]])
    assert over_rest("stranger") == []


def test_rotate_seed_lets_anyone_recompute_a_thousand_rolls(
    client: httpx.Client, world: World, dice_db: psycopg.Connection[Any]
) -> None:
    """1,000 concurrent rolls, then a reveal: every stored roll recomputes identically."""
    with generous_limits(dice_db), ThreadPoolExecutor(8) as pool:
        responses = list(
            pool.map(
                lambda i: client.post(
                    "/rolls", json=roll_body(i, world), headers=world.headers("player")
                ),
                range(1000),
            )
        )
    assert {r.status_code for r in responses} == {201}, {
        r.text for r in responses if r.status_code != 201
    }
    revealed = rotate(client, world, "gm").json()["revealed"]
    assert revealed["nonces_used"] == 1000
    rows = dice_db.execute(
        "select expression, detail -> 'roll', server_seed_hash, client_seed, nonce"
        " from public.dice_rolls where campaign_id = %s order by nonce",
        (world.campaign,),
    ).fetchall()
    assert [row[4] for row in rows] == list(range(1000))
    assert all(
        verify_roll(
            revealed_seed=revealed["server_seed"],
            commitment=seed_hash,
            client_seed=client_seed,
            nonce=nonce,
            expression=expression,
            recorded=recorded,
        )
        for expression, recorded, seed_hash, client_seed, nonce in rows
    )
