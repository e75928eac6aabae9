"""Realtime decides deliveries with Postgres's own RLS: every subscriber receives exactly the
changed rows a SELECT as that subscriber returns, whoever else is subscribed and in what order.

The world is the data core's labelled world (`tests/sql/world.py`: private campaign c1 of `gm`
with `player` and `observer`, public c2 of `gm2` with `other`, app roles for `moderator`,
`admin` and `editor`) plus `stranger`, who belongs to nothing, and throwaway tables whose
policies use set-returning functions, `exists`, `or`, `case`, a restrictive policy and a join.
Expected deliveries come from SQL run as each actor, the way the REST server runs a request.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import jwt
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from realtime import (
    AsyncRealtimeClient,
    RealtimePostgresChangesListenEvent,
    RealtimeSubscribeStates,
)

from tests.helpers.actors import acting_as
from tests.native_platform.realtime.support import Inbox, RealtimeEnv, Server
from tests.sql.world import C1, C2, USERS, build_world

ACTORS = ("anon", "player", "other", "gm", "observer", "moderator", "admin", "editor", "stranger")
POLICY_TABLES = ("rls_srf", "rls_exists", "rls_case", "rls_join")
TABLES = (*POLICY_TABLES, "dice_rolls")
KINDS = ("public", "members", "mine", "hidden", "gm")
ROLLERS = {C1: (USERS["gm"], USERS["player"]), C2: (USERS["gm2"], USERS["other"])}
ROLL_VISIBILITY = {"public": "public", "members": "public", "mine": "private", "gm": "gm"}

POLICY_SQL = """
update rate_limit.limits set capacity = 1000000, refill_per_second = 1e6;
create table public.rls_srf (
    id uuid primary key default gen_random_uuid(), campaign_id uuid not null,
    owner_id uuid, kind text not null
);
create table public.rls_exists (like public.rls_srf including all);
create table public.rls_case (like public.rls_srf including all);
create table public.rls_join (like public.rls_srf including all);
grant select on public.rls_srf, public.rls_exists, public.rls_case, public.rls_join
to anon, authenticated;
alter table public.rls_srf enable row level security;
alter table public.rls_exists enable row level security;
alter table public.rls_case enable row level security;
alter table public.rls_join enable row level security;
-- Set-returning functions and `or`, two permissive policies.
create policy srf_readers on public.rls_srf for select to anon, authenticated using (
    campaign_id in (select app_private.readable_campaign_ids())
    and (kind = 'public' or owner_id = (select auth.uid()))
);
create policy srf_gms on public.rls_srf for select to authenticated using (
    campaign_id in (select app_private.my_gm_campaign_ids())
);
-- `exists` over another table with its own RLS, or an app permission.
create policy exists_players on public.rls_exists for select to authenticated using (
    exists (
        select from public.campaign_members as m
        where m.campaign_id = rls_exists.campaign_id and m.user_id = (select auth.uid())
            and m.role in ('gm', 'player')
    )
    or (select app_private.has_permission('campaign.moderate'))
);
-- `case`, narrowed by a restrictive policy.
create policy case_kinds on public.rls_case for select to anon, authenticated using (
    case kind
        when 'public' then true
        when 'members' then campaign_id in (select app_private.my_campaign_ids())
        when 'mine' then owner_id = (select auth.uid())
        else false
    end
);
create policy case_not_hidden on public.rls_case as restrictive for select
to anon, authenticated using (kind <> 'hidden' or owner_id = (select auth.uid()));
-- A join of two tables inside the policy.
create policy join_members on public.rls_join for select to authenticated using (
    campaign_id in (
        select c.id from public.campaigns as c
        inner join public.campaign_members as m on m.campaign_id = c.id
        where m.user_id = (select auth.uid()) and (c.visibility = 'private' or m.role = 'gm')
    )
    and kind <> 'hidden'
);
alter publication supabase_realtime add table
    public.rls_srf, public.rls_exists, public.rls_case, public.rls_join;
select realtime.enable_wakeups('public.rls_srf'), realtime.enable_wakeups('public.rls_exists'),
    realtime.enable_wakeups('public.rls_case'), realtime.enable_wakeups('public.rls_join');
"""


@dataclass(frozen=True)
class World:
    env: RealtimeEnv
    tokens: dict[str, str]


def session_token(conn: psycopg.Connection[Any], secret: str, user: uuid.UUID) -> str:
    """An access token naming a live session of the user, as the auth server issues them."""
    row = conn.execute(
        "insert into auth.sessions (user_id) values (%s) returning id", (user,)
    ).fetchone()
    assert row is not None
    now = int(time.time())
    claims = {
        "aud": "authenticated",
        "exp": now + 3600,
        "iat": now,
        "sub": str(user),
        "role": "authenticated",
        "session_id": str(row[0]),
        "is_anonymous": False,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


@pytest.fixture(scope="module")
def world(realtime_env: RealtimeEnv) -> World:
    with psycopg.connect(realtime_env.dsn, autocommit=True) as conn:
        build_world(conn)
        conn.execute(POLICY_SQL)
        tokens = {
            actor: session_token(conn, realtime_env.secret, USERS[actor])
            for actor in ACTORS
            if actor != "anon"
        }
    tokens["anon"] = realtime_env.token(None, role="anon")
    return World(realtime_env, tokens)


@asynccontextmanager
async def subscriber(server: Server, token: str, tables: tuple[str, ...]) -> AsyncIterator[Inbox]:
    """One socket with one channel listening to every change of `tables`."""
    client = AsyncRealtimeClient(server.url, token, auto_reconnect=False)
    await client.connect()
    changes, system, states = Inbox(), Inbox(), []
    channel = client.channel(f"rls-{uuid.uuid4().hex[:8]}")
    for table in tables:
        channel.on_postgres_changes(
            RealtimePostgresChangesListenEvent.All, changes, table=table, schema="public"
        )
    channel.on_system(system)
    await channel.subscribe(lambda state, error: states.append((state, error)))
    assert states[0][0] == RealtimeSubscribeStates.SUBSCRIBED, states
    await system.wait_for(1)
    try:
        yield changes
    finally:
        await client.close()


def received(inbox: Inbox) -> Counter[tuple[str, str, str]]:
    """(table, row id, event type) of every delivered change."""
    out: Counter[tuple[str, str, str]] = Counter()
    for item in inbox.items:
        data = item["data"]
        row = data.get("record") or data.get("old_record") or {}
        out[(data["table"], str(row.get("id")), data["type"])] += 1
    return out


def expected(
    dsn: str, actor: str, events: list[tuple[str, str, str]]
) -> Counter[tuple[str, str, str]]:
    """The events whose row a SELECT as the actor returns (REST runs reads the same way)."""
    out: Counter[tuple[str, str, str]] = Counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        for table, row_id, kind in events:
            role = "anon" if actor == "anon" else "authenticated"
            user = None if actor == "anon" else USERS[actor]
            try:
                with acting_as(conn, role, user, rollback=True):
                    row = conn.execute(
                        f"select 1 from public.{table} where id = %s", (row_id,)
                    ).fetchone()
            except psycopg.errors.InsufficientPrivilege:
                row = None
            if row is not None:
                out[(table, row_id, kind)] += 1
    return out


async def deliveries(
    world: World,
    server: Server,
    actors: list[str],
    write: Any,
) -> tuple[list[Counter[tuple[str, str, str]]], list[Counter[tuple[str, str, str]]]]:
    """Subscribe the actors in order, run `write(conn) -> events` in one transaction, and return
    (received, expected) per subscriber once all expected arrived and nothing more came."""
    async with AsyncExitStack() as stack:
        boxes = [
            await stack.enter_async_context(subscriber(server, world.tokens[actor], TABLES))
            for actor in actors
        ]
        with psycopg.connect(world.env.dsn) as conn:
            conn.execute("select set_config('app.roll_source', 'dice-service', true)")
            events: list[tuple[str, str, str]] = write(conn)
        wanted = [expected(world.env.dsn, actor, events) for actor in actors]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(
            sum(received(box).values()) < sum(want.values())
            for box, want in zip(boxes, wanted, strict=True)
        ):
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.4)  # anything beyond what was expected would arrive by now
        # Only this write's rows: on a loaded machine a change of the previous example may
        # still be in flight when these sockets join, and reach them (it is not this write's).
        rows = {row for _, row, _ in events}
        got = [Counter({k: n for k, n in received(box).items() if k[1] in rows}) for box in boxes]
        return got, wanted


def insert_row(
    conn: psycopg.Connection[Any], table: str, campaign: uuid.UUID, owner: str, kind: str
) -> str:
    if table == "dice_rolls":
        rollers = ROLLERS[campaign]
        roller = rollers[0] if owner in ("gm", "gm2", "moderator") else rollers[1]
        query = (
            "insert into public.dice_rolls (campaign_id, roller_id, expression, total,"
            " visibility, server_seed_hash, client_seed, nonce)"
            " values (%s, %s, '1d20', 7, %s, repeat('a', 64), 's', 1) returning id::text"
        )
        row = conn.execute(query, (campaign, roller, ROLL_VISIBILITY.get(kind, "private")))
    else:
        row = conn.execute(
            f"insert into public.{table} (campaign_id, owner_id, kind) values (%s, %s, %s)"
            " returning id::text",
            (campaign, USERS[owner], kind),
        )
    found = row.fetchone()
    assert found is not None
    return str(found[0])


@pytest.mark.parametrize("gm_first", [False, True], ids=["stranger-first", "gm-first"])
def test_non_member_and_gm_of_private_campaign_each_get_their_rolls(
    world: World, server: Server, gm_first: bool
) -> None:
    """Regression (issue 11, finding 1): a fresh non-member and the GM of a private campaign
    subscribed together to dice_rolls, in both orders. The GM gets the campaign's public, gm
    and private rolls; the non-member none of them, only the public campaign's public roll."""
    stranger = str(uuid.uuid4())
    with psycopg.connect(world.env.dsn, autocommit=True) as conn:
        conn.execute(
            "insert into auth.users (id, email) values (%s, %s)", (stranger, f"{stranger}@x.test")
        )
        token = session_token(conn, world.env.secret, uuid.UUID(stranger))
    tokens = {**world.tokens, "fresh": token}
    users = {**USERS, "fresh": uuid.UUID(stranger)}

    def write(conn: psycopg.Connection[Any]) -> list[tuple[str, str, str]]:
        rows = [
            insert_row(conn, "dice_rolls", C1, "player", "public"),
            insert_row(conn, "dice_rolls", C1, "player", "gm"),
            insert_row(conn, "dice_rolls", C1, "player", "mine"),
            insert_row(conn, "dice_rolls", C1, "gm", "mine"),
            insert_row(conn, "dice_rolls", C2, "other", "public"),
        ]
        conn.commit()
        return [("dice_rolls", row, "INSERT") for row in rows]

    order = ["gm", "fresh"] if gm_first else ["fresh", "gm"]

    async def run() -> tuple[list[Counter[Any]], list[str]]:
        async with AsyncExitStack() as stack:
            boxes = [
                await stack.enter_async_context(subscriber(server, tokens[actor], ("dice_rolls",)))
                for actor in order
            ]
            with psycopg.connect(world.env.dsn) as conn:
                conn.execute("select set_config('app.roll_source', 'dice-service', true)")
                events = write(conn)
            counts = {"gm": 5, "fresh": 1}
            for actor, box in zip(order, boxes, strict=True):
                try:
                    await box.wait_for(counts[actor], timeout=5)
                except TimeoutError:
                    pass
            await asyncio.sleep(0.4)
            return [received(box) for box in boxes], [row for _, row, _ in events]

    got, rows = asyncio.run(run())
    by_actor = dict(zip(order, got, strict=True))
    assert {row for _, row, _ in by_actor["gm"]} == set(rows)  # incl. c2's public roll
    assert {row for _, row, _ in by_actor["fresh"]} == {rows[4]}
    with psycopg.connect(world.env.dsn, autocommit=True) as conn:
        with acting_as(conn, "authenticated", users["fresh"], rollback=True):
            visible = conn.execute(
                "select id::text from public.dice_rolls where id = any(%s::uuid[])", (rows,)
            ).fetchall()
    assert {row for (row,) in visible} == {rows[4]}


changes = st.lists(
    st.one_of(
        st.tuples(
            st.just("insert"),
            st.sampled_from(TABLES),
            st.sampled_from((C1, C2)),
            st.sampled_from(("gm", "player", "other", "observer", "gm2", "stranger")),
            st.sampled_from(KINDS),
        ),
        st.tuples(st.just("update"), st.integers(0, 7), st.sampled_from(KINDS)),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actors=st.lists(st.sampled_from(ACTORS), min_size=1, max_size=6), plan=changes)
def test_every_subscriber_receives_what_a_select_as_it_returns(
    world: World, server: Server, actors: list[str], plan: list[tuple[Any, ...]]
) -> None:
    """Random sets of actors subscribed in random orders (the same actor twice too) to tables
    with varied policies; one transaction of inserts and updates; each socket receives exactly
    the changes whose row a SELECT as its actor returns."""

    def write(conn: psycopg.Connection[Any]) -> list[tuple[str, str, str]]:
        events: list[tuple[str, str, str]] = []
        rows: list[tuple[str, str]] = []
        for step in plan:
            if step[0] == "insert":
                _, table, campaign, owner, kind = step
                rows.append((table, insert_row(conn, table, campaign, owner, kind)))
                events.append((table, rows[-1][1], "INSERT"))
            elif rows and rows[step[1] % len(rows)][0] != "dice_rolls":
                table, row = rows[step[1] % len(rows)]
                conn.execute(f"update public.{table} set kind = %s where id = %s", (step[2], row))
                events.append((table, row, "UPDATE"))
        conn.commit()
        return events

    got, wanted = asyncio.run(deliveries(world, server, actors, write))
    for actor, have, want in zip(actors, got, wanted, strict=True):
        assert have == want, (actor, json.dumps(plan, default=str))
