"""Database sessions of the dice service: `authenticator` switched to the caller, per request.

Each request runs one transaction set up exactly as PostgREST does (role, request.jwt.claims,
request.headers with x-forwarded-for, request.method, request.path), then the pre-request hook
`app_private.check_request()`; rolls also mark the transaction with `app.roll_source`, which
only this service sets. RLS and the definer functions then decide what the caller may do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import orjson
import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from native_platform.observability.metrics import register_pool
from native_platform.rest.errors import ApiError, from_database_error

__all__ = ["Caller", "Conn", "as_caller", "open_pool", "retry_as_caller"]

T = TypeVar("T")
Conn = psycopg.AsyncConnection[Any]
# Deadlocks and serialization failures roll everything back, so the work can run again.
_RETRYABLE = frozenset({"40001", "40P01"})
_ATTEMPTS = 3

# `authenticated`'s own settings (its statement_timeout, 8 s) apply from the next statement on,
# as PostgREST applies the role's settings: `set role` alone applies none of them.
_CONTEXT = (
    "select set_config('role', 'authenticated', true),"
    " set_config('request.jwt.claims', %s, true), set_config('request.headers', %s, true),"
    " set_config('request.method', %s, true), set_config('request.path', %s, true),"
    " set_config('app.roll_source', %s, true),"
    " app_private.apply_role_settings('authenticated')"
)
_ROLL_SOURCE = "dice-service"
# PostgREST's db-pool-acquisition-timeout default, and its answer when it runs out.
POOL_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Caller:
    """A verified signed-in user and the request, as the database will see them."""

    claims: dict[str, Any]
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)


async def open_pool(
    conninfo: str, max_size: int = 8, timeout: float = POOL_TIMEOUT_SECONDS
) -> AsyncConnectionPool:
    """A pool of `authenticator` connections (autocommit: each request opens its transaction);
    a request waits at most `timeout` seconds for one, then gets PostgREST's PGRST003."""
    pool: AsyncConnectionPool = AsyncConnectionPool(
        conninfo,
        min_size=1,
        max_size=max_size,
        timeout=timeout,
        kwargs={"autocommit": True},
        open=False,
    )
    register_pool("dice", pool)
    await pool.open(wait=True, timeout=10)
    return pool


@asynccontextmanager
async def as_caller(
    pool: AsyncConnectionPool, caller: Caller, *, roll_source: bool = False
) -> AsyncIterator[Conn]:
    """One transaction acting as the caller; database refusals become PostgREST-style errors."""
    context = (
        orjson.dumps(caller.claims).decode(),
        orjson.dumps(caller.headers).decode(),
        caller.method,
        caller.path,
        _ROLL_SOURCE if roll_source else "",
    )
    try:
        async with pool.connection() as conn, conn.transaction():
            await conn.execute(_CONTEXT, context)
            await conn.execute("select app_private.check_request()")
            yield conn
    except PoolTimeout as error:
        raise ApiError(
            504, "PGRST003", "Timed out acquiring connection from connection pool."
        ) from error
    except psycopg.Error as error:
        raise from_database_error(error, anonymous=False) from error


async def retry_as_caller(
    pool: AsyncConnectionPool,
    caller: Caller,
    work: Callable[[Conn], Awaitable[T]],
    *,
    roll_source: bool = False,
) -> T:
    """`work` in an `as_caller` transaction, rerun after a deadlock; 503 if that persists."""
    for _ in range(_ATTEMPTS):
        try:
            async with as_caller(pool, caller, roll_source=roll_source) as conn:
                return await work(conn)
        except ApiError as error:
            if error.code not in _RETRYABLE:
                raise
            last = error
    raise ApiError(503, last.code, last.message, last.details, last.hint, {"Retry-After": "1"})
