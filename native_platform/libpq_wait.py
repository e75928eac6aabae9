"""Waiting on a libpq connection from the running event loop, for code that drives psycopg's
libpq wrapper (`conn.pgconn`) itself: pipelines and the replication stream."""

from __future__ import annotations

import asyncio

from psycopg import pq

__all__ = ["flush", "next_result", "socket_ready"]


def _resolve(ready: asyncio.Future[None]) -> None:
    # The loop may call a reader again before the awaiting task runs and removes it.
    if not ready.done():
        ready.set_result(None)


async def socket_ready(fileno: int, write: bool = False) -> None:
    """Wait until the socket is readable, or readable or writable with `write`. Cancelling
    the wait leaves nothing behind."""
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    loop.add_reader(fileno, _resolve, ready)
    if write:
        loop.add_writer(fileno, _resolve, ready)
    try:
        await ready
    finally:
        loop.remove_reader(fileno)
        if write:
            loop.remove_writer(fileno)


async def flush(pgconn: pq.abc.PGconn) -> None:
    """Send what libpq buffered. While the socket is full, also read: Postgres may be waiting
    for us to take its first results before it reads the rest (libpq's advice for PQflush)."""
    while pgconn.flush():
        await socket_ready(pgconn.socket, write=True)
        pgconn.consume_input()


async def next_result(pgconn: pq.abc.PGconn) -> pq.abc.PGresult | None:
    """The next result of the command in progress, None after its last."""
    while pgconn.is_busy():
        await socket_ready(pgconn.socket)
        pgconn.consume_input()
    return pgconn.get_result()
