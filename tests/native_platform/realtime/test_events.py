"""Broadcast and presence through the official Python client."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from realtime import (
    AsyncRealtimeChannel,
    AsyncRealtimeClient,
    RealtimeAcknowledgementStatus,
    RealtimeSubscribeStates,
)

from tests.helpers.client_json import json_object
from tests.helpers.realtime_options import channel_options
from tests.native_platform.realtime.support import Inbox, RealtimeEnv, Server

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def joined(
    server: Server, token: str, topic: str, config: dict[str, Any], setup: Callable[..., Any]
) -> AsyncIterator[tuple[AsyncRealtimeClient, AsyncRealtimeChannel]]:
    client = AsyncRealtimeClient(server.url, token, auto_reconnect=False)
    await client.connect()
    channel = client.channel(topic, channel_options(config))
    setup(channel)
    states: list[Any] = []
    await channel.subscribe(lambda state, error: states.append((state, error)))
    assert states and states[0][0] == RealtimeSubscribeStates.SUBSCRIBED, states
    try:
        yield client, channel
    finally:
        await client.close()


def broadcast_config(self_: bool = False, ack: bool = False) -> dict[str, Any]:
    return {"broadcast": {"self": self_, "ack": ack}, "presence": {"key": ""}, "private": False}


async def test_broadcast_reaches_others_and_self_only_when_asked(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """Others receive a broadcast; the sender only with `self: true`."""
    topic = f"room-{uuid.uuid4().hex[:8]}"
    token = realtime_env.token(str(uuid.uuid4()))
    quiet_sender, echoing_sender, listener = inbox(), inbox(), inbox()
    async with (
        joined(
            server, token, topic, broadcast_config(), lambda c: c.on_broadcast("move", quiet_sender)
        ) as (_, quiet),
        joined(
            server,
            token,
            topic,
            broadcast_config(self_=True),
            lambda c: c.on_broadcast("move", echoing_sender),
        ) as (_, echoing),
        joined(server, token, topic, broadcast_config(), lambda c: c.on_broadcast("*", listener)),
    ):
        await quiet.send_broadcast("move", {"x": 1})
        await echoing.send_broadcast("move", {"x": 2})
        await listener.wait_for(2)
        await echoing_sender.wait_for(2)
        assert await quiet_sender.stays(1, quiet=0.3)
    # Two senders on two sockets: each message arrives once, in no promised order between them.
    assert sorted(m["payload"]["x"] for m in listener.items) == [1, 2]
    assert {m["event"] for m in listener.items} == {"move"}
    assert [m["payload"] for m in quiet_sender.items] == [{"x": 2}]


async def test_broadcast_ack_replies_ok(realtime_env: RealtimeEnv, server: Server) -> None:
    """With `ack: true` each broadcast push is answered `ok`."""
    token = realtime_env.token(str(uuid.uuid4()))
    async with joined(server, token, "acked", broadcast_config(ack=True), lambda _: None) as (
        _,
        ch,
    ):
        replies: asyncio.Queue[Any] = asyncio.Queue()
        push = await ch.push("broadcast", {"type": "broadcast", "event": "e", "payload": {}})
        push.receive(RealtimeAcknowledgementStatus.Ok, replies.put_nowait)
        push.receive(RealtimeAcknowledgementStatus.Error, replies.put_nowait)
        reply = await asyncio.wait_for(replies.get(), 5)
    assert reply is not None and not isinstance(reply, dict)


async def test_presence_join_update_and_leave(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """Tracking shows up in everyone's state; leaving (or dying) removes it."""
    topic = f"table-{uuid.uuid4().hex[:8]}"
    watcher_joins, watcher_leaves = inbox(), inbox()

    def watch(channel: AsyncRealtimeChannel) -> None:
        channel.on_presence_join(watcher_joins).on_presence_leave(watcher_leaves)

    config = {"presence": {"key": "alice", "enabled": True}, "private": False}
    token = realtime_env.token(str(uuid.uuid4()))
    async with joined(server, token, topic, {**config, "presence": {"key": "watcher"}}, watch) as (
        _,
        watcher,
    ):
        async with joined(server, token, topic, config, lambda _: None) as (alice_client, alice):
            await alice.track({"name": "alice"})
            await watcher_joins.wait_for(1)
            assert json_object(watcher.presence_state()["alice"][0])["name"] == "alice"
            await alice.track({"name": "alice", "mood": "brave"})
            await watcher_joins.wait_for(2)
            assert [p.get("mood") for p in watcher.presence_state()["alice"]] == ["brave"]
        await watcher_leaves.wait_for(2)
        assert "alice" not in watcher.presence_state()
        del alice_client


async def test_presence_state_sent_on_join(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """A channel joining later receives the presences already tracked."""
    topic = f"table-{uuid.uuid4().hex[:8]}"
    token = realtime_env.token(str(uuid.uuid4()))
    config = {"presence": {"key": "bob", "enabled": True}, "private": False}
    tracked = inbox()
    async with joined(server, token, topic, config, lambda c: c.on_presence_join(tracked)) as (
        _,
        bob,
    ):
        await bob.track({"name": "bob"})
        await tracked.wait_for(1)
        synced = inbox()
        late_config = {"presence": {"key": "late", "enabled": True}, "private": False}
        async with joined(
            server, token, topic, late_config, lambda c: c.on_presence_sync(synced)
        ) as (_, late):
            await synced.wait_for(1)
            assert json_object(late.presence_state()["bob"][0])["name"] == "bob"


async def test_presence_of_killed_client_leaves(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """A client whose connection drops without leaving is removed from presence."""
    topic = f"table-{uuid.uuid4().hex[:8]}"
    token = realtime_env.token(str(uuid.uuid4()))
    leaves = inbox()
    watch_config = {"presence": {"key": "watcher", "enabled": True}, "private": False}
    async with joined(
        server, token, topic, watch_config, lambda c: c.on_presence_leave(leaves)
    ) as (_, watcher):
        victim = AsyncRealtimeClient(server.url, token, auto_reconnect=False)
        await victim.connect()
        channel = victim.channel(
            topic,
            channel_options({"presence": {"key": "victim", "enabled": True}, "private": False}),
        )
        await channel.subscribe()
        await channel.track({"name": "victim"})
        for _ in range(50):
            if "victim" in watcher.presence_state():
                break
            await asyncio.sleep(0.05)
        assert victim._ws_connection is not None
        victim._ws_connection.transport.abort()
        await leaves.wait_for(1)
        assert leaves.items[0][0] == "victim"
        await victim.close()
