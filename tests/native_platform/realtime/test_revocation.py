"""Rights on open sockets shrink when the database says so (issue 11, finding 3): a signed-out
session's token joins nothing and its open channels close; a member removed from a campaign
loses its private campaign channels; each within 2 s of the commit, pushed by the database."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from realtime import (
    AsyncRealtimeChannel,
    AsyncRealtimeClient,
    RealtimePostgresChangesListenEvent,
    RealtimeSubscribeStates,
)
from supabase_auth import AsyncGoTrueClient

from native_platform.auth import create_app
from native_platform.settings import StackSettings
from tests.conftest import PgServer
from tests.helpers.realtime_options import channel_options
from tests.helpers.servers import serve
from tests.native_platform.auth.conftest import settings_for, wait_healthy
from tests.native_platform.realtime.support import (
    Inbox,
    RealtimeEnv,
    Server,
    make_campaign,
    record_roll,
)

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery staple"
PRIVATE = {"broadcast": {"self": False, "ack": True}, "presence": {"key": ""}, "private": True}
PUBLIC = {**PRIVATE, "private": False}
SESSION_ENDED = "JWT session is no longer active"
DEADLINE = 2.0


@dataclass
class Watched:
    """A joined channel and every subscribe state it went through, with the errors."""

    channel: AsyncRealtimeChannel
    states: list[RealtimeSubscribeStates] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    def __call__(self, state: RealtimeSubscribeStates, error: Exception | None) -> None:
        self.states.append(state)
        if error is not None:
            self.errors.append(json.loads(str(error)))
        if state == RealtimeSubscribeStates.CLOSED:
            self.closed.set()

    async def closes_within(self, seconds: float) -> float:
        started = time.monotonic()
        await asyncio.wait_for(self.closed.wait(), seconds)
        return time.monotonic() - started


@pytest.fixture(scope="module")
def auth_url(
    realtime_env: RealtimeEnv, pg_server: PgServer, stack_settings: StackSettings
) -> Iterator[str]:
    """The auth server over the realtime module's database."""
    with serve(create_app(settings_for(realtime_env.dsn, pg_server, stack_settings))) as url:
        wait_healthy(url)
        yield url


@pytest.fixture
async def gotrue(auth_url: str, stack_settings: StackSettings) -> AsyncIterator[AsyncGoTrueClient]:
    key = stack_settings.anon_key.get_secret_value()
    async with httpx.AsyncClient(timeout=30) as http:
        yield AsyncGoTrueClient(
            url=auth_url,
            headers={"apikey": key, "Authorization": f"Bearer {key}"},
            auto_refresh_token=False,
            http_client=http,
        )


async def sign_up(gotrue: AsyncGoTrueClient) -> tuple[str, str]:
    """(user id, access token) of a fresh signed-in user."""
    email = f"rt-{uuid.uuid4().hex[:8]}@example.com"
    response = await gotrue.sign_up({"email": email, "password": PASSWORD})
    assert response.session is not None and response.user is not None
    return response.user.id, response.session.access_token


async def connect(server: Server, key: str, token: str) -> AsyncRealtimeClient:
    """As supabase-py: the socket opens with the API key, then the user's token is set."""
    client = AsyncRealtimeClient(server.url, key, auto_reconnect=False)
    await client.connect()
    await client.set_auth(token)
    return client


async def join(
    client: AsyncRealtimeClient,
    topic: str,
    config: dict[str, Any],
    box: Inbox | None = None,
    changes: Inbox | None = None,
) -> Watched:
    channel = client.channel(topic, channel_options(config))
    if box is not None:
        channel.on_broadcast("*", box)
    if changes is not None:
        channel.on_postgres_changes(
            RealtimePostgresChangesListenEvent.All, changes, table="rt_notes"
        )
    watched = Watched(channel)
    await channel.subscribe(watched)
    for _ in range(200):
        if watched.states:
            break
        await asyncio.sleep(0.01)
    return watched


def own_campaign(env: RealtimeEnv, owner: str) -> str:
    row = env.sql(
        "insert into public.campaigns (owner_id, name, target_language) "
        "values (%s, 'Table', 'es') returning id",
        (owner,),
    )
    return str(row[0][0])


async def test_signed_out_session_loses_open_channels_and_cannot_join(
    realtime_env: RealtimeEnv,
    server: Server,
    gotrue: AsyncGoTrueClient,
    stack_settings: StackSettings,
    inbox: Callable[[], Inbox],
) -> None:
    """After sign-out every channel joined with the session's token closes within 2 s (a
    `system` error naming the cause, then `phx_close`), private or public, postgres_changes
    included; a new socket with the same token is refused the join."""
    user, token = await sign_up(gotrue)
    campaign = own_campaign(realtime_env, user)
    anon_key = stack_settings.anon_key.get_secret_value()
    notes = inbox()
    client = await connect(server, anon_key, token)
    try:
        private = await join(client, f"campaign:{campaign}", PRIVATE)
        public = await join(client, f"lobby:{uuid.uuid4().hex}", PUBLIC, changes=notes)
        assert private.states == [RealtimeSubscribeStates.SUBSCRIBED]
        assert public.states == [RealtimeSubscribeStates.SUBSCRIBED]
        await gotrue.sign_out()
        waited = await asyncio.gather(
            private.closes_within(DEADLINE), public.closes_within(DEADLINE)
        )
        realtime_env.sql(
            "insert into public.rt_notes (id, body) values (%s, 'after')",
            (uuid.uuid4().int % 2**62,),
        )
        assert await notes.stays(0, quiet=0.3)
    finally:
        await client.close()
    assert max(waited) < DEADLINE
    for watched in (private, public):
        assert watched.states[-2:] == [
            RealtimeSubscribeStates.CHANNEL_ERROR,
            RealtimeSubscribeStates.CLOSED,
        ]
        assert watched.errors[-1]["extension"] == "system"
        assert watched.errors[-1]["status"] == "error"
        assert watched.errors[-1]["message"] == SESSION_ENDED

    again = await connect(server, anon_key, token)
    try:
        refused = await join(again, f"campaign:{campaign}", PRIVATE)
        refused_public = await join(again, f"lobby:{uuid.uuid4().hex}", PUBLIC)
    finally:
        await again.close()
    for watched in (refused, refused_public):
        assert watched.states[0] == RealtimeSubscribeStates.CHANNEL_ERROR
        assert watched.errors[0] == {"reason": f"InvalidJWTToken: {SESSION_ENDED}"}


async def test_signed_out_token_as_socket_key_joins_nothing(
    realtime_env: RealtimeEnv, server: Server, gotrue: AsyncGoTrueClient
) -> None:
    """A socket opened with the user's token as its key: once signed out, joins that fall back
    to the socket's token are refused too."""
    user, token = await sign_up(gotrue)
    campaign = own_campaign(realtime_env, user)
    await gotrue.sign_out()
    client = AsyncRealtimeClient(server.url, token, auto_reconnect=False)
    await client.connect()
    try:
        refused = await join(client, f"campaign:{campaign}", PRIVATE)
    finally:
        await client.close()
    assert refused.errors[0] == {"reason": f"InvalidJWTToken: {SESSION_ENDED}"}


async def test_token_refresh_to_an_ended_session_closes_the_channel(
    realtime_env: RealtimeEnv, server: Server, gotrue: AsyncGoTrueClient
) -> None:
    """`access_token` with a token of a session that ended closes the channel."""
    user, first = await sign_up(gotrue)
    campaign = own_campaign(realtime_env, user)
    client = await connect(server, first, first)
    try:
        watched = await join(client, f"campaign:{campaign}", PRIVATE)
        assert watched.states == [RealtimeSubscribeStates.SUBSCRIBED]
        # A second session of the same user, ended, then handed to the open channel.
        email = realtime_env.sql("select email from auth.users where id = %s", (user,))[0][0]
        other = await gotrue.sign_in_with_password({"email": email, "password": PASSWORD})
        assert other.session is not None
        await gotrue.sign_out({"scope": "local"})
        await client.set_auth(other.session.access_token)
        await watched.closes_within(DEADLINE)
    finally:
        await client.close()
    assert watched.errors[-1]["message"] == SESSION_ENDED


async def test_removed_observer_stops_receiving_private_broadcasts(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """An observer removed from the campaign loses `campaign:<id>` and `campaign:<id>:gm`
    within 2 s (system error "You no longer have permission…", then `phx_close`) and gets no
    further broadcast, the GM's note included; the GM's own channels stay."""
    campaign = make_campaign(realtime_env)
    observer = str(uuid.uuid4())
    realtime_env.sql(
        "insert into auth.users (id, email) values (%s, %s)", (observer, f"{observer}@example.com")
    )
    realtime_env.sql(
        "insert into public.campaign_members (campaign_id, user_id, role) "
        "values (%s, %s, 'observer')",
        (campaign.id, observer),
    )
    topic, gm_topic = f"campaign:{campaign.id}", f"campaign:{campaign.id}:gm"
    box, gm_box = inbox(), inbox()
    gm_token, observer_token = realtime_env.token(campaign.gm), realtime_env.token(observer)
    gm = await connect(server, gm_token, gm_token)
    watcher = await connect(server, observer_token, observer_token)
    try:
        gm_table = await join(gm, topic, PRIVATE)
        gm_notes = await join(gm, gm_topic, PRIVATE)
        table = await join(watcher, topic, PRIVATE, box)
        notes = await join(watcher, gm_topic, PRIVATE, gm_box)
        await gm_notes.channel.send_broadcast("note", {"text": "the butler did it"})
        await gm_box.wait_for(1)
        realtime_env.sql(
            "delete from public.campaign_members where campaign_id = %s and user_id = %s",
            (campaign.id, observer),
        )
        waited = await asyncio.gather(table.closes_within(DEADLINE), notes.closes_within(DEADLINE))
        await gm_notes.channel.send_broadcast("note", {"text": "the gardener, actually"})
        await gm_table.channel.send_broadcast("scene", {"text": "night falls"})
        assert await gm_box.stays(1, quiet=0.4)
        assert await box.stays(0, quiet=0.0)
        assert gm_table.states == gm_notes.states == [RealtimeSubscribeStates.SUBSCRIBED]
    finally:
        await gm.close()
        await watcher.close()
    assert max(waited) < DEADLINE
    for watched, name in ((table, topic), (notes, gm_topic)):
        assert watched.errors[-1] == {
            "channel": name,
            "extension": "system",
            "status": "error",
            "message": f"You no longer have permission to read from this Channel topic: {name}",
        }


async def test_demoted_player_can_no_longer_broadcast(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """A player made observer keeps receiving but its broadcasts stop reaching the table."""
    campaign = make_campaign(realtime_env)
    topic = f"campaign:{campaign.id}"
    gm_box, player_box = inbox(), inbox()
    gm_token, player_token = realtime_env.token(campaign.gm), realtime_env.token(campaign.player)
    gm = await connect(server, gm_token, gm_token)
    player = await connect(server, player_token, player_token)
    try:
        gm_channel = await join(gm, topic, PRIVATE, gm_box)
        player_channel = await join(player, topic, PRIVATE, player_box)
        await player_channel.channel.send_broadcast("move", {"to": "door"})
        await gm_box.wait_for(1)
        realtime_env.sql(
            "update public.campaign_members set role = 'observer' "
            "where campaign_id = %s and user_id = %s",
            (campaign.id, campaign.player),
        )
        await asyncio.sleep(DEADLINE)
        await player_channel.channel.send_broadcast("move", {"to": "window"})
        await gm_channel.channel.send_broadcast("scene", {"text": "rain"})
        await player_box.wait_for(1)
        assert await gm_box.stays(1, quiet=0.4)
    finally:
        await gm.close()
        await player.close()
    assert player_channel.states == [RealtimeSubscribeStates.SUBSCRIBED]


async def test_removed_member_stops_receiving_roll_changes(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """postgres_changes need no re-subscription: each change is RLS-checked against the
    database's current state, so a removed player gets the table's rolls until removed only."""
    campaign = make_campaign(realtime_env)
    rolls = inbox()
    token = realtime_env.token(campaign.player)
    client = await connect(server, token, token)
    try:
        channel = client.channel(f"table:{uuid.uuid4().hex}", channel_options(PUBLIC))
        channel.on_postgres_changes(
            RealtimePostgresChangesListenEvent.Insert,
            rolls,
            table="dice_rolls",
            filter=f"campaign_id=eq.{campaign.id}",
        )
        watched = Watched(channel)
        await channel.subscribe(watched)
        while not watched.states:
            await asyncio.sleep(0.01)
        before = record_roll(realtime_env, campaign, campaign.gm, "public")
        await rolls.wait_for(1)
        realtime_env.sql(
            "delete from public.campaign_members where campaign_id = %s and user_id = %s",
            (campaign.id, campaign.player),
        )
        record_roll(realtime_env, campaign, campaign.gm, "public")
        assert await rolls.stays(1, quiet=0.5)
    finally:
        await client.close()
    assert rolls.items[0]["data"]["record"]["id"] == before
    assert watched.states == [RealtimeSubscribeStates.SUBSCRIBED]
