"""Shared pieces of the realtime tests: fixture schema, servers in threads, tokens, inboxes."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
import psycopg
import uvicorn
import websockets

from native_platform.realtime import RealtimeSettings, create_app
from native_platform.realtime.wire import DirectWriteProtocol
from tests.helpers.servers import free_port

FIXTURE_SQL = """
create table public.rt_members (
    campaign_id uuid not null, user_id uuid not null, is_gm boolean not null default false,
    primary key (campaign_id, user_id)
);
create table public.rt_rolls (
    id uuid primary key default gen_random_uuid(),
    campaign_id uuid not null,
    roller_id uuid not null,
    total integer not null,
    visibility text not null default 'public',
    detail jsonb not null default '{}',
    tags text[] not null default '{}',
    created_at timestamptz not null default now()
);
grant select on public.rt_rolls to authenticated;
alter table public.rt_rolls enable row level security;
create function public.rt_is_member(c uuid, gm boolean) returns boolean
language sql stable security definer set search_path = '' as $$
    select exists (select from public.rt_members m where m.campaign_id = c
        and m.user_id = (current_setting('request.jwt.claims', true)::jsonb ->> 'sub')::uuid
        and (m.is_gm or not gm))
$$;
grant execute on function public.rt_is_member(uuid, boolean) to authenticated;
create policy "members see public rolls, rollers and gms see all" on public.rt_rolls
for select to authenticated using (
    public.rt_is_member(campaign_id, false) and (
        visibility = 'public'
        or roller_id = (current_setting('request.jwt.claims', true)::jsonb ->> 'sub')::uuid
        or public.rt_is_member(campaign_id, true)
    )
);
alter table public.rt_rolls replica identity full;
create table public.rt_notes (id bigint primary key, body text);
grant select on public.rt_notes to anon, authenticated;
alter publication supabase_realtime add table public.rt_rolls, public.rt_notes;
select realtime.enable_wakeups('public.rt_rolls'), realtime.enable_wakeups('public.rt_notes');
create policy "fixture members read room topics" on realtime.messages
for select to authenticated using (
    realtime.topic() like 'room:%'
    and public.rt_is_member(split_part(realtime.topic(), ':', 2)::uuid, false)
);
create policy "fixture gms write room topics" on realtime.messages
for insert to authenticated with check (
    realtime.topic() like 'room:%'
    and public.rt_is_member(split_part(realtime.topic(), ':', 2)::uuid, true)
);
"""


@dataclass
class Server:
    """A realtime node served by uvicorn in a thread."""

    settings: RealtimeSettings
    port: int = field(default_factory=free_port)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> Server:
        config = uvicorn.Config(
            create_app(self.settings),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            ws_max_size=4 * 1024 * 1024,
            ws=DirectWriteProtocol,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("realtime server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=15)


@dataclass
class RealtimeEnv:
    """The module database, its DSN and a way to mint tokens."""

    dsn: str
    secret: str
    settings: RealtimeSettings

    def token(self, sub: str | None = None, role: str = "authenticated", ttl: int = 3600) -> str:
        claims: dict[str, Any] = {"role": role, "exp": int(time.time()) + ttl}
        if sub is not None:
            claims["sub"] = sub
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def sql(self, query: str, params: Any = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []


class Inbox:
    """Collects callback payloads and lets a test await the n-th one."""

    def __init__(self) -> None:
        self.items: list[Any] = []
        self._changed = asyncio.Event()

    def __call__(self, *args: Any) -> None:
        self.items.append(args[0] if len(args) == 1 else args)
        self._changed.set()

    async def wait_for(self, count: int = 1, timeout: float = 5.0) -> list[Any]:
        async def waiting() -> None:
            while len(self.items) < count:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(waiting(), timeout)
        return self.items

    async def stays(self, count: int, quiet: float = 0.5) -> bool:
        """True when no more than `count` items arrived after waiting `quiet` seconds."""
        await asyncio.sleep(quiet)
        return len(self.items) == count


@dataclass(frozen=True)
class Campaign:
    """A core campaign with its game master, one player and one outsider (user ids)."""

    id: str
    gm: str
    player: str
    outsider: str


def make_campaign(env: RealtimeEnv) -> Campaign:
    users = [
        str(row[0])
        for row in env.sql(
            "insert into auth.users (email) select 'rt' || gen_random_uuid() || '@example.com' "
            "from generate_series(1, 3) returning id"
        )
    ]
    gm, player, outsider = users
    campaign = str(
        env.sql(
            "insert into public.campaigns (owner_id, name, target_language) "
            "values (%s, 'Table', 'es') returning id",
            (gm,),
        )[0][0]
    )
    env.sql(
        "insert into public.campaign_members (campaign_id, user_id, role) "
        "values (%s, %s, 'player')",
        (campaign, player),
    )
    return Campaign(campaign, gm, player, outsider)


def record_roll(env: RealtimeEnv, campaign: Campaign, roller: str, visibility: str) -> str:
    """Insert a dice roll the way the dice service does."""
    with psycopg.connect(env.dsn) as conn:
        conn.execute("select set_config('app.roll_source', 'dice-service', true)")
        row = conn.execute(
            "insert into public.dice_rolls (campaign_id, roller_id, expression, total, visibility, "
            "server_seed_hash, client_seed, nonce) values (%s, %s, '1d20', 12, %s, "
            "repeat('a', 64), 'seed', 1) returning id",
            (campaign.id, roller, visibility),
        ).fetchone()
    assert row is not None
    return str(row[0])


class RawSocket:
    """A bare websocket speaking frames by hand (for V2, binary and hostile input)."""

    def __init__(self, connection: Any, vsn: str) -> None:
        self.connection = connection
        self.vsn = vsn
        self._ref = 0

    @classmethod
    async def open(cls, server: Server, token: str, vsn: str = "1.0.0") -> RawSocket:
        url = f"{server.url}/websocket?apikey={token}&vsn={vsn}"
        # Unbounded queue: unread frames must not stall the closing handshake.
        return cls(await websockets.connect(url, max_queue=None), vsn)

    async def send(self, topic: str, event: str, payload: Any, join_ref: str | None = None) -> str:
        self._ref += 1
        ref = str(self._ref)
        if self.vsn == "2.0.0":
            await self.connection.send(json.dumps([join_ref, ref, topic, event, payload]))
        else:
            message = {"topic": topic, "event": event, "payload": payload, "ref": ref}
            await self.connection.send(json.dumps({**message, "join_ref": join_ref}))
        return ref

    async def receive(self, timeout: float = 5.0) -> dict[str, Any]:
        """The next frame as a V1-style dict."""
        data = json.loads(await asyncio.wait_for(self.connection.recv(), timeout))
        if isinstance(data, list):
            keys = ("join_ref", "ref", "topic", "event", "payload")
            return dict(zip(keys, data, strict=True))
        return dict(data)

    async def expect(self, event: str, topic: str | None = None) -> dict[str, Any]:
        """Skip frames until one with `event` (and `topic`) arrives."""
        while True:
            frame = await self.receive()
            if frame["event"] == event and (topic is None or frame["topic"] == topic):
                return frame

    async def join(
        self, name: str, config: dict[str, Any] | None = None, **extra: Any
    ) -> dict[str, Any]:
        topic = f"realtime:{name}"
        ref = await self.send(topic, "phx_join", {"config": config or {}, **extra}, join_ref=None)
        while True:
            frame = await self.expect("phx_reply", topic)
            if frame["ref"] == ref:
                return frame

    async def close(self) -> None:
        await self.connection.close()
