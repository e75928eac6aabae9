"""Roll announcements cannot be forged (issue 11, finding 5): the broadcast events the database
sends (`insert`, `update`, `delete`, any case) are refused from clients — an error reply on the
socket, a 403 from the REST broadcast API — and only the database's broadcasts carry `meta.id`."""

from __future__ import annotations

import asyncio
import json
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from realtime import AsyncRealtimeChannel, AsyncRealtimeClient, RealtimeAcknowledgementStatus

from native_platform.settings import StackSettings
from tests.helpers.realtime_options import channel_options
from tests.native_platform.realtime.support import (
    Campaign,
    Inbox,
    RealtimeEnv,
    Server,
    make_campaign,
    record_roll,
)

pytestmark = pytest.mark.anyio
JS_DIR = Path(__file__).parent / "js"
PRIVATE = {"broadcast": {"self": True, "ack": True}, "presence": {"key": ""}, "private": True}


async def connect(server: Server, token: str) -> AsyncRealtimeClient:
    client = AsyncRealtimeClient(server.url, token, auto_reconnect=False)
    await client.connect()
    return client


async def join(client: AsyncRealtimeClient, topic: str, box: Inbox) -> AsyncRealtimeChannel:
    channel = client.channel(topic, channel_options(PRIVATE))
    channel.on_broadcast("*", box)
    joined = asyncio.Event()
    await channel.subscribe(lambda _state, _error: joined.set())
    await asyncio.wait_for(joined.wait(), 5)
    return channel


async def reply_to(channel: AsyncRealtimeChannel, event: str, payload: Any) -> dict[str, Any]:
    """Broadcast as realtime-py does and return the server's reply (`ack: true`)."""
    answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
    push = await channel.push(
        "broadcast", {"type": "broadcast", "event": event, "payload": payload}
    )
    push.receive(RealtimeAcknowledgementStatus.Ok, lambda r: answer.set_result({"ok": r}))
    push.receive(RealtimeAcknowledgementStatus.Error, lambda r: answer.set_result({"error": r}))
    return await asyncio.wait_for(answer, 5)


def copied_roll(env: RealtimeEnv, campaign: Campaign) -> dict[str, Any]:
    """The payload the database trigger broadcasts for a public roll, copied by a player."""
    roll = env.sql(
        "select to_jsonb(r) from public.dice_rolls as r where campaign_id = %s limit 1",
        (campaign.id,),
    )
    record = roll[0][0] if roll else {"id": str(uuid.uuid4()), "total": 20}
    return {
        "old_record": None,
        "record": {**record, "total": 20},
        "operation": "INSERT",
        "table": "dice_rolls",
        "schema": "public",
    }


async def test_player_cannot_forge_a_roll_announcement(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """A player's `insert` (or `INSERT`, `Update`, `delete`) with a copied roll record is
    refused with an error reply and reaches nobody; the real announcement still arrives, with
    the `meta.id` of its realtime.messages row."""
    campaign = make_campaign(realtime_env)
    topic = f"campaign:{campaign.id}"
    gm_box, player_box = inbox(), inbox()
    gm = await connect(server, realtime_env.token(campaign.gm))
    player = await connect(server, realtime_env.token(campaign.player))
    try:
        await join(gm, topic, gm_box)
        channel = await join(player, topic, player_box)
        record_roll(realtime_env, campaign, campaign.player, "public")
        await gm_box.wait_for(1)
        forged = copied_roll(realtime_env, campaign)
        replies = [
            await reply_to(channel, event, forged)
            for event in ("insert", "INSERT", "Update", "delete")
        ]
        assert await gm_box.stays(1, quiet=0.4)
        assert len(player_box.items) == 1  # the database's announcement only, no echo
    finally:
        await gm.close()
        await player.close()
    assert replies == [
        {"error": {"reason": f"ReservedEvent: `{event}` is sent only by the server"}}
        for event in ("insert", "INSERT", "Update", "delete")
    ]
    announcement = gm_box.items[0]
    assert announcement["event"] == "insert"
    message_id = announcement["meta"]["id"]
    stored = realtime_env.sql(
        "select topic, event from realtime.messages where id = %s", (message_id,)
    )
    assert stored == [(topic, "insert")]


async def test_client_broadcasts_carry_no_meta(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """A client's own `meta` (what marks the database's broadcasts) is dropped on the way."""
    campaign = make_campaign(realtime_env)
    topic = f"campaign:{campaign.id}"
    gm_box, player_box = inbox(), inbox()
    gm = await connect(server, realtime_env.token(campaign.gm))
    player = await connect(server, realtime_env.token(campaign.player))
    try:
        await join(gm, topic, gm_box)
        channel = await join(player, topic, player_box)
        push = await channel.push(
            "broadcast",
            {
                "type": "broadcast",
                "event": "move",
                "payload": {"to": "door"},
                "meta": {"id": str(uuid.uuid4())},
            },
        )
        assert push is not None
        await gm_box.wait_for(1)
    finally:
        await gm.close()
        await player.close()
    received = gm_box.items[0]
    assert "meta" not in received
    assert received["event"] == "move" and received["payload"] == {"to": "door"}


async def test_rest_broadcast_refuses_server_events(
    realtime_env: RealtimeEnv, server: Server, stack_settings: StackSettings
) -> None:
    """`POST /api/broadcast` with a reserved event: 403 for a member's token (private or
    public topic), accepted from the service role."""
    campaign = make_campaign(realtime_env)
    base = server.url.replace("ws://", "http://")
    member = realtime_env.token(campaign.player)
    service = stack_settings.service_role_key.get_secret_value()
    message = {"topic": f"campaign:{campaign.id}", "event": "insert", "payload": {}}
    async with httpx.AsyncClient(timeout=10) as http:

        async def send(token: str, private: bool) -> httpx.Response:
            return await http.post(
                f"{base}/api/broadcast",
                json={"messages": [{**message, "private": private}]},
                headers={"apikey": token, "Authorization": f"Bearer {token}"},
            )

        private, public, trusted = (
            await send(member, True),
            await send(member, False),
            await send(service, True),
        )
        single = await http.post(
            f"{base}/api/broadcast/campaign:{campaign.id}/events/Delete?private=true",
            json={},
            headers={"apikey": member, "Authorization": f"Bearer {member}"},
        )
    assert private.status_code == public.status_code == single.status_code == 403
    assert private.json() == {"error": "ReservedEvent: `insert` is sent only by the server"}
    assert trusted.status_code == 202


FORGE_JS = """
import { RealtimeClient } from '@supabase/realtime-js'
import WebSocket from 'ws'
const [url, key, topic] = process.argv.slice(1)
const client = new RealtimeClient(url, { params: { apikey: key }, transport: WebSocket })
const got = []
const config = { private: true, broadcast: { self: true, ack: true } }
const channel = client.channel(topic, { config })
channel
  .on('broadcast', { event: 'insert' }, (m) => got.push(m.event))
  .on('broadcast', { event: 'move' }, (m) => got.push(m.event))
  .subscribe(async (status) => {
    if (status !== 'SUBSCRIBED') return
    const send = (event, payload) => channel.send({ type: 'broadcast', event, payload })
    const forged = await send('insert', { total: 20 })
    const plain = await send('move', { x: 1 })
    setTimeout(() => { console.log(JSON.stringify({ forged, plain, got })); process.exit(0) }, 500)
  })
setTimeout(() => process.exit(1), 15000)
"""


def test_realtime_js_forged_insert_is_refused(realtime_env: RealtimeEnv, server: Server) -> None:
    """realtime-js (V2, binary broadcast frames): `send` of `insert` answers 'error' and the
    client's own `insert` listener hears nothing, while an ordinary event goes through."""
    campaign = make_campaign(realtime_env)
    token = realtime_env.token(campaign.player)
    done = subprocess.run(
        [
            "node",
            "--input-type=module",
            "-e",
            FORGE_JS,
            server.url,
            token,
            f"campaign:{campaign.id}",
        ],
        cwd=JS_DIR,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {
        "forged": "error",
        "plain": "ok",
        "got": ["move"],
    }
