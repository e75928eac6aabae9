"""postgres_changes through the official Python client: events, old records, filters and RLS."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import psycopg
import pytest
from realtime import (
    AsyncRealtimeChannel,
    AsyncRealtimeClient,
    RealtimePostgresChangesListenEvent,
    RealtimeSubscribeStates,
)

from native_platform.realtime.visibility import CHECK_TIMEOUT, RLS_SESSION_OPTIONS
from tests.native_platform.realtime.support import Inbox, RealtimeEnv, Server

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def subscribed(
    server: Server,
    token: str,
    inbox: Inbox,
    event: str = "*",
    filter: str | None = None,
    table: str = "rt_rolls",
) -> AsyncIterator[AsyncRealtimeChannel]:
    client = AsyncRealtimeClient(f"{server.url}", token, auto_reconnect=False)
    await client.connect()
    states: list[Any] = []
    channel = client.channel(f"rolls-{uuid.uuid4().hex[:6]}")
    channel.on_postgres_changes(
        RealtimePostgresChangesListenEvent(event),
        inbox,
        table=table,
        schema="public",
        filter=filter,
    )
    system = Inbox()
    channel.on_system(system)
    await channel.subscribe(lambda state, error: states.append((state, error)))
    assert states[0][0] == RealtimeSubscribeStates.SUBSCRIBED, states
    await system.wait_for(1)
    try:
        yield channel
    finally:
        await client.close()


def member(env: RealtimeEnv, campaign: str, gm: bool = False) -> str:
    user = str(uuid.uuid4())
    env.sql("insert into public.rt_members values (%s, %s, %s)", (campaign, user, gm))
    return user


def roll(
    env: RealtimeEnv, campaign: str, roller: str, total: int, visibility: str = "public"
) -> str:
    rows = env.sql(
        "insert into public.rt_rolls (campaign_id, roller_id, total, visibility, detail, tags) "
        "values (%s, %s, %s, %s, '{\"dice\": [3, 4]}', '{a,\"b c\"}') returning id::text",
        (campaign, roller, total, visibility),
    )
    return str(rows[0][0])


async def test_insert_update_delete_arrive_with_records(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """INSERT carries the typed record, UPDATE the new and old record, DELETE (RLS cannot be
    applied to a deleted row) the old record's primary key only.

    RLS is checked on the row as the table holds it when the change is read, so each change
    waits for the previous one: a row deleted before its insert was read is seen by nobody."""
    campaign = str(uuid.uuid4())
    player = member(realtime_env, campaign)
    changes = inbox()
    async with subscribed(server, realtime_env.token(player), changes):
        roll_id = roll(realtime_env, campaign, player, 7)
        await changes.wait_for(1)
        realtime_env.sql("update public.rt_rolls set total = 8 where id = %s", (roll_id,))
        await changes.wait_for(2)
        realtime_env.sql("delete from public.rt_rolls where id = %s", (roll_id,))
        insert, update, delete = [item["data"] for item in await changes.wait_for(3)]
    assert insert["type"] == "INSERT" and insert["table"] == "rt_rolls"
    assert insert["record"]["total"] == 7 and insert["record"]["detail"] == {"dice": [3, 4]}
    assert insert["record"]["tags"] == ["a", "b c"]
    assert {"name": "tags", "type": "_text"} in insert["columns"]
    assert insert["commit_timestamp"].endswith("Z") and insert["errors"] is None
    assert update["record"]["total"] == 8 and update["old_record"]["total"] == 7
    assert delete["old_record"] == {"id": roll_id}
    assert "record" not in delete


async def test_changes_of_one_transaction_arrive_in_commit_order(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """Rolls committed together (one batch, one write per socket) all arrive, in order."""
    campaign = str(uuid.uuid4())
    players = [member(realtime_env, campaign) for _ in range(2)]
    feeds = [inbox() for _ in players]
    async with (
        subscribed(server, realtime_env.token(players[0]), feeds[0], "INSERT"),
        subscribed(server, realtime_env.token(players[1]), feeds[1], "INSERT"),
    ):
        realtime_env.sql(
            "insert into public.rt_rolls (campaign_id, roller_id, total) "
            "select %s, %s, g from generate_series(1, 20) as g",
            (campaign, players[0]),
        )
        for feed in feeds:
            await feed.wait_for(20)
    for feed in feeds:
        assert [item["data"]["record"]["total"] for item in feed.items] == list(range(1, 21))


async def test_filter_selects_one_campaign(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """`campaign_id=eq.<id>` delivers that campaign's rolls only; `in` and `gt` filter too."""
    ours, theirs = str(uuid.uuid4()), str(uuid.uuid4())
    player = member(realtime_env, ours)
    member(realtime_env, theirs, gm=False)
    realtime_env.sql("insert into public.rt_members values (%s, %s, false)", (theirs, player))
    by_campaign, by_list, by_total = inbox(), inbox(), inbox()
    token = realtime_env.token(player)
    async with (
        subscribed(server, token, by_campaign, "INSERT", f"campaign_id=eq.{ours}"),
        subscribed(server, token, by_list, "INSERT", f"campaign_id=in.({theirs},{uuid.uuid4()})"),
        subscribed(server, token, by_total, "INSERT", "total=gt.10"),
    ):
        roll(realtime_env, theirs, player, 5)
        roll(realtime_env, ours, player, 20)
        await by_campaign.wait_for(1)
        await by_list.wait_for(1)
        await by_total.wait_for(1)
        assert await by_campaign.stays(1, quiet=0.3)
    assert by_campaign.items[0]["data"]["record"]["campaign_id"] == ours
    assert by_list.items[0]["data"]["record"]["campaign_id"] == theirs
    assert [item["data"]["record"]["total"] for item in by_total.items] == [20]


async def test_private_roll_reaches_only_roller_and_gm(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """A private roll goes to its roller and the GM; other players and outsiders never see it.
    Its DELETE goes, key only, to every subscriber whose role may read the table (upstream's
    rule: RLS cannot be applied to a deleted row)."""
    campaign = str(uuid.uuid4())
    roller, other, gm = member(realtime_env, campaign), member(realtime_env, campaign), None
    gm = member(realtime_env, campaign, gm=True)
    outsider = str(uuid.uuid4())
    boxes = {name: inbox() for name in ("roller", "other", "gm", "outsider")}
    users = {"roller": roller, "other": other, "gm": gm, "outsider": outsider}
    filter = f"campaign_id=eq.{campaign}"
    async with (
        subscribed(server, realtime_env.token(users["roller"]), boxes["roller"], "*", filter),
        subscribed(server, realtime_env.token(users["other"]), boxes["other"], "*", filter),
        subscribed(server, realtime_env.token(users["gm"]), boxes["gm"], "*", filter),
        subscribed(server, realtime_env.token(users["outsider"]), boxes["outsider"], "*", filter),
    ):
        secret = roll(realtime_env, campaign, roller, 13, "private")
        public = roll(realtime_env, campaign, other, 4, "public")
        await boxes["roller"].wait_for(2)
        await boxes["gm"].wait_for(2)
        realtime_env.sql("delete from public.rt_rolls where id = %s", (secret,))
        await boxes["roller"].wait_for(3)
        await boxes["gm"].wait_for(3)
        await boxes["other"].wait_for(2)
        await boxes["outsider"].wait_for(1)
        assert await boxes["other"].stays(2) and await boxes["outsider"].stays(1, quiet=0.1)
    seen = {name: [i["data"]["type"] for i in box.items] for name, box in boxes.items()}
    assert seen == {
        "roller": ["INSERT", "INSERT", "DELETE"],
        "gm": ["INSERT", "INSERT", "DELETE"],
        "other": ["INSERT", "DELETE"],
        "outsider": ["DELETE"],
    }
    assert boxes["other"].items[0]["data"]["record"]["id"] == public
    assert boxes["outsider"].items[0]["data"]["old_record"] == {"id": secret}


async def test_a_new_token_is_checked_with_its_own_claims_from_the_next_change(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """The node keeps a table's subscribers grouped by claims between changes; a channel given
    another token (`access_token`) is checked with the new claims from then on, both ways: an
    outsider's channel handed the game master's token gets private rolls, and loses them when
    handed an outsider's token again."""
    campaign = str(uuid.uuid4())
    roller, gm = member(realtime_env, campaign), member(realtime_env, campaign, gm=True)
    watcher, player = inbox(), inbox()
    filter = f"campaign_id=eq.{campaign}"
    async with (
        subscribed(server, realtime_env.token(str(uuid.uuid4())), watcher, "INSERT", filter) as ch,
        subscribed(server, realtime_env.token(roller), player, "INSERT", filter),
    ):
        roll(realtime_env, campaign, roller, 1, "private")
        await player.wait_for(1)
        assert await watcher.stays(0, quiet=0.2)
        await ch.socket.set_auth(realtime_env.token(gm))
        await asyncio.sleep(0.5)  # the node handles the access_token message
        seen_by_gm = roll(realtime_env, campaign, roller, 2, "private")
        await watcher.wait_for(1)
        await ch.socket.set_auth(realtime_env.token(str(uuid.uuid4())))
        await asyncio.sleep(0.5)
        roll(realtime_env, campaign, roller, 3, "private")
        await player.wait_for(3)
        assert await watcher.stays(1, quiet=0.3)
    assert watcher.items[0]["data"]["record"]["id"] == seen_by_gm


async def test_a_claim_set_the_policy_fails_on_does_not_starve_the_others(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """Subscribers are checked in chunks; a subscriber whose claims make the policy raise (a
    `sub` that is no uuid) fails its chunk's check, which is then checked claim set by claim
    set: the others still get the roll, it gets nothing."""
    campaign = str(uuid.uuid4())
    first, second = member(realtime_env, campaign), member(realtime_env, campaign)
    boxes = [inbox(), inbox(), inbox()]
    filter = f"campaign_id=eq.{campaign}"
    async with (
        subscribed(server, realtime_env.token(first), boxes[0], "INSERT", filter),
        subscribed(server, realtime_env.token("not-a-uuid"), boxes[1], "INSERT", filter),
        subscribed(server, realtime_env.token(second), boxes[2], "INSERT", filter),
    ):
        rolled = roll(realtime_env, campaign, first, 9)
        await boxes[0].wait_for(1)
        await boxes[2].wait_for(1)
        assert await boxes[1].stays(0)
    assert [box.items[0]["data"]["record"]["id"] for box in (boxes[0], boxes[2])] == [rolled] * 2


async def test_delete_without_full_identity_sends_the_key(
    realtime_env: RealtimeEnv, server: Server, inbox: Callable[[], Inbox]
) -> None:
    """On a table with default replica identity, DELETE's old record holds the primary key."""
    notes = inbox()
    async with subscribed(
        server, realtime_env.token(str(uuid.uuid4())), notes, "*", table="rt_notes"
    ):
        realtime_env.sql("insert into public.rt_notes values (41, 'hello')")
        realtime_env.sql("update public.rt_notes set body = 'bye' where id = 41")
        realtime_env.sql("delete from public.rt_notes where id = 41")
        insert, update, delete = [item["data"] for item in await notes.wait_for(3)]
    assert insert["record"] == {"id": 41, "body": "hello"}
    assert update["record"]["body"] == "bye" and update["old_record"] == {"id": 41}
    assert delete["old_record"] == {"id": 41} and delete["columns"][0] == {
        "name": "id",
        "type": "int8",
    }


def test_rls_check_sessions_cannot_write_and_are_time_limited(realtime_env: RealtimeEnv) -> None:
    """The changes' RLS checks run each as a transaction of its own on sessions that cannot
    write (a policy function with side effects changes nothing), stop at CHECK_TIMEOUT and
    notice a closed connection (an abandoned pipeline's queued checks do not run on)."""
    dsn = realtime_env.settings.database_url.get_secret_value()
    with psycopg.connect(dsn, autocommit=True, options=RLS_SESSION_OPTIONS) as conn:
        shown = conn.execute(
            "select current_setting('default_transaction_read_only'),"
            " current_setting('statement_timeout'), current_setting('jit'),"
            " current_setting('client_connection_check_interval')"
        ).fetchone()
        assert shown == ("on", CHECK_TIMEOUT, "off", "1s")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("select pg_catalog.set_config('role', 'service_role', false)")
            conn.execute("insert into realtime.messages (topic, extension) values ('t', 'b')")
