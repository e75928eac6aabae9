"""A node outliving a Postgres restart: on a throwaway cluster of its own (the shared test
cluster is never restarted), subscribers are told, rejoin, and later changes arrive."""

from __future__ import annotations

import asyncio
import secrets
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import jwt
import psycopg
import pytest
from pydantic import SecretStr
from realtime import (
    AsyncRealtimeClient,
    RealtimePostgresChangesListenEvent,
    RealtimeSubscribeStates,
)

from native_platform.database import configure_secrets
from native_platform.migrations import apply_migrations
from native_platform.postgres import PostgresCluster
from native_platform.realtime import RealtimeSettings
from native_platform.settings import StackSettings
from tests.helpers.servers import free_port
from tests.native_platform.realtime.support import Inbox, Server

pytestmark = pytest.mark.anyio

NOTES_SQL = """
create table public.rt_notes (id bigint primary key, body text);
grant select on public.rt_notes to authenticated;
alter table public.rt_notes enable row level security;
create policy "signed-in users read notes" on public.rt_notes
for select to authenticated using ((select auth.uid()) is not null);
alter publication supabase_realtime add table public.rt_notes;
select realtime.enable_wakeups('public.rt_notes');
"""


class Cluster:
    """A private cluster with every migration and a published, RLS-checked `rt_notes` table."""

    def __init__(self, root: Path, settings: StackSettings) -> None:
        self.password = secrets.token_urlsafe(16)
        self.postgres = PostgresCluster(root=root, port=free_port(), durable=False)
        self.postgres.initialize(self.password)
        self.postgres.start()
        self.dsn = f"postgresql://postgres:{self.password}@127.0.0.1:{self.postgres.port}/postgres"
        apply_migrations(self.dsn)
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            configure_secrets(conn, settings)
            conn.execute(NOTES_SQL)

    def insert(self, note: int, body: str) -> None:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute("insert into public.rt_notes values (%s, %s)", (note, body))


@pytest.fixture
def cluster(tmp_path: Path, stack_settings: StackSettings) -> Iterator[Cluster]:
    own = Cluster(tmp_path / "cluster", stack_settings)
    yield own
    own.postgres.stop()


@pytest.fixture
def node(cluster: Cluster, stack_settings: StackSettings) -> Iterator[Server]:
    password = stack_settings.authenticator_password.get_secret_value()
    login = cluster.dsn.replace(f"postgres:{cluster.password}@", f"authenticator:{password}@")
    settings = RealtimeSettings(
        database_url=SecretStr(login),
        replication_database_url=SecretStr(cluster.dsn),
        jwt_secret=stack_settings.jwt_secret,
    )
    server = Server(settings).start()
    yield server
    server.stop()


def restart(cluster: Cluster) -> None:
    cluster.postgres.stop()
    cluster.postgres.start()


async def test_postgres_restart_tells_clients_and_changes_resume(
    cluster: Cluster, node: Server, stack_settings: StackSettings
) -> None:
    """After a restart the channel errors, rejoins, and a change committed then arrives."""
    claims = {"sub": str(uuid.uuid4()), "role": "authenticated", "exp": int(time.time()) + 600}
    token = jwt.encode(claims, stack_settings.jwt_secret.get_secret_value(), algorithm="HS256")
    changes, states = Inbox(), Inbox()
    client = AsyncRealtimeClient(node.url, token)
    await client.connect()
    channel = client.channel("notes")
    channel.on_postgres_changes(
        RealtimePostgresChangesListenEvent.Insert, changes, table="rt_notes"
    )
    await channel.subscribe(lambda state, _: states(state))
    try:
        await states.wait_for(1)
        await asyncio.to_thread(cluster.insert, 1, "before")
        await changes.wait_for(1)
        await asyncio.to_thread(restart, cluster)
        await states.wait_for(3, timeout=20)
        await asyncio.to_thread(cluster.insert, 2, "after")
        await changes.wait_for(2, timeout=10)
    finally:
        await client.close()
    assert states.items[:3] == [
        RealtimeSubscribeStates.SUBSCRIBED,
        RealtimeSubscribeStates.CHANNEL_ERROR,
        RealtimeSubscribeStates.SUBSCRIBED,
    ]
    assert [item["data"]["record"]["body"] for item in changes.items] == ["before", "after"]
