"""Live play at the table, end to end: rolls made through the dice service reach the players
over the realtime websocket, under the same row-level security as every other read."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from realtime import (
    AsyncRealtimeChannel,
    AsyncRealtimeClient,
    PostgresChangesPayload,
    RealtimePostgresChangesListenEvent,
    RealtimeSubscribeStates,
)

from native_platform.settings import StackSettings
from tests.native_platform.gateway.conftest import Player, Table

QUIET_SECONDS = 1.0


class Feed:
    """The dice-roll changes one player's client receives."""

    def __init__(self) -> None:
        self.rolls: list[dict[str, Any]] = []
        self.arrived = asyncio.Event()

    def __call__(self, change: PostgresChangesPayload) -> None:
        record = change["data"]["record"]
        assert record is not None, "an insert carries its record"
        self.rolls.append(record)
        self.arrived.set()

    async def roll(self, roll_id: str, timeout: float = 10.0) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                found = [roll for roll in self.rolls if roll["id"] == roll_id]
                if found:
                    return found[0]
                self.arrived.clear()
                await self.arrived.wait()

    def has(self, roll_id: str) -> bool:
        return any(roll["id"] == roll_id for roll in self.rolls)


def access_token(player: Player) -> str:
    session = player.client.auth.get_session()
    assert session is not None
    return session.access_token


async def connect(settings: StackSettings, player: Player) -> AsyncRealtimeClient:
    """Connect with the anon key (the gateway's apikey), then act as the player, as supabase-py."""
    client = AsyncRealtimeClient(
        f"{settings.api_url}/realtime/v1",
        token=settings.anon_key.get_secret_value(),
        auto_reconnect=False,
    )
    await client.connect()
    await client.set_auth(access_token(player))
    return client


async def subscribed(channel: AsyncRealtimeChannel) -> RealtimeSubscribeStates:
    outcome: asyncio.Future[RealtimeSubscribeStates] = asyncio.get_running_loop().create_future()

    def settle(state: RealtimeSubscribeStates, _: Exception | None) -> None:
        if not outcome.done():
            outcome.set_result(state)

    await channel.subscribe(settle)
    async with asyncio.timeout(10):
        return await outcome


async def follow_rolls(client: AsyncRealtimeClient, campaign_id: str) -> Feed:
    feed = Feed()
    channel = client.channel(f"rolls-{campaign_id}")
    channel.on_postgres_changes(
        RealtimePostgresChangesListenEvent.Insert,
        feed,
        table="dice_rolls",
        schema="public",
        filter=f"campaign_id=eq.{campaign_id}",
    )
    assert await subscribed(channel) == RealtimeSubscribeStates.SUBSCRIBED
    return feed


def roll(player: Player, campaign_id: str, visibility: str) -> str:
    body = {"campaign_id": campaign_id, "expression": "1d20+3", "visibility": visibility}
    result = player.client.functions.invoke("dice/rolls", {"body": body})
    assert isinstance(result, bytes | dict)
    data = result if isinstance(result, dict) else json.loads(result)
    return str(data["id"])


async def at_the_table(
    settings: StackSettings, table: Table, scenario: Callable[..., Awaitable[None]]
) -> None:
    everyone = [table.gm, *table.players]
    clients = [await connect(settings, player) for player in everyone]
    try:
        feeds = [await follow_rolls(client, table.campaign_id) for client in clients]
        await scenario(feeds)
    finally:
        for client in clients:
            await client.close()


def test_public_roll_reaches_everyone_and_whisper_only_gm(
    stack_settings: StackSettings, table: Table
) -> None:
    """A public roll reaches the GM and both players; a whisper reaches its roller and the GM."""
    ana = table.players[0]

    async def scenario(feeds: list[Feed]) -> None:
        gm_feed, ana_feed, ben_feed = feeds
        public = await asyncio.to_thread(roll, ana, table.campaign_id, "public")
        for feed in feeds:
            assert (await feed.roll(public))["visibility"] == "public"
        whisper = await asyncio.to_thread(roll, ana, table.campaign_id, "private")
        assert (await gm_feed.roll(whisper))["roller_id"] == ana.user_id
        assert (await ana_feed.roll(whisper))["expression"] == "1d20+3"
        await asyncio.sleep(QUIET_SECONDS)
        assert not ben_feed.has(whisper)

    asyncio.run(at_the_table(stack_settings, table, scenario))


def test_outsider_cannot_join_the_private_campaign_channel(
    stack_settings: StackSettings, table: Table, outsider: Player
) -> None:
    """A member joins `campaign:<id>` as a private channel; a stranger is refused."""

    async def scenario() -> None:
        member = await connect(stack_settings, table.players[1])
        stranger = await connect(stack_settings, outsider)
        try:
            topic = f"campaign:{table.campaign_id}"
            options: Any = {"config": {"private": True}}
            joined = await subscribed(member.channel(topic, options))
            refused = await subscribed(stranger.channel(topic, options))
        finally:
            await member.close()
            await stranger.close()
        assert joined == RealtimeSubscribeStates.SUBSCRIBED
        assert refused == RealtimeSubscribeStates.CHANNEL_ERROR

    asyncio.run(scenario())


async def wait_for_presence(channel: AsyncRealtimeChannel, keys: set[str]) -> None:
    async with asyncio.timeout(10):
        while set(channel.presence_state()) != keys:
            await asyncio.sleep(0.05)


def test_presence_shows_the_table_and_drops_a_dead_client(
    stack_settings: StackSettings, table: Table
) -> None:
    """Everyone tracked at the table is present; a client whose socket dies leaves."""
    everyone = [table.gm, *table.players]

    async def join(player: Player) -> tuple[AsyncRealtimeClient, AsyncRealtimeChannel]:
        client = await connect(stack_settings, player)
        options: Any = {"config": {"private": True, "presence": {"key": player.user_id}}}
        channel = client.channel(f"campaign:{table.campaign_id}", options)
        channel.on_presence_sync(lambda: None)
        assert await subscribed(channel) == RealtimeSubscribeStates.SUBSCRIBED
        await channel.track({"name": player.email})
        return client, channel

    async def scenario() -> None:
        joined = [await join(player) for player in everyone]
        gm_channel = joined[0][1]
        try:
            await wait_for_presence(gm_channel, {player.user_id for player in everyone})
            await joined[2][0].close()
            await wait_for_presence(gm_channel, {player.user_id for player in everyone[:2]})
        finally:
            for client, _ in joined[:2]:
                await client.close()

    asyncio.run(scenario())
