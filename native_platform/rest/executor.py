"""Run one request's transaction: context settings, pre-request hook and the main statement.

psycopg's pipeline mode was measured slower under concurrency (its polling loop costs more CPU
than the saved round trips on a loopback socket), so the statements run one after another.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, cast

import orjson
import psycopg
from psycopg import sql
from psycopg_pool import PoolTimeout

from native_platform.rest.auth import Identity
from native_platform.rest.database import Database
from native_platform.rest.errors import from_database_error

__all__ = ["RequestContext", "Statement", "StatementResult", "execute"]

Statement = sql.Composable | bytes

_CONTEXT = sql.SQL(
    "select set_config('search_path', %s, true), set_config('role', %s, true), "
    "set_config('request.jwt.claims', %s, true), set_config('request.method', %s, true), "
    "set_config('request.path', %s, true), set_config('request.headers', %s, true), "
    "set_config('request.cookies', %s, true)"
)
_TIMEZONE = sql.SQL("select set_config('timezone', %s, true)")


@dataclass(frozen=True)
class RequestContext:
    identity: Identity
    search_path: tuple[str, ...]
    method: str
    path: str
    headers: dict[str, str]
    cookies: dict[str, str]
    timezone: str | None = None


@dataclass(frozen=True)
class StatementResult:
    total: int | None
    page_total: int
    body: str
    response_headers: str | None
    response_status: str | None
    inserted: int | None = None
    estimate: int | None = None


def _search_path(schemas: tuple[str, ...]) -> str:
    return ", ".join('"' + s.replace('"', '""') + '"' for s in dict.fromkeys(schemas))


def _context_params(ctx: RequestContext) -> tuple[str, ...]:
    return (
        _search_path(ctx.search_path),
        ctx.identity.role,
        orjson.dumps(ctx.identity.claims).decode(),
        ctx.method,
        ctx.path,
        orjson.dumps(ctx.headers).decode(),
        orjson.dumps(ctx.cookies).decode(),
    )


def _pre_request(name: str | None) -> sql.Composable | None:
    if not name:
        return None
    parts = [sql.Identifier(part) for part in name.split(".", 1)]
    return sql.SQL("select {}()").format(sql.SQL(".").join(parts))


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
    try:
        return await _run(db, ctx, statement, params, read_only, check, rollback, explain)
    except PoolTimeout as error:
        raise db.pool_timeout(error) from error
    except psycopg.Error as error:
        if isinstance(error, psycopg.OperationalError) and error.sqlstate in (None, "57P01"):
            db.connection_lost()
        raise from_database_error(error, ctx.identity.anonymous) from error


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
    pre_request = _pre_request(db.settings.db_pre_request)
    async with db.pool.connection() as conn:
        if conn.read_only != read_only:
            await conn.set_read_only(read_only)
        try:
            async with conn.cursor() as cur:
                await cur.execute(_CONTEXT, _context_params(ctx))
                if ctx.timezone:
                    await cur.execute(_TIMEZONE, (ctx.timezone,))
                if pre_request is not None:
                    await cur.execute(cast(sql.Composed, pre_request))
                await cur.execute(cast("sql.Composed | bytes", statement), params)
                row: Any = await cur.fetchone()
                result = StatementResult(*row)
                if explain is not None:
                    await cur.execute(cast("sql.Composed | bytes", explain), params)
                    plan: Any = await cur.fetchone()
                    result = replace(result, estimate=int(plan[0][0]["Plan"]["Plan Rows"]))
            if check is not None:
                check(result)
        except BaseException:
            with contextlib.suppress(psycopg.Error):
                await conn.rollback()
            raise
        if rollback:
            await conn.rollback()
        else:
            await conn.commit()
    return result
