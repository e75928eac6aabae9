"""Database sessions of the functions: one async pool pattern, one way to act as the caller.

A function's app opens an `AsyncConnectionPool` of `authenticator` connections in its lifespan
(`open_pool`); each unit of work is one transaction set up by `as_caller` exactly as PostgREST
sets up a request (`native_platform.caller`'s CALLER_CONTEXT_SQL: role, request.jwt.claims,
request.method, request.path, request.headers, plus any setting of the function's own), with
the role's own settings applied (its statement_timeout) and, except for service_role, the
pre-request hook `app_private.check_request()` (revoked sessions, rate limits). RLS and the
definer functions then decide what the caller may do; database refusals become PostgREST-style
`ApiError`s. Work a function does on the platform's behalf (the CMS webhook) runs the same way
with `SERVICE` as the caller (service_role: RLS bypassed, no pre-request hook). Synchronous
workers (the indexer) use `connect_service`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import psycopg
from psycopg.rows import tuple_row
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from functions.common.config import FunctionSettings
from native_platform.caller import CallerContext, caller_context_sql
from native_platform.observability.metrics import register_pool
from native_platform.rest.errors import ApiError, from_database_error

__all__ = [
    "POOL_TIMEOUT_SECONDS",
    "SERVICE",
    "Conn",
    "as_caller",
    "connect_service",
    "open_pool",
    "retry_as_caller",
]

T = TypeVar("T")
Conn = psycopg.AsyncConnection[Any]
# PostgREST's db-pool-acquisition-timeout default, and its answer when it runs out.
POOL_TIMEOUT_SECONDS = 10.0
# Deadlocks and serialization failures roll everything back, so the work can run again.
_RETRYABLE = frozenset({"40001", "40P01"})
_ATTEMPTS = 3
SERVICE = CallerContext("service_role", {"role": "service_role"}, "POST", "/functions/v1")

# `set role` applies none of the role's settings: apply service_role's own for the session (as
# PostgREST does per request). It has no statement_timeout of its own by default, so the login
# role's (authenticator, 8 s) stays in force; `alter role service_role set ...` changes it.
SWITCH_TO_SERVICE_ROLE = (
    "set role service_role; select app_private.apply_role_settings('service_role', false)"
)


def _setup_sql(extra: tuple[str, ...]) -> str:
    """The caller context, then the role's own settings (transaction-local)."""
    return caller_context_sql(*extra) + ", app_private.apply_role_settings(%(role)s)"


async def open_pool(
    conninfo: str,
    name: str,
    *,
    max_size: int = 8,
    timeout: float = POOL_TIMEOUT_SECONDS,
    row_factory: Any = None,
) -> AsyncConnectionPool:
    """A pool of `authenticator` connections (autocommit: each unit of work opens its own
    transaction), registered for the metrics as `name`; a request waits at most `timeout`
    seconds for a connection, then gets PostgREST's PGRST003."""
    kwargs: dict[str, Any] = {"autocommit": True}
    if row_factory is not None:
        kwargs["row_factory"] = row_factory
    pool: AsyncConnectionPool = AsyncConnectionPool(
        conninfo, min_size=1, max_size=max_size, timeout=timeout, kwargs=kwargs, open=False
    )
    register_pool(name, pool)
    await pool.open(wait=True, timeout=10)
    return pool


@asynccontextmanager
async def as_caller(
    pool: AsyncConnectionPool, caller: CallerContext, settings: Mapping[str, str] | None = None
) -> AsyncIterator[Conn]:
    """One transaction acting as `caller` (plus the function's own transaction-local
    `settings`); database refusals become PostgREST-style errors."""
    extra = dict(settings or {})
    params = caller.params() | extra
    try:
        async with pool.connection() as conn, conn.transaction():
            await conn.execute(_setup_sql(tuple(extra)), params)
            if caller.role != "service_role":
                await conn.execute("select app_private.check_request()")
            yield conn
    except PoolTimeout as error:
        raise ApiError(
            504, "PGRST003", "Timed out acquiring connection from connection pool."
        ) from error
    except psycopg.Error as error:
        raise from_database_error(error, anonymous=caller.role == "anon") from error


async def retry_as_caller(
    pool: AsyncConnectionPool,
    caller: CallerContext,
    work: Callable[[Conn], Awaitable[T]],
    settings: Mapping[str, str] | None = None,
) -> T:
    """`work` in an `as_caller` transaction, rerun after a deadlock; 503 if that persists."""
    for _ in range(_ATTEMPTS):
        try:
            async with as_caller(pool, caller, settings) as conn:
                return await work(conn)
        except ApiError as error:
            if error.code not in _RETRYABLE:
                raise
            last = error
    raise ApiError(503, last.code, last.message, last.details, last.hint, {"Retry-After": "1"})


def connect_service(config: FunctionSettings, autocommit: bool = True) -> psycopg.Connection:
    """A session acting as the privileged server role (RLS bypassed, minimal grants), with that
    role's settings: for synchronous workers."""
    conn = psycopg.connect(
        config.database_url.get_secret_value(), autocommit=autocommit, row_factory=tuple_row
    )
    if conn.autocommit:
        conn.execute(SWITCH_TO_SERVICE_ROLE)
    else:
        with conn.transaction():
            conn.execute(SWITCH_TO_SERVICE_ROLE)
    return conn
