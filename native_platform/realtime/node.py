"""One realtime node: its pools, backplane, presence store, WAL reader and joined channels."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from typing import Any

from psycopg_pool import AsyncConnectionPool

from native_platform.gc_tuning import tune_garbage_collector
from native_platform.observability.metrics import (
    count_channels,
    count_outbound_bytes,
    record_delivery,
    register_pool,
)
from native_platform.observability.tracing import span_from_traceparents
from native_platform.realtime.authorization import server_events
from native_platform.realtime.backplane import Backplane
from native_platform.realtime.catalog import Catalog
from native_platform.realtime.changes import ChangeReader
from native_platform.realtime.channel import Channel
from native_platform.realtime.dispatch import ClaimGroups, deliver_changes
from native_platform.realtime.presence import PresenceStore
from native_platform.realtime.protocol import Frame
from native_platform.realtime.records import Change
from native_platform.realtime.settings import RealtimeSettings
from native_platform.realtime.types import Revocation, Socket
from native_platform.realtime.visibility import RLS_SESSION_OPTIONS, Visibility

__all__ = ["Node"]

log = logging.getLogger(__name__)
MESSAGE_SQL = """
select pg_catalog.jsonb_build_object('k', 'b', 't', topic, 'p', private, 'e', event,
    'pl', pg_catalog.jsonb_build_object('type', 'broadcast', 'event', event, 'payload', payload,
    'meta', pg_catalog.jsonb_build_object('id', id)))
from realtime.messages where id = %s
"""
BUS_SQL = "select body from realtime.bus where id = %s"
CHANGES_LOST = "Realtime lost its connection to the database; rejoin to resubscribe"
BUS_RETENTION = "delete from realtime.bus where created_at < now() - interval '1 minute'"
# Revocations are remembered this long for joins whose checks were under way when they came.
REVOCATION_MEMORY_SECONDS = 60.0


class Node:
    def __init__(self, settings: RealtimeSettings) -> None:
        self.settings = settings
        admin_dsn = settings.replication_database_url.get_secret_value()
        # Channel authorization and session checks (short transactions of their own)...
        self.rls_pool = AsyncConnectionPool(
            settings.database_url.get_secret_value(), min_size=1, max_size=4, open=False
        )
        # ...and the changes' RLS checks, one read-only statement each (ADR 0005).
        self.check_pool = AsyncConnectionPool(
            settings.database_url.get_secret_value(),
            min_size=settings.rls_connections,
            max_size=settings.rls_connections,
            kwargs={"autocommit": True, "options": RLS_SESSION_OPTIONS},
            open=False,
        )
        self.admin_pool = AsyncConnectionPool(admin_dsn, min_size=1, max_size=4, open=False)
        register_pool("realtime_rls", self.rls_pool)
        register_pool("realtime_rls_check", self.check_pool)
        register_pool("realtime_admin", self.admin_pool)
        count_channels(lambda: sum(len(members) for members in self.channels.values()))
        count_outbound_bytes(lambda: sum(socket.buffered() for socket in list(self.connections)))
        self.catalog = Catalog(self.admin_pool, settings.publication)
        self.visibility = Visibility(self.check_pool, settings.rls_connections)
        self.backplane = Backplane(admin_dsn, self.admin_pool, self.on_bus)
        self.presence = PresenceStore(self.admin_pool, self.backplane)
        self.backplane.on_reconnect = self._backplane_back
        self.reader = ChangeReader(
            admin_dsn, self.catalog, self.on_changes, settings.max_changes_per_batch
        )
        self.reader.on_lost = self._changes_lost
        self.reader.on_recovered = self._replace_dead_connections
        self.channels: dict[tuple[str, bool], set[Channel]] = defaultdict(set)
        self.connections: set[Socket] = set()
        self.change_channels: set[Channel] = set()
        # The last grouping of each table's subscribers for its RLS checks (ClaimGroups).
        self.claim_groups: dict[int, ClaimGroups] = {}
        # Broadcast events only the database sends (realtime.server_events()), refused from clients.
        self.server_events: frozenset[str] = frozenset()
        # Ended sessions and users whose rights changed, heard from the database (monotonic time).
        self.ended_sessions: dict[str, float] = {}
        self.rights_changed: dict[str, float] = {}
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        tune_garbage_collector()
        await self.rls_pool.open(wait=True)
        await self.check_pool.open(wait=True)
        await self.admin_pool.open(wait=True)
        self.server_events = await server_events(self.admin_pool)
        self._tasks = [
            asyncio.create_task(self.backplane.run()),
            asyncio.create_task(self.reader.run()),
            asyncio.create_task(self._sweep()),
        ]
        await asyncio.wait_for(self.backplane.ready.wait(), timeout=30)
        await asyncio.wait_for(self.reader.ready.wait(), timeout=30)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.rls_pool.close()
        await self.check_pool.close()
        await self.admin_pool.close()

    def register(self, channel: Channel) -> None:
        self.channels[channel.key].add(channel)
        if channel.subscription is not None:
            self.change_channels.add(channel)

    def unregister(self, channel: Channel) -> None:
        members = self.channels.get(channel.key)
        if members is not None:
            members.discard(channel)
            if not members:
                del self.channels[channel.key]
        if channel in self.change_channels:
            self.change_channels.discard(channel)
            # A kept grouping would no longer hold, and must not keep the closed channel alive.
            self.claim_groups.clear()

    async def broadcast(self, channel: Channel, payload: dict[str, Any]) -> None:
        message = {
            "k": "b",
            "t": channel.name,
            "p": channel.config.private,
            "e": payload.get("event"),
            "pl": payload,
            "s": channel.id,
        }
        await self.backplane.publish(message)

    async def on_changes(self, changes: list[Change]) -> None:
        traceparents = [change.traceparent for change in changes if change.traceparent]
        # Rows written by traced statements: the delivery joins the writer's trace (linked to
        # each when the batch holds several); untraced rows start no trace of their own.
        attributes = {"messaging.system": "rfl-realtime", "rfl.realtime.changes": len(changes)}
        traced = span_from_traceparents("realtime deliver changes", traceparents, attributes)
        with traced if traceparents else contextlib.nullcontext():
            channels = list(self.change_channels)
            await deliver_changes(self.visibility, changes, channels, self.claim_groups)

    async def on_bus(self, message: dict[str, Any]) -> None:
        kind = message.get("k")
        if kind == "b" and message.get("tp"):
            # Written by a traced statement: the delivery joins the writer's trace.
            attributes = {
                "messaging.system": "rfl-realtime",
                "messaging.destination.name": message["t"],
            }
            with span_from_traceparents("realtime deliver", [message["tp"]], attributes) as span:
                span.set_attribute("rfl.realtime.sockets", self._fan_out_broadcast(message))
        elif kind == "b":
            self._fan_out_broadcast(message)
        elif kind == "pd":
            self._fan_out_presence(message)
        elif kind == "se":
            self._session_ended(str(message.get("s")))
        elif kind == "ur":
            self._rights_changed(str(message.get("u")))
        elif kind in ("m", "r"):
            body = await self.backplane.fetch(
                MESSAGE_SQL if kind == "m" else BUS_SQL, message["id"]
            )
            if body is not None:
                await self.on_bus({**body, "tp": message.get("tp")})

    def _fan_out_broadcast(self, message: dict[str, Any]) -> int:
        sender = message.get("s")
        encoded: dict[str, bytes] = {}
        sent = 0
        for channel in list(self.channels.get((message["t"], message["p"]), ())):
            if channel.id == sender and not channel.config.broadcast_self:
                continue
            frame = Frame(channel.topic, "broadcast", message["pl"])
            channel.connection.send(frame, encoded)
            sent += 1
        record_delivery("broadcast", sent)
        return sent

    def _fan_out_presence(self, message: dict[str, Any]) -> None:
        payload = {"joins": message["j"], "leaves": message["l"]}
        encoded: dict[str, bytes] = {}
        for channel in list(self.channels.get((message["t"], message["p"]), ())):
            if channel.held_diffs is not None:
                channel.held_diffs.append(payload)
            elif channel.presence_enabled:
                channel.connection.send(Frame(channel.topic, "presence_diff", payload), encoded)

    def _joined(self) -> list[Channel]:
        return [channel for members in self.channels.values() for channel in members]

    def _session_ended(self, session_id: str) -> None:
        """Close every channel authorized by a token of that session."""
        self.ended_sessions[session_id] = time.monotonic()
        for channel in self._joined():
            if channel.session_id == session_id:
                channel.revoke("session")

    def _rights_changed(self, user_id: str) -> None:
        """Re-check the user's channels (a membership went, a role changed, a ban)."""
        self.rights_changed[user_id] = time.monotonic()
        for channel in self._joined():
            if channel.user_id == user_id:
                channel.revoke("rights")

    def revocation_heard(self, channel: Channel) -> Revocation | None:
        """What the database revoked since the channel's token and rights were checked."""
        if channel.session_id is not None:
            if self.ended_sessions.get(channel.session_id, -1.0) >= channel.checked_at:
                return "session"
        if channel.user_id is not None:
            if self.rights_changed.get(channel.user_id, -1.0) >= channel.checked_at:
                return "rights"
        return None

    async def _backplane_back(self, old_pid: int, new_pid: int) -> None:
        """Revocations notified while the backplane was away are lost: re-check every channel."""
        await self.presence.adopt(old_pid, new_pid)
        for channel in self._joined():
            channel.revoke("rights")

    def _forget_old_revocations(self) -> None:
        horizon = time.monotonic() - REVOCATION_MEMORY_SECONDS
        for heard in (self.ended_sessions, self.rights_changed):
            for key in [key for key, at in heard.items() if at < horizon]:
                del heard[key]

    def _changes_lost(self) -> None:
        """The WAL reader lost its session (and slot): tell subscribers, whose clients rejoin."""
        for channel in list(self.change_channels):
            channel.system("postgres_changes", "error", CHANGES_LOST)

    async def _replace_dead_connections(self) -> None:
        """After a lost session (say, a database restart) idle pooled connections may be dead:
        an RLS check failing on one would drop a change, so they are replaced first."""
        await asyncio.gather(
            self.rls_pool.check(), self.check_pool.check(), self.admin_pool.check()
        )

    async def _sweep(self) -> None:
        """Clean up after dead nodes and expired oversized messages."""
        while True:
            await asyncio.sleep(self.settings.node_sweep_seconds)
            self._forget_old_revocations()
            try:
                await self.presence.sweep()
                async with self.admin_pool.connection() as conn:
                    await conn.execute(BUS_RETENTION)
            except Exception:
                log.exception("sweep failed")
