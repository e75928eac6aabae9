"""The WAL reader losing its database session: subscribers are told, rejoin, and later changes
arrive again."""

from __future__ import annotations

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
