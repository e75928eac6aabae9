"""The dice service's SQL, always run inside `as_caller` so RLS and role checks apply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from functions.dice.db import Conn
from native_platform.rest.errors import ApiError
from py_rules import Ability

__all__ = [
    "Draw",
    "allocate_nonce",
    "campaign_is_readable",
    "character_scores",
    "insert_roll",
    "revealed_seeds",
    "rotate_seed",
    "seed_commitment",
]

Row = dict[str, Any]


@dataclass(frozen=True)
class Draw:
    """The active seed of a campaign and the nonce reserved for one roll."""

    seed: str
    seed_hash: str
    nonce: int


async def _one(conn: Conn, query: sql.Composed | str, params: tuple[Any, ...]) -> Row | None:
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(query, params)
        return await cur.fetchone()


async def character_scores(conn: Conn, character_id: UUID) -> dict[Ability, int]:
    """The character's ability scores, if the caller may read the character (else 403)."""
    columns = sql.SQL(", ").join(sql.Identifier(ability.value) for ability in Ability)
    query = sql.SQL("select {} from public.characters where id = %s").format(columns)
    row = await _one(conn, query, (character_id,))
    if row is None:
        raise ApiError(403, "42501", "You cannot roll for this character", None, "not_readable")
    return {ability: int(row[ability.value]) for ability in Ability}


async def allocate_nonce(conn: Conn, campaign_id: UUID) -> Draw:
    """Reserve the next nonce of the campaign's active seed (players and gms; 42501 → 403)."""
    row = await _one(conn, "select * from app_private.allocate_dice_nonce(%s)", (campaign_id,))
    assert row is not None  # the function returns a row or raises
    return Draw(row["seed"], row["seed_hash"], int(row["nonce"]))


async def insert_roll(conn: Conn, values: Row) -> Row:
    """Insert the roll as the caller (policy + rate-limit trigger decide); id, roller, time."""
    columns = list(values)
    query = sql.SQL(
        "insert into public.dice_rolls ({}) values ({}) returning id, roller_id, created_at"
    ).format(
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
    )
    params = tuple(Jsonb(v) if isinstance(v, dict) else v for v in values.values())
    row = await _one(conn, query, params)
    assert row is not None
    return row


async def seed_commitment(conn: Conn, campaign_id: UUID) -> Row:
    """The active seed's hash and next nonce (members only)."""
    row = await _one(conn, "select * from app_private.dice_seed_commitment(%s)", (campaign_id,))
    assert row is not None
    return row


async def rotate_seed(conn: Conn, campaign_id: UUID) -> Row:
    """Reveal the active seed and commit a new one (gms only)."""
    row = await _one(conn, "select * from app_private.rotate_dice_seed(%s)", (campaign_id,))
    assert row is not None
    return row


async def campaign_is_readable(conn: Conn, campaign_id: UUID) -> bool:
    """Whether the campaign's RLS lets the caller read it."""
    row = await _one(conn, "select 1 as one from public.campaigns where id = %s", (campaign_id,))
    return row is not None


async def revealed_seeds(conn: Conn, campaign_id: UUID) -> list[Row]:
    """Revealed seeds of the campaign through the public view, newest first."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "select seed, seed_hash, nonces_used, committed_at, revealed_at"
            " from public.revealed_dice_seeds where campaign_id = %s order by revealed_at desc",
            (campaign_id,),
        )
        return await cur.fetchall()
