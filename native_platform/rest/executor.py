"""Run one request's transaction: context settings, pre-request hook and the main statement.

The whole transaction (settings, hook and statement; see `transaction_statements`) goes in one
pipeline (`native_platform/pipeline.py`, ADR 0035): one round trip to Postgres per request, and a
second one only when Python must look at the result before the transaction ends. The pool's
connections are in autocommit mode so that psycopg adds no begin (and sync) of its own.
"""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import orjson
import psycopg
from psycopg import sql
from psycopg_pool import PoolTimeout

from native_platform.caller import caller_context_sql
from native_platform.pipeline import leased, run_pipeline
from native_platform.ratelimit import LimiterUnavailable, request_key
from native_platform.rest.auth import Identity
from native_platform.rest.database import Database
from native_platform.rest.errors import ApiError, from_database_error
from native_platform.rest.settings import RestSettings

__all__ = [
    "RequestContext",
    "Statement",
    "StatementResult",
    "execute",
    "transaction_statements",
]

Statement = sql.Composable | bytes

# The stack's caller context plus REST's own settings; positional for the cached pipeline.
_CONTEXT = caller_context_sql("search_path", "request.cookies", positional=True).encode()
_TIMEZONE = b"select set_config('timezone', %s, true)"


@dataclass(frozen=True)
class RequestContext:
    identity: Identity
    search_path: tuple[str, ...]
    method: str
    path: str
    headers: dict[str, str]
    cookies: dict[str, str]
    timezone: str | None = None
    # The role's own settings (`alter role ... set`, e.g. statement_timeout), from the cache.
    role_settings: tuple[tuple[str, str], ...] = ()
    # `explain (...) ` when the client asked for the main statement's execution plan.
    plan: bytes | None = None


@dataclass(frozen=True)
class StatementResult:
    total: int | None
    page_total: int
    body: str
    response_headers: str | None
    response_status: str | None
    inserted: int | None = None
    estimate: int | None = None


@functools.lru_cache(maxsize=64)
def _search_path(schemas: tuple[str, ...]) -> str:
    """The request's search_path setting: a handful of distinct values, rendered once each
    (rendering it took ~1.4% of a worker's samples in py-spy, docs/performance.md)."""
    return ", ".join('"' + s.replace('"', '""') + '"' for s in dict.fromkeys(schemas))


def _context_params(ctx: RequestContext) -> tuple[str, ...]:
    return (
        ctx.identity.role,
        orjson.dumps(ctx.identity.claims).decode(),
        ctx.method,
        ctx.path,
        orjson.dumps(ctx.headers).decode(),
        _search_path(ctx.search_path),
        orjson.dumps(ctx.cookies).decode(),
        *(part for pair in ctx.role_settings for part in pair),
    )


@functools.lru_cache(maxsize=16)
def _pre_request(name: str | None) -> bytes | None:
    """`select <hook>()`, rendered once (identifiers quote without a connection)."""
    if not name:
        return None
    parts = [sql.Identifier(part) for part in name.split(".", 1)]
    return sql.SQL("select {}()").format(sql.SQL(".").join(parts)).as_bytes(None)


async def execute(
    db: Database,
    ctx: RequestContext,
    statement: Statement,
    params: dict[str, object],
    read_only: bool,
    check: Callable[[StatementResult], None] | None = None,
    rollback: bool = False,
    explain: Statement | None = None,
) -> StatementResult:
    """Run the request's transaction; `check` may raise to roll it back.

    `explain` (an EXPLAIN in JSON format) gives the planner's row estimate of the result.
    """
    await _admit(db, ctx)
    try:
        return await _run(db, ctx, statement, params, read_only, check, rollback, explain)
    except PoolTimeout as error:
        raise db.pool_timeout(error) from error
    except psycopg.Error as error:
        if isinstance(error, psycopg.OperationalError) and error.sqlstate in (None, "57P01"):
            db.connection_lost()
        raise from_database_error(error, ctx.identity.anonymous) from error


async def _admit(db: Database, ctx: RequestContext) -> None:
    """Charge the request to its rate limit on this node (ADR 0022), before any connection is
    taken: a refused request costs the database nothing. 429 as `rate_limit.refuse` words it."""
    if db.limiter is None:
        return
    key = request_key(ctx.identity.claims, ctx.headers)
    if key is None:
        return
    try:
        wait = await db.limiter.take(*key)
    except LimiterUnavailable as error:
        db.connection_lost()
        raise ApiError(
            503, "PGRST001", "Database client error. Retrying the connection.", str(error)
        ) from None
    if wait > 0:
        retry_after = str(math.ceil(max(wait, 0.001)))
        raise ApiError(
            429,
            "rate_limited",
            f"Too many requests: {key[0]}",
            f"Retry after {retry_after} s",
            None,
            {"Retry-After": retry_after, "X-RateLimit-Name": key[0]},
        )


Queued = tuple[Statement, Sequence[object] | dict[str, object] | None]
_BEGIN = {True: b"begin read only", False: b"begin"}
# Turning read-only on is allowed at any point of a transaction (only the reverse is not).
_READ_ONLY = b", set_config('transaction_read_only', 'on', true)"
_ROLE_SETTING = b", set_config(%s, %s, true)"
# Tells the pre-request hook that this node charged the request already (ADR 0022).
_CHARGED = b", set_config('rate_limit.charged_by_node', 'on', true)"


@functools.lru_cache(maxsize=32)
def _context_statement(read_only: bool, role_settings: int, charged: bool) -> bytes:
    """The context select, with one set_config per role setting (PostgREST's role settings).

    A setting such as statement_timeout takes effect from the next statement of the pipeline:
    Postgres starts each Execute's timer with the value current when it begins.
    """
    return (
        _CONTEXT
        + (_READ_ONLY if read_only else b"")
        + (_CHARGED if charged else b"")
        + _ROLE_SETTING * role_settings
    )


def transaction_statements(
    settings: RestSettings,
    ctx: RequestContext,
    statement: Statement,
    params: dict[str, object],
    read_only: bool,
    commit: bool,
) -> list[Queued]:
    """What a request's transaction sends in its pipeline, in order; the main statement last.

    With `commit` (no result check, no explain, no rollback) there is no begin nor commit:
    Postgres runs the statements before the pipeline's sync as one implicit transaction, commits
    it at the sync and rolls it back on an error. Otherwise `begin` opens it, for the caller to
    end after looking at the result.
    """
    out: list[Queued] = []
    if not commit:
        out.append((_BEGIN[read_only], None))
    context = _context_statement(
        read_only and commit, len(ctx.role_settings), settings.rate_limit_node
    )
    out.append((context, _context_params(ctx)))
    if ctx.timezone:
        out.append((_TIMEZONE, (ctx.timezone,)))
    pre_request = _pre_request(settings.db_pre_request)
    if pre_request is not None:
        out.append((pre_request, None))
    out.append((statement, params))
    return out


async def _run(
    db: Database,
    ctx: RequestContext,
    statement: Statement,
    params: dict[str, object],
    read_only: bool,
    check: Callable[[StatementResult], None] | None,
    rollback: bool,
    explain: Statement | None,
) -> StatementResult:
    if ctx.plan is not None:
        return await _plan(db, ctx, statement, params, read_only, rollback)
    commit = check is None and explain is None and not rollback
    queued = transaction_statements(db.settings, ctx, statement, params, read_only, commit)
    main_index = len(queued) - 1
    if commit and read_only and db.shared is not None:
        return StatementResult(*(await db.shared.run(queued)).row(main_index))
    if explain is not None:
        queued.append((explain, params))
    async with leased(db.pool) as conn:
        try:
            results = await run_pipeline(conn, queued)
            result = StatementResult(*results.row(main_index))
            if explain is not None:
                plan = results.row(main_index + 1)
                result = replace(result, estimate=int(plan[0][0]["Plan"]["Plan Rows"]))
            if check is not None:
                check(result)
        except BaseException:
            with contextlib.suppress(psycopg.Error):
                await conn.rollback()
            raise
        if not commit:
            await conn.execute(b"rollback" if rollback else b"commit")
    return result


async def _plan(
    db: Database,
    ctx: RequestContext,
    statement: Statement,
    params: dict[str, object],
    read_only: bool,
    rollback: bool,
) -> StatementResult:
    """The main statement's EXPLAIN as Postgres writes it (text lines, or its JSON text)."""
    assert ctx.plan is not None
    prefix = ctx.plan
    if isinstance(statement, bytes):
        explained: Statement = prefix + statement
    else:
        explained = sql.Composed([sql.SQL(prefix.decode()), statement])
    queued = transaction_statements(db.settings, ctx, explained, params, read_only, False)
    async with leased(db.pool) as conn:
        try:
            lines = (await run_pipeline(conn, queued)).texts(len(queued) - 1)
        except BaseException:
            with contextlib.suppress(psycopg.Error):
                await conn.rollback()
            raise
        await conn.execute(b"rollback" if rollback else b"commit")
    return StatementResult(None, 0, "\n".join(lines), None, None)
