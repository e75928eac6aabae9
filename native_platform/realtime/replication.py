"""Logical decoding over PostgreSQL's streaming replication protocol (ADR 0036).

A replication connection (`replication=database`) creates a temporary slot and starts
replication from it: its walsender keeps one decoding context for the whole session and sends
each transaction as soon as its commit is flushed. (`pg_logical_slot_get_changes`, which the
reader polled before, builds a new context at the slot's `restart_lsn` on every call and decodes
again all the WAL since it: up to 15 s of writes, docs/performance.md.)

The stream is COPY BOTH: the server sends XLogData ('w', one decoded message each) and keepalives
('k'); the client sends standby status updates ('r') whose flushed position confirms what it
delivered, so that the slot, and the WAL it holds back, move on. psycopg 3 has no replication
API (psycopg#71), so this drives psycopg's libpq wrapper (`conn.pgconn`), as
`native_platform.pipeline` does for pipelines.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import time
from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg import errors, pq, sql

from native_platform.libpq_wait import flush, next_result, socket_ready

__all__ = ["Message", "ReplicationStream"]

# The protocol's clock counts microseconds from 2000-01-01 (Unix time 946,684,800 s).
_POSTGRES_EPOCH_US = 946_684_800_000_000
_XLOG_DATA = struct.Struct(">cQQQ")  # 'w', start of the message's WAL, end of WAL, clock
_KEEPALIVE = struct.Struct(">cQQ?")  # 'k', end of WAL sent, clock, reply requested
_STATUS = struct.Struct(">cQQQQ?")  # 'r', written, flushed, applied, clock, reply requested

# (LSN, payload): an XLogData message's start and decoded payload, or, with payload None, a
# keepalive and the end of the WAL the server had sent when it wrote it.
Message = tuple[int, bytes | None]


class ReplicationStream:
    """The replication session of one connection opened with `replication="database"`."""

    def __init__(self, conn: psycopg.AsyncConnection[Any]) -> None:
        self._conn = conn
        self._pgconn = conn.pgconn
        # What the status updates report as written, flushed and applied: everything before it
        # was delivered.
        self.confirmed = 0

    async def create_slot(self, slot: str, plugin: str) -> None:
        """A temporary logical slot, dropped when the session ends, exporting no snapshot."""
        command = sql.SQL("CREATE_REPLICATION_SLOT {} TEMPORARY LOGICAL {} (SNAPSHOT 'nothing')")
        await self._command(command.format(sql.Identifier(slot), sql.Identifier(plugin)))

    async def start(self, slot: str, options: Mapping[str, str]) -> None:
        """Stream the slot's changes from its confirmed position, decoded with the output
        plugin's `options`. Once per session: Postgres 15's walsender keeps the first stream's
        end, and a second stream in the same session ends at once."""
        command = sql.SQL("START_REPLICATION SLOT {} LOGICAL 0/0 ({})").format(
            sql.Identifier(slot),
            sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(name), sql.Literal(value))
                for name, value in options.items()
            ),
        )
        self._pgconn.send_query(command.as_bytes(self._conn))
        result = await next_result(self._pgconn)
        if result is None or result.status != pq.ExecStatus.COPY_BOTH:
            raise self._error(result, "START_REPLICATION did not start streaming")

    async def read(self, timeout: float) -> list[Message]:
        """The messages the server sent, in order, waiting up to `timeout` seconds for the
        first; an empty list when none came. A keepalive asking for a reply is answered here."""
        # Whatever already arrived is taken at once: under load, one read is one batch.
        self._pgconn.consume_input()
        messages = await self._drain()
        if not messages:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await socket_ready(self._pgconn.socket)
            self._pgconn.consume_input()
            messages = await self._drain()
        return messages

    async def confirm(self, lsn: int, ask_position: bool = False) -> None:
        """Report everything before `lsn` delivered; with `ask_position`, ask for a keepalive
        (it says how far the server has sent, which the caller may then confirm)."""
        self.confirmed = max(self.confirmed, lsn)
        clock = time.time_ns() // 1000 - _POSTGRES_EPOCH_US
        confirmed = self.confirmed
        status = _STATUS.pack(b"r", confirmed, confirmed, confirmed, clock, ask_position)
        if self._pgconn.put_copy_data(status) != 1:
            raise self._error(None, "could not queue a standby status update")
        await flush(self._pgconn)

    async def _drain(self) -> list[Message]:
        """The messages libpq has already read, without waiting."""
        messages: list[Message] = []
        while True:
            size, data = self._pgconn.get_copy_data(1)
            if size == 0:
                return messages
            if size < 0:
                raise self._error(self._pgconn.get_result(), "the replication stream ended")
            if data[0] == ord("w"):
                start = _XLOG_DATA.unpack_from(data)[1]
                messages.append((start, bytes(data[_XLOG_DATA.size :])))
            elif data[0] == ord("k"):
                _, sent, _, reply = _KEEPALIVE.unpack_from(data)
                messages.append((sent, None))
                if reply:
                    await self.confirm(self.confirmed)

    async def _command(self, command: sql.Composable) -> None:
        """A replication command (simple query protocol, the only one walsenders speak)."""
        self._pgconn.send_query(command.as_bytes(self._conn))
        while (result := await next_result(self._pgconn)) is not None:
            if result.status == pq.ExecStatus.FATAL_ERROR:
                raise self._error(result, "replication command failed")

    def _error(self, result: pq.abc.PGresult | None, what: str) -> psycopg.Error:
        """The server's error, as psycopg would raise it; a lost connection when there is none
        (the reader then starts over with a new session and slot)."""
        if result is not None and result.status == pq.ExecStatus.FATAL_ERROR:
            return errors.error_from_result(result, encoding=self._conn.info.encoding)
        message = self._pgconn.error_message.decode(errors="replace").strip()
        return psycopg.OperationalError(f"{what}: {message}" if message else what)
