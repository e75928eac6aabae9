"""Private campaign channels, authorized by the RLS policies on realtime.messages."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from realtime import (
    AsyncRealtimeClient,
    RealtimePostgresChangesListenEvent,
    RealtimeSubscribeStates,
)

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
PRIVATE = {"broadcast": {"self": False, "ack": True}, "presence": {"key": ""}, "private": True}


async def connect(server: Server, token: str) -> AsyncRealtimeClient:
    client = AsyncRealtimeClient(server.url, token, auto_reconnect=False)
    await client.connect()
    return client


async def join(client: AsyncRealtimeClient, topic: str, box: Inbox | None = None) -> Any:
    """Join privately; return (state, error, channel)."""
    channel = client.channel(topic, channel_options(PRIVATE))
    if box is not None:
        channel.on_broadcast("*", box)
    states: list[Any] = []
    await channel.subscribe(lambda state, error: states.append((state, error)))
    return states[0][0], states[0][1], channel


async def test_only_members_join_campaign_channel(
    realtime_env: RealtimeEnv, server: Server
) -> None:
    """Members join `campaign:<id>`; an outsider is refused with the Unauthorized reason."""
    campaign = make_campaign(realtime_env)
    player = await connect(server, realtime_env.token(campaign.player))
    outsider = await connect(server, realtime_env.token(campaign.outsider))
    try:
        state, _, _ = await join(player, f"campaign:{campaign.id}")
        refused, error, _ = await join(outsider, f"campaign:{campaign.id}")
    finally:
        await player.close()
        await outsider.close()
    assert state == RealtimeSubscribeStates.SUBSCRIBED
    assert refused == RealtimeSubscribeStates.CHANNEL_ERROR
    reason = json.loads(str(error))["reason"]
    assert reason == (
        f"Unauthorized: You do not have permissions to read from this Channel topic: "
        f"campaign:{campaign.id}"
    )


async def test_only_the_gm_broadcasts_on_gm_channel(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """On `campaign:<id>:gm` the GM's broadcast reaches players; a player's is dropped."""
    campaign = make_campaign(realtime_env)
    topic = f"campaign:{campaign.id}:gm"
    gm_box, player_box = inbox(), inbox()
    gm = await connect(server, realtime_env.token(campaign.gm))
    player = await connect(server, realtime_env.token(campaign.player))
    try:
        _, _, gm_channel = await join(gm, topic, gm_box)
        _, _, player_channel = await join(player, topic, player_box)
        await player_channel.send_broadcast("announce", {"text": "I am the GM now"})
        await gm_channel.send_broadcast("announce", {"text": "Roll initiative"})
        await player_box.wait_for(1)
        assert await gm_box.stays(0, quiet=0.3)
    finally:
        await gm.close()
        await player.close()
    assert player_box.items[0]["payload"] == {"text": "Roll initiative"}


async def test_public_roll_broadcast_to_campaign_members(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """A public roll is broadcast on `campaign:<id>`; whispered rolls are not."""
    campaign = make_campaign(realtime_env)
    box = inbox()
    player = await connect(server, realtime_env.token(campaign.player))
    try:
        await join(player, f"campaign:{campaign.id}", box)
        record_roll(realtime_env, campaign, campaign.gm, "private")
        public = record_roll(realtime_env, campaign, campaign.gm, "public")
        await box.wait_for(1)
        assert await box.stays(1, quiet=0.3)
    finally:
        await player.close()
    message = box.items[0]
    assert message["event"] == "insert" and message["payload"]["record"]["id"] == public
    assert (
        message["payload"]["operation"] == "INSERT" and message["payload"]["table"] == "dice_rolls"
    )


async def test_realtime_send_reaches_public_channel(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """`realtime.send(..., private => false)` broadcasts to the public channel of the topic."""
    box = inbox()
    client = await connect(server, realtime_env.token(str(uuid.uuid4())))
    try:
        channel = client.channel("news", channel_options({**PRIVATE, "private": False}))
        channel.on_broadcast("headline", box)
        await channel.subscribe()
        realtime_env.sql("select realtime.send('{\"text\": \"hi\"}', 'headline', 'news', false)")
        big = "x" * 20000
        realtime_env.sql(
            "select realtime.send(jsonb_build_object('text', %s::text), 'headline', 'news', false)",
            (big,),
        )
        await box.wait_for(2)
    finally:
        await client.close()
    assert box.items[0]["payload"]["text"] == "hi" and "id" in box.items[0]["meta"]
    assert box.items[1]["payload"]["text"] == big


async def test_roll_changes_respect_dice_roll_policies(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """postgres_changes on dice_rolls: a whisper reaches the roller and the GM only."""
    campaign: Campaign = make_campaign(realtime_env)
    other = str(
        realtime_env.sql(
            "insert into auth.users (email) "
            "values ('rt' || gen_random_uuid() || '@x.org') returning id"
        )[0][0]
    )
    realtime_env.sql(
        "insert into public.campaign_members values (%s, %s, 'player')", (campaign.id, other)
    )
    boxes = {who: inbox() for who in ("gm", "player", "other")}
    clients = []
    try:
        for who, user in (("gm", campaign.gm), ("player", campaign.player), ("other", other)):
            client = await connect(server, realtime_env.token(user))
            clients.append(client)
            channel = client.channel(f"rolls:{campaign.id}")
            channel.on_postgres_changes(
                RealtimePostgresChangesListenEvent.Insert,
                boxes[who],
                table="dice_rolls",
                filter=f"campaign_id=eq.{campaign.id}",
            )
            await channel.subscribe()
        record_roll(realtime_env, campaign, campaign.player, "private")
        record_roll(realtime_env, campaign, campaign.player, "public")
        await boxes["gm"].wait_for(2)
        await boxes["player"].wait_for(2)
        await boxes["other"].wait_for(1)
        assert await boxes["other"].stays(1, quiet=0.3)
    finally:
        for client in clients:
            await client.close()
    assert boxes["other"].items[0]["data"]["record"]["visibility"] == "public"
