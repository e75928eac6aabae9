"""Two nodes behind one database: every broadcast, presence event and table change reaches each
subscriber exactly once, and a killed node's presences are cleaned up by the survivor."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from realtime import (
    AsyncRealtimeChannel,
    AsyncRealtimeClient,
    RealtimeChannelConfig,
    RealtimePostgresChangesListenEvent,
)

from tests.helpers.client_json import json_object
from tests.helpers.servers import free_port
from tests.native_platform.realtime.support import Inbox, RawSocket, RealtimeEnv, Server

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def second(realtime_env: RealtimeEnv) -> Iterator[Server]:
    node = Server(realtime_env.settings).start()
    yield node
    node.stop()


@pytest.fixture
def standalone(realtime_env: RealtimeEnv) -> Iterator[tuple[Server, subprocess.Popen[bytes]]]:
    """A node in its own process (`python -m native_platform.realtime`), so it can be killed."""
    settings = realtime_env.settings
    port = free_port()
    environment = {
        **os.environ,
        "REALTIME_DATABASE_URL": settings.database_url.get_secret_value(),
        "REALTIME_REPLICATION_DATABASE_URL": settings.replication_database_url.get_secret_value(),
        "REALTIME_JWT_SECRET": settings.jwt_secret.get_secret_value(),
        "REALTIME_PORT": str(port),
        "REALTIME_NODE_SWEEP_SECONDS": "0.5",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "native_platform.realtime"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    node = Server(settings, port=port)
    deadline = time.monotonic() + 30
    while process.poll() is None and time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    yield node, process
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


async def channel_on(
    server: Server,
    token: str,
    topic: str,
    setup: Callable[[AsyncRealtimeChannel], Any],
    key: str = "",
) -> AsyncRealtimeClient:
    client = AsyncRealtimeClient(server.url, token, auto_reconnect=False)
    await client.connect()
    config: RealtimeChannelConfig = {
        "broadcast": {"self": True},
        "presence": {"key": key, "enabled": True},
        "private": False,
    }
    channel = client.channel(topic, {"config": config})
    setup(channel)
    await channel.subscribe()
    return client


async def test_broadcast_and_changes_exactly_once_across_nodes(
    realtime_env: RealtimeEnv, server: Server, second: Server, inbox: Callable[[], Inbox]
) -> None:
    """Subscribers on either node get each broadcast and each table change once."""
    topic = f"shared-{uuid.uuid4().hex[:6]}"
    token = realtime_env.token(str(uuid.uuid4()))
    boxes = [inbox() for _ in range(4)]
    changes = [inbox() for _ in range(4)]

    def setup(index: int) -> Callable[[AsyncRealtimeChannel], Any]:
        def apply(channel: AsyncRealtimeChannel) -> None:
            channel.on_broadcast("ping", boxes[index])
            channel.on_postgres_changes(
                RealtimePostgresChangesListenEvent.Insert, changes[index], table="rt_notes"
            )

        return apply

    nodes = [server, second, server, second]
    clients = [await channel_on(node, token, topic, setup(i)) for i, node in enumerate(nodes)]
    try:
        sender = clients[0].channels[f"realtime:{topic}"]
        for number in range(5):
            await sender.send_broadcast("ping", {"n": number})
        note = int(uuid.uuid4().int % 10**9)
        realtime_env.sql("insert into public.rt_notes values (%s, 'x')", (note,))
        for box, change in zip(boxes, changes, strict=True):
            await box.wait_for(5)
            await change.wait_for(1)
        await asyncio.sleep(0.3)
    finally:
        for client in clients:
            await client.close()
    for box, change in zip(boxes, changes, strict=True):
        assert [item["payload"]["n"] for item in box.items] == [0, 1, 2, 3, 4]
        assert [item["data"]["record"]["id"] for item in change.items] == [note]


async def test_presence_seen_across_nodes(
    realtime_env: RealtimeEnv, server: Server, second: Server, inbox: Callable[[], Inbox]
) -> None:
    """A presence tracked on one node appears in the state of a channel on the other."""
    topic = f"lobby-{uuid.uuid4().hex[:6]}"
    token = realtime_env.token(str(uuid.uuid4()))
    joins = inbox()
    watcher = await channel_on(second, token, topic, lambda c: c.on_presence_join(joins), "w")
    tracker = await channel_on(server, token, topic, lambda _: None, "t")
    try:
        await tracker.channels[f"realtime:{topic}"].track({"seat": 1})
        await joins.wait_for(1)
        seat = json_object(watcher.channels[f"realtime:{topic}"].presence_state()["t"][0])["seat"]
        assert seat == 1
    finally:
        await tracker.close()
        await watcher.close()


async def test_killed_node_presences_leave_and_survivor_serves(
    realtime_env: RealtimeEnv,
    server: Server,
    standalone: tuple[Server, subprocess.Popen[bytes]],
    inbox: Callable[[], Inbox],
) -> None:
    """Killing a node removes its presences for the others; the survivor keeps serving."""
    topic = f"crash-{uuid.uuid4().hex[:6]}"
    token = realtime_env.token(str(uuid.uuid4()))
    joins, leaves, pings = inbox(), inbox(), inbox()

    def watch(channel: AsyncRealtimeChannel) -> None:
        channel.on_presence_join(joins).on_presence_leave(leaves).on_broadcast("ping", pings)

    watcher = await channel_on(server, token, topic, watch, "watcher")
    doomed = await RawSocket.open(standalone[0], token)
    try:
        await doomed.join(topic, {"presence": {"key": "doomed", "enabled": True}})
        await doomed.send(f"realtime:{topic}", "presence", {"event": "track", "payload": {"hp": 3}})
        await joins.wait_for(1)
        standalone[1].kill()
        await leaves.wait_for(1, timeout=10)
        assert leaves.items[0][0] == "doomed"
        await watcher.channels[f"realtime:{topic}"].send_broadcast("ping", {})
        await pings.wait_for(1)
    finally:
        await watcher.close()
