"""The WAL reader: it streams every table's rows and delivers those of published tables only,
confirming what it delivered so its slot does not hold WAL back; losing its database session,
subscribers are told, rejoin, and later changes arrive again."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from realtime import (
    AsyncRealtimeClient,
    RealtimePostgresChangesListenEvent,
    RealtimeSubscribeStates,
)

from tests.native_platform.realtime.support import Inbox, RealtimeEnv, Server

pytestmark = pytest.mark.anyio

CONFIRMED_SQL = """
select pg_catalog.pg_wal_lsn_diff(confirmed_flush_lsn, %s::pg_lsn) >= 0
from pg_catalog.pg_replication_slots
where database = current_database() and slot_name like 'realtime_%%'
"""


async def test_a_transaction_of_many_unpublished_rows_delivers_its_published_one_and_is_confirmed(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    realtime_env.sql("create table if not exists public.rt_unpublished (id int primary key)")
    changes = inbox()
    client = AsyncRealtimeClient(server.url, realtime_env.token(str(uuid.uuid4())))
    await client.connect()
    channel = client.channel("notes")
    channel.on_postgres_changes(RealtimePostgresChangesListenEvent.All, changes, table="*")
    subscribed = inbox()
    await channel.subscribe(lambda state, _: subscribed(state))
    await subscribed.wait_for(1)
    try:
        before = realtime_env.sql("select pg_catalog.pg_current_wal_lsn()::text")[0][0]
        realtime_env.sql(
            "insert into public.rt_unpublished select generate_series(1, 5000);"
            "insert into public.rt_notes values (3001, 'published');"
            "delete from public.rt_unpublished;"
        )
        await changes.wait_for(1)
        assert await changes.stays(1)
        # The transaction's end is confirmed once delivered: the slot releases its WAL.
        for _ in range(50):
            if realtime_env.sql(CONFIRMED_SQL, (before,)) == [(True,)]:
                break
            await asyncio.sleep(0.1)
        assert realtime_env.sql(CONFIRMED_SQL, (before,)) == [(True,)]
    finally:
        await client.close()
    data: Any = changes.items[0]["data"]
    assert (data["table"], data["type"], data["record"]["body"]) == (
        "rt_notes",
        "INSERT",
        "published",
    )


async def test_lost_reader_session_recovers(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """Killing the reader's backend yields a channel error; after the rejoin changes flow."""
    changes, states = inbox(), inbox()
    client = AsyncRealtimeClient(server.url, realtime_env.token(str(uuid.uuid4())))
    await client.connect()
    channel = client.channel("notes")
    channel.on_postgres_changes(
        RealtimePostgresChangesListenEvent.Insert, changes, table="rt_notes"
    )
    await channel.subscribe(lambda state, _: states(state))
    try:
        realtime_env.sql("insert into public.rt_notes values (1001, 'before')")
        await changes.wait_for(1)
        realtime_env.sql(
            "select pg_terminate_backend(active_pid) from pg_replication_slots "
            "where database = current_database() and slot_name like 'realtime_%%'"
        )
        await states.wait_for(3, timeout=15)  # SUBSCRIBED, CHANNEL_ERROR, SUBSCRIBED again
        assert [str(s.value) for s in states.items[:3]] == [
            "SUBSCRIBED",
            "CHANNEL_ERROR",
            "SUBSCRIBED",
        ]
        note = 1002
        for _ in range(50):
            realtime_env.sql("insert into public.rt_notes values (%s, 'after')", (note,))
            try:
                await changes.wait_for(2, timeout=0.3)
                break
            except TimeoutError:
                note += 1
    finally:
        await client.close()
    records: list[Any] = [item["data"]["record"]["body"] for item in changes.items]
    assert records[0] == "before" and records[1] == "after"
    assert states.items[0] == RealtimeSubscribeStates.SUBSCRIBED
