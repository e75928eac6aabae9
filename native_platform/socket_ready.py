"""Waiting for a libpq connection's socket on the running event loop, for code that drives
psycopg's libpq wrapper (`conn.pgconn`) itself: pipelines and the replication stream."""

from __future__ import annotations

import asyncio

__all__ = ["socket_ready"]


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
