"""The WAL reader: each node streams its own temporary wal2json slot (dropped with its session)
over the replication protocol (ADR 0036), so every node sees every committed change once, in
commit order, as soon as it is flushed, and delivers it to its own sockets only."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import orjson
import psycopg

from native_platform.realtime.catalog import Catalog, TableInfo
from native_platform.realtime.records import Change, read_change
from native_platform.realtime.replication import Message, ReplicationStream

__all__ = ["ChangeReader"]

log = logging.getLogger(__name__)
# wal2json's options. No add-tables: a logical stream cannot be restarted in its session on
# Postgres 15 (ReplicationStream.start), so the list could not follow the publication; every
# table's rows come and those of tables the catalog does not list are dropped here (ADR 0036).
DECODING_OPTIONS = {
    "format-version": "2",
    "include-transaction": "true",
    "include-timestamp": "true",
    "include-type-oids": "true",
    "include-pk": "true",
    "actions": "insert,update,delete",
    "add-msg-prefixes": "rfl.traceparent",
}
# The logical message realtime.wake_readers() writes after a traced statement's rows.
TRACEPARENT_PREFIX = "rfl.traceparent"
# How often an idle stream asks the server how far it has sent, to confirm it: the slot's
# confirmed position (and the WAL the slot holds back) then trails by at most this long; well
# within wal_sender_timeout (60 s), which ends a session that sends no status.
STATUS_INTERVAL = 10.0

Sink = Callable[[list[Change]], Awaitable[None]]


class ChangeReader:
    def __init__(self, dsn: str, catalog: Catalog, sink: Sink, limit: int) -> None:
        """`limit`: changes per batch handed to `sink` (whole transactions: one larger
        transaction is handed over whole)."""
        self._dsn = dsn
        self._catalog = catalog
        self._sink = sink
        self._limit = limit
        self.ready = asyncio.Event()
        self.on_lost: Callable[[], None] | None = None
        self.on_recovered: Callable[[], Awaitable[None]] | None = None
        self._recovering = False

    async def run(self) -> None:
        """Read forever; after a failed session, start a new slot (changes in between are lost)."""
        while True:
            try:
                await self._read()
            except psycopg.Error as error:
                log.warning("WAL reader session lost: %s", error)
                was_ready = self.ready.is_set()
                self.ready.clear()
                self._recovering = True
                if was_ready and self.on_lost is not None:
                    self.on_lost()
                await asyncio.sleep(0.5)

    async def _read(self) -> None:
        async with await psycopg.AsyncConnection.connect(
            self._dsn, autocommit=True, replication="database"
        ) as conn:
            stream = ReplicationStream(conn)
            slot = f"realtime_{os.getpid()}_{conn.info.backend_pid}"
            await stream.create_slot(slot, "wal2json")
            if self._recovering and self.on_recovered is not None:
                await self.on_recovered()
            self._recovering = False
            await stream.start(slot, DECODING_OPTIONS)
            self.ready.set()
            await self._follow(stream)

    async def _follow(self, stream: ReplicationStream) -> None:
        """Deliver the stream's transactions, confirming each batch once delivered."""
        transaction = _Transaction()
        status_due = time.monotonic() + STATUS_INTERVAL
        while True:
            messages = await stream.read(STATUS_INTERVAL)
            transaction, position = await self._deliver(messages, transaction, stream.confirmed)
            now = time.monotonic()
            ask = now >= status_due
            if position > stream.confirmed or ask:
                await stream.confirm(position, ask_position=ask)
                if ask:
                    status_due = now + STATUS_INTERVAL

    async def _deliver(
        self, messages: list[Message], transaction: _Transaction, position: int
    ) -> tuple[_Transaction, int]:
        """Hand the complete transactions of `messages` to the sink; return the transaction
        still open and the position to confirm now: the end of the last complete transaction,
        or where a keepalive between transactions said the server had sent everything before."""
        tables = await self._catalog.tables()
        committed: list[Change] = []
        for lsn, payload in messages:
            if payload is None:
                if not transaction.open:
                    position = max(position, lsn)
            elif transaction.add(orjson.loads(payload), tables):
                committed += transaction.changes
                transaction = _Transaction()
                position = max(position, lsn)
                if len(committed) >= self._limit:
                    await self._sink(committed)
                    committed = []
        if committed:
            await self._sink(committed)
        return transaction, position


class _Transaction:
    """The changes of the transaction being received, with the traceparent its statements
    attached to their rows."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        # Between its begin and its commit: a keepalive then confirms nothing.
        self.open = False
        # Indexes of the changes that no traceparent message followed yet: the rows a statement
        # wrote come before the message its trigger wrote.
        self._untraced: list[int] = []

    def add(self, raw: dict[str, Any], tables: dict[tuple[str, str], TableInfo]) -> bool:
        """Take one wal2json message; True at the transaction's commit."""
        action = raw.get("action")
        if action == "C":
            return True
        if action == "B":
            self.open = True
        elif action == "M":
            content = raw.get("content")
            if raw.get("prefix") == TRACEPARENT_PREFIX and isinstance(content, str):
                for index in self._untraced:
                    self.changes[index] = replace(self.changes[index], traceparent=content)
            self._untraced.clear()
        else:
            table = tables.get((raw.get("schema"), raw.get("table")))  # type: ignore[arg-type]
            change = read_change(raw, table) if table is not None else None
            if change is not None:
                self._untraced.append(len(self.changes))
                self.changes.append(change)
        return False
