"""REST broadcasts: the official client's `http_send` and the batch endpoint."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest
from realtime import AsyncRealtimeClient
from realtime.exceptions import RealtimeHTTPError

from tests.helpers.realtime_options import channel_options
from tests.native_platform.realtime.support import (
    Inbox,
    RealtimeEnv,
    Server,
    make_campaign,
)

pytestmark = pytest.mark.anyio


async def test_http_send_and_batch_reach_subscribers(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """`http_send` and `POST /api/broadcast` are fanned out to joined sockets (202)."""
    box = inbox()
    token = realtime_env.token(str(uuid.uuid4()))
    client = AsyncRealtimeClient(server.url, token, auto_reconnect=False)
    await client.connect()
    try:
        channel = client.channel("lobby").on_broadcast("hello", box)
        await channel.subscribe()
        await channel.http_send("hello", {"via": "http_send"})
        async with httpx.AsyncClient() as http:
            response = await http.post(
                f"{server.url.replace('ws', 'http')}/api/broadcast",
                headers={"apikey": token},
                json={
                    "messages": [{"topic": "lobby", "event": "hello", "payload": {"via": "batch"}}]
                },
            )
        assert response.status_code == 202
        await box.wait_for(2)
    finally:
        await client.close()
    assert [item["payload"]["via"] for item in box.items] == ["http_send", "batch"]


async def test_private_http_send_needs_write_rights(
    realtime_env: RealtimeEnv, server: Server
) -> None:
    """A player may not http_send to the gm channel (403); a bad token is 401."""
    campaign = make_campaign(realtime_env)
    client = AsyncRealtimeClient(server.url, realtime_env.token(campaign.player))
    channel = client.channel(f"campaign:{campaign.id}:gm", channel_options({"private": True}))
    with pytest.raises(RealtimeHTTPError) as refused:
        await channel.http_send("announce", {"text": "no"})
    assert refused.value.status == 403
    forged = AsyncRealtimeClient(server.url, "not-a-token")
    with pytest.raises(RealtimeHTTPError) as unauthorized:
        await forged.channel("lobby").http_send("hello", {})
    assert unauthorized.value.status == 401
