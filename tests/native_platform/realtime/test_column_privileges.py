"""Realtime records trimmed to the columns the subscriber may select (issue 18, item 10), as
Supabase Realtime does: with column privileges (`grant select (id, title)`), `record`,
`old_record` and `columns` carry only those columns; a role with every column gets them all.
Through realtime-py."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from realtime import AsyncRealtimeClient, RealtimePostgresChangesListenEvent

from tests.native_platform.realtime.support import Inbox, RealtimeEnv, Server

pytestmark = pytest.mark.anyio

SETUP = """
create table if not exists public.rt_column_notes (
    id bigint primary key, title text, secret text
);
alter table public.rt_column_notes replica identity full;
revoke all on public.rt_column_notes from anon, authenticated;
grant select (id, title) on public.rt_column_notes to authenticated;
grant select on public.rt_column_notes to service_role;
do $$ begin
    if not exists (
        select from pg_catalog.pg_publication_tables
        where pubname = 'supabase_realtime' and tablename = 'rt_column_notes'
    ) then
        alter publication supabase_realtime add table public.rt_column_notes;
        perform realtime.enable_wakeups('public.rt_column_notes');
    end if;
end $$;
"""


async def _subscribe(server: Server, token: str, inbox: Inbox) -> AsyncRealtimeClient:
    client = AsyncRealtimeClient(server.url, token)
    await client.connect()
    channel = client.channel(f"columns-{uuid.uuid4().hex[:8]}")
    channel.on_postgres_changes(
        RealtimePostgresChangesListenEvent.All, inbox, table="rt_column_notes"
    )
    subscribed = Inbox()
    await channel.subscribe(lambda state, _: subscribed(state))
    await subscribed.wait_for(1)
    return client


async def test_records_trimmed_to_selectable_columns(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    realtime_env.sql(SETUP)
    limited, full, anonymous = inbox(), inbox(), inbox()
    clients = [
        await _subscribe(server, realtime_env.token(str(uuid.uuid4())), limited),
        await _subscribe(server, realtime_env.token(role="service_role"), full),
        await _subscribe(server, realtime_env.token(role="anon"), anonymous),
    ]
    try:
        realtime_env.sql("insert into public.rt_column_notes values (1, 'hello', 'psst')")
        realtime_env.sql("update public.rt_column_notes set secret = 'shh', title = 'hi'")
        await limited.wait_for(2)
        await full.wait_for(2)
        assert await anonymous.stays(0)
    finally:
        for client in clients:
            await client.close()
    data: list[Any] = [item["data"] for item in limited.items]
    assert [d["type"] for d in data] == ["INSERT", "UPDATE"]
    assert data[0]["record"] == {"id": 1, "title": "hello"}
    assert data[0]["columns"] == [{"name": "id", "type": "int8"}, {"name": "title", "type": "text"}]
    assert data[1]["record"] == {"id": 1, "title": "hi"}
    assert data[1]["old_record"] == {"id": 1, "title": "hello"}
    everything: list[Any] = [item["data"] for item in full.items]
    assert everything[0]["record"] == {"id": 1, "title": "hello", "secret": "psst"}
    assert everything[1]["old_record"] == {"id": 1, "title": "hello", "secret": "psst"}
    assert [c["name"] for c in everything[0]["columns"]] == ["id", "title", "secret"]
