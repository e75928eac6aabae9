"""Database sessions: `authenticator` connections, one transaction per unit of work, acting as
the caller exactly as the REST server does (role, claims, method, path, headers), after the
stack's pre-request check (revoked sessions, rate limits), with a statement timeout and the
request's `storage.operation`.

The service role acts as itself (RLS bypassed) for public and signed URLs, as upstream's
"super" routes do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from functions.common.db import open_pool
from functions.storage.errors import StorageError, from_database_error
from functions.storage.operations import current_operation
from native_platform.caller import CALLER_CONTEXT_SQL, CallerContext

__all__ = ["Conn", "Database", "SERVICE"]

Conn = psycopg.AsyncConnection[dict[str, Any]]
SERVICE = CallerContext("service_role", {"role": "service_role"}, "GET", "/storage/v1")


class Database:
    """The pool (the functions' one pattern, opened by `open`) and the statement timeout every
    transaction runs with."""

    def __init__(self, conninfo: str, statement_timeout_ms: int, max_size: int = 8) -> None:
        self.conninfo = conninfo
        self.timeout = str(statement_timeout_ms)
        self.max_size = max_size
        self._pool: AsyncConnectionPool[Conn] | None = None

    @property
    def pool(self) -> AsyncConnectionPool[Conn]:
        assert self._pool is not None, "Database.open() first"
        return self._pool

    async def open(self) -> None:
        pool = await open_pool(
            self.conninfo, "storage", max_size=self.max_size, row_factory=dict_row
        )
        self._pool = cast("AsyncConnectionPool[Conn]", pool)

    async def close(self) -> None:
        await self.pool.close()

    @asynccontextmanager
    async def acting_as(
        self, caller: CallerContext, *, rollback: bool = False
    ) -> AsyncIterator[Conn]:
        """One transaction as `caller`; `rollback` discards it (permission probes)."""
        try:
            async with self.pool.connection(timeout=10) as conn:
                async with conn.transaction(force_rollback=rollback):
                    # One round trip for the setup (pipeline mode): it precedes every request.
                    async with conn.pipeline():
                        await conn.execute(CALLER_CONTEXT_SQL, caller.params())
                        await conn.execute(
                            "select pg_catalog.set_config('statement_timeout', %s, true),"
                            " pg_catalog.set_config('storage.operation', %s, true)",
                            (self.timeout, current_operation() or ""),
                        )
                        if caller.role != "service_role":
                            await conn.execute("select app_private.check_request()")
                    yield conn
        except PoolTimeout as error:
            raise StorageError(
                "SlowDown", 429, "Too many connections", "too_many_connections", 429
            ) from error
        except psycopg.Error as error:
            raise from_database_error(error) from error
