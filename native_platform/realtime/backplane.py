"""The node backplane: every fan-out goes through Postgres NOTIFY so each node, including the
sender's, hears each message once and delivers it to its own sockets."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import psycopg
from psycopg_pool import AsyncConnectionPool

__all__ = ["CHANNEL", "Backplane"]

CHANNEL = "realtime_bus"
NOTIFY_LIMIT = 7900
log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None]]


class Backplane:
    """Publishes JSON messages and feeds received ones to `handler` in commit order."""

    def __init__(self, dsn: str, pool: AsyncConnectionPool, handler: Handler) -> None:
        self._dsn = dsn
        self._pool = pool
        self._handler = handler
        self.pid: int | None = None
        self.ready = asyncio.Event()
        self.on_reconnect: Callable[[int, int], Awaitable[None]] | None = None

    async def publish(
        self, message: dict[str, Any], conn: psycopg.AsyncConnection | None = None
    ) -> None:
        """NOTIFY on commit of `conn`'s transaction when given, else at once."""
        if conn is None:
            async with self._pool.connection() as own:
                await self._notify(own, message)
        else:
            await self._notify(conn, message)

    async def _notify(self, conn: psycopg.AsyncConnection, message: dict[str, Any]) -> None:
        body = orjson.dumps(message).decode()
        if len(body.encode()) > NOTIFY_LIMIT:
            cursor = await conn.execute(
                "insert into realtime.bus (body) values (%s::jsonb) returning id", (body,)
            )
            row = await cursor.fetchone()
            assert row is not None
            body = orjson.dumps({"k": "r", "id": row[0]}).decode()
        await conn.execute("select pg_catalog.pg_notify(%s, %s)", (CHANNEL, body))

    async def fetch(self, sql: str, key: object) -> dict[str, Any] | None:
        """Read the body of a message that was too large for NOTIFY."""
        async with self._pool.connection() as conn:
            row = await (await conn.execute(sql, (key,))).fetchone()
        return None if row is None else dict(row[0])

    async def run(self) -> None:
        """Listen forever, reconnecting after a lost connection."""
        delay = 0.1
        while True:
            try:
                await self._listen()
            except (psycopg.OperationalError, psycopg.InterfaceError) as error:
                log.warning("backplane connection lost: %s", error)
                self.ready.clear()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def _listen(self) -> None:
        async with await psycopg.AsyncConnection.connect(self._dsn, autocommit=True) as conn:
            await conn.execute(f"listen {CHANNEL}")
            previous, self.pid = self.pid, conn.info.backend_pid
            if previous is not None and self.on_reconnect is not None:
                await self.on_reconnect(previous, self.pid)
            self.ready.set()
            async for notify in conn.notifies():
                try:
                    await self._handler(orjson.loads(notify.payload))
                except Exception:
                    log.exception("backplane message failed: %.200s", notify.payload)
