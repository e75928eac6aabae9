"""The dice service's SQL, always run inside `as_caller` so RLS and role checks apply."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from psycopg import sql
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from functions.common.errors import ApiError
from functions.dice.db import Conn
from py_rules import CEFR, Ability, Proficiency

__all__ = [
    "Draw",
    "Grant",
    "Sheet",
    "allocate_nonce",
    "campaign_is_readable",
    "check_sheet",
    "granted_modifiers",
    "insert_roll",
    "revealed_seeds",
    "rotate_seed",
    "seed_commitment",
    "use_granted_modifiers",
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


@dataclass(frozen=True)
class Sheet:
    """What a check reads, as the roller sees it: scores, one language, the campaign's DCs."""

    scores: dict[Ability, int]
    language: str
    proficiency: Proficiency
    dc_table: dict[CEFR, int | None]


@dataclass(frozen=True)
class Grant:
    """A granted modifier the roller may read (their character's, or as its gm)."""

    id: UUID
    amount: int
    type: str | None
    ability: str | None
    reason: str
    single_use: bool
    used: bool
    expired: bool


_SHEET = sql.SQL(
    "select {scores}, coalesce(%s, ca.target_language) as language, cl.proficiency, {dcs}"
    " from public.characters as ch"
    " inner join public.campaigns as ca on ca.id = ch.campaign_id"
    " left join public.campaign_rules as r on r.campaign_id = ch.campaign_id"
    " left join public.character_languages as cl"
    " on cl.character_id = ch.id and cl.language = coalesce(%s, ca.target_language)"
    " where ch.id = %s and ch.campaign_id = %s"
).format(
    scores=sql.SQL(", ").join(sql.Identifier("ch", a.value) for a in Ability),
    dcs=sql.SQL(", ").join(
        sql.SQL("{} as {}").format(
            sql.Identifier("r", f"dc_{level.value.lower()}"), sql.Identifier(level.value)
        )
        for level in CEFR
    ),
)


async def check_sheet(
    conn: Conn, character_id: UUID, campaign_id: UUID, language: str | None
) -> Sheet:
    """The character's sheet and its campaign's rules, read under RLS (unreadable: 403)."""
    row = await _one(conn, _SHEET, (language, language, character_id, campaign_id))
    if row is None:
        raise ApiError(403, "42501", "You cannot roll for this character", None, "not_readable")
    return Sheet(
        scores={ability: int(row[ability.value]) for ability in Ability},
        language=str(row["language"]),
        proficiency=Proficiency[str(row["proficiency"] or "untrained").upper()],
        dc_table={level: row[level.value] for level in CEFR},
    )


async def granted_modifiers(
    conn: Conn, character_id: UUID, ability: Ability, ids: list[UUID]
) -> list[Grant]:
    """The requested grants of the character, read as the roller (RLS), in request order;
    400 unless each is the character's, readable, unused, unexpired and for this ability."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "select id, amount, type, ability, reason, single_use, used_at is not null as used,"
            " coalesce(expires_at <= now(), false) as expired"
            " from public.granted_modifiers where character_id = %s and id = any(%s)",
            (character_id, ids),
        )
        found = {row["id"]: Grant(**row) for row in await cur.fetchall()}
    return [_usable(grant_id, found.get(grant_id), ability) for grant_id in ids]


def _unusable_because(grant: Grant | None, ability: Ability) -> str | None:
    if grant is None:
        return "unknown"
    if grant.used:
        return "used"
    if grant.expired:
        return "expired"
    if grant.ability not in (None, ability.value):
        return "other_ability"
    return None


def _usable(grant_id: UUID, grant: Grant | None, ability: Ability) -> Grant:
    reason = _unusable_because(grant, ability)
    if grant is not None and reason is None:
        return grant
    raise ApiError(
        400,
        "granted_modifier_unusable",
        f"Granted modifier {grant_id} cannot be applied: {reason}",
        {"id": str(grant_id), "reason": reason},
        "Apply only modifiers the gm granted this character that are unused and unexpired.",
    )


async def use_granted_modifiers(conn: Conn, roll_id: UUID, ids: list[UUID]) -> None:
    """Mark the roll's single-use grants used by it (PT409 → 409 if one was used meanwhile)."""
    await conn.execute("select app_private.use_granted_modifiers(%s, %s)", (roll_id, ids))


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
