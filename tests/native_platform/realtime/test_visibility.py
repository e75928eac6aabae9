"""The changes' RLS checks against a real Postgres: when their session dies, the chunks it held
deliver nothing (fail closed), the delivery does not hang, and the next change is checked on a
fresh session; claims holding control characters (the claims travel joined by one) keep every
answer with its own subscriber."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from native_platform.realtime.catalog import Catalog, TableInfo
from native_platform.realtime.visibility import RLS_SESSION_OPTIONS, Visibility
from tests.native_platform.realtime.support import RealtimeEnv

pytestmark = pytest.mark.anyio


@contextlib.asynccontextmanager
async def checking(realtime_env: RealtimeEnv) -> AsyncIterator[tuple[Visibility, TableInfo]]:
    """A Visibility on one check session as the node opens them, and the rt_rolls table."""
    settings = realtime_env.settings
    checks = AsyncConnectionPool(
        settings.database_url.get_secret_value(),
        min_size=1,
        max_size=1,
        kwargs={"autocommit": True, "options": RLS_SESSION_OPTIONS},
        open=False,
    )
    catalog_pool = AsyncConnectionPool(realtime_env.dsn, min_size=1, max_size=1, open=False)
    async with checks, catalog_pool:
        table = (await Catalog(catalog_pool, settings.publication).tables())[("public", "rt_rolls")]
        yield Visibility(checks, 1), table


async def answers(
    visibility: Visibility, table: Any, keys: list[dict[str, Any]], claim_sets: list[Any]
) -> dict[int, set[int]]:
    seen: dict[int, set[int]] = {}
    async for group in visibility.visible_groups(table, keys, claim_sets):
        seen.update(group)
    return seen


async def test_a_check_session_that_dies_delivers_nothing_and_the_next_change_is_checked(
    realtime_env: RealtimeEnv,
) -> None:
    campaign, member, outsider = (str(uuid.uuid4()) for _ in range(3))
    realtime_env.sql("insert into public.rt_members values (%s, %s, false)", (campaign, member))
    rows = realtime_env.sql(
        "insert into public.rt_rolls (campaign_id, roller_id, total, visibility) "
        "values (%s, %s, 7, 'public') returning id::text",
        (campaign, member),
    )
    keys = [{"id": rows[0][0]}]
    claim_sets = [
        ("authenticated", orjson.dumps({"sub": user, "role": "authenticated"}).decode())
        for user in (member, outsider)
    ]
    async with checking(realtime_env) as (visibility, table):
        assert await answers(visibility, table, keys, claim_sets) == {0: {0}, 1: set()}
        async with await psycopg.AsyncConnection.connect(realtime_env.dsn, autocommit=True) as c:
            await c.execute(
                "select pg_terminate_backend(pid) from pg_stat_activity"
                " where datname = current_database() and usename = 'authenticator'"
            )
        dead = await asyncio.wait_for(answers(visibility, table, keys, claim_sets), 10)
        assert dead == {0: set(), 1: set()}
        again = await asyncio.wait_for(answers(visibility, table, keys, claim_sets), 10)
        assert again == {0: {0}, 1: set()}


async def test_claims_holding_the_separator_keep_each_answer_with_its_subscriber(
    realtime_env: RealtimeEnv,
) -> None:
    campaign = str(uuid.uuid4())
    members = [str(uuid.uuid4()) for _ in range(3)]
    for member in members:
        realtime_env.sql("insert into public.rt_members values (%s, %s, false)", (campaign, member))
    rows = realtime_env.sql(
        "insert into public.rt_rolls (campaign_id, roller_id, total, visibility) "
        "values (%s, %s, 7, 'public') returning id::text",
        (campaign, members[0]),
    )
    # Members and outsiders alternate; every claims document carries the separator (and other
    # control characters) in a value, which JSON escapes.
    users = [user for member in members for user in (member, str(uuid.uuid4()))]
    claim_sets = [
        (
            "authenticated",
            orjson.dumps({"sub": user, "role": "authenticated", "name": "a\x1eb\x01\n"}).decode(),
        )
        for user in users
    ]
    async with checking(realtime_env) as (visibility, table):
        seen = await answers(visibility, table, [{"id": rows[0][0]}], claim_sets)
    assert seen == {index: ({0} if index % 2 == 0 else set()) for index in range(len(users))}
