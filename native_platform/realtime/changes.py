"""The WAL reader: each node owns a temporary wal2json slot (dropped with its session) and
polls it, so every node sees every committed change once, in commit order, and delivers it to
its own sockets only."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import replace

import orjson
import psycopg

from native_platform.realtime.catalog import Catalog
from native_platform.realtime.records import Change, read_change

__all__ = ["ChangeReader"]

log = logging.getLogger(__name__)
CHANGES_SQL = """
select data from pg_catalog.pg_logical_slot_get_changes(
    %s, null, %s, 'format-version', '2', 'include-transaction', 'true',
    'include-timestamp', 'true', 'include-type-oids', 'true', 'include-pk', 'true',
    'actions', 'insert,update,delete', 'add-tables', %s, 'add-msg-prefixes', 'rfl.traceparent')
"""
# The logical message realtime.wake_readers() writes after a traced statement's rows.
TRACEPARENT_PREFIX = "rfl.traceparent"
NO_TABLE = "realtime.no_published_table"

Sink = Callable[[list[Change]], Awaitable[None]]


class ChangeReader:
    def __init__(
        self, dsn: str, catalog: Catalog, sink: Sink, limit: int, busy: float, idle: float
    ) -> None:
        self._dsn = dsn
        self._catalog = catalog
        self._sink = sink
        self._limit = limit
        self._busy = busy
        self._idle = idle
        self.ready = asyncio.Event()
        self.wake = asyncio.Event()
        self.on_lost: Callable[[], None] | None = None
        self.on_recovered: Callable[[], Awaitable[None]] | None = None
        self._recovering = False

    async def run(self) -> None:
        """Read forever; after a lost connection, start a new slot (changes in between are lost)."""
        while True:
            try:
                await self._read()
            except (psycopg.OperationalError, psycopg.InterfaceError) as error:
                log.warning("WAL reader connection lost: %s", error)
                was_ready = self.ready.is_set()
                self.ready.clear()
                self._recovering = True
                if was_ready and self.on_lost is not None:
                    self.on_lost()
                await asyncio.sleep(0.5)

    async def _read(self) -> None:
        async with await psycopg.AsyncConnection.connect(self._dsn, autocommit=True) as conn:
            slot = f"realtime_{os.getpid()}_{conn.info.backend_pid}"
            await conn.execute(
                "select pg_catalog.pg_create_logical_replication_slot(%s, 'wal2json', true)",
                (slot,),
            )
            if self._recovering and self.on_recovered is not None:
                await self.on_recovered()
            self._recovering = False
            self.ready.set()
            while True:
                self.wake.clear()
                if await self._poll(conn, slot):
                    await asyncio.sleep(self._busy)
                    continue
                # Published tables with wake-up triggers cut the wait short (see
                # realtime.enable_wakeups); others are read at the idle interval.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wake.wait(), self._idle)

    async def _poll(self, conn: psycopg.AsyncConnection, slot: str) -> int:
        tables = await self._catalog.tables()
        names = ",".join(sorted(info.qualified for info in tables.values())) or NO_TABLE
        rows = await (await conn.execute(CHANGES_SQL, (slot, self._limit, names))).fetchall()
        changes: list[Change] = []
        # Indexes of the changes of the current transaction that no traceparent message
        # followed yet: the rows a statement wrote come before the message its trigger wrote.
        untraced: list[int] = []
        for (data,) in rows:
            raw = orjson.loads(data)
            action = raw.get("action")
            if action in ("B", "C"):
                untraced.clear()
                continue
            if action == "M":
                if raw.get("prefix") == TRACEPARENT_PREFIX:
                    for index in untraced:
                        changes[index] = replace(changes[index], traceparent=raw.get("content"))
                untraced.clear()
                continue
            table = tables.get((raw.get("schema"), raw.get("table")))
            change = read_change(raw, table) if table is not None else None
            if change is not None:
                untraced.append(len(changes))
                changes.append(change)
        if changes:
            await self._sink(changes)
        return len(rows)
