"""Call the SQL auth functions as the request's role, with PostgREST's per-request settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg import sql
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from starlette.requests import Request

from native_platform.auth.callers import Caller
from native_platform.auth.errors import from_database_error
from native_platform.caller import CallerContext, caller_context_sql
from native_platform.pipeline import leased, run_pipeline

__all__ = ["AuthDatabase", "request_headers"]

# Secrets stay out of the transaction settings that any SQL function could read.
HIDDEN_HEADERS = frozenset({"authorization", "apikey", "cookie"})

# The auth server's settings the SQL functions read (AuthSettings.sql_settings, ADR 0026).
SQL_SETTINGS = (
    "auth.password_min_length",
    "auth.password_required_characters",
    "auth.refresh_token_reuse_interval",
    "auth.sessions_timebox",
    "auth.sessions_inactivity_timeout",
)
SETUP = (caller_context_sql(*SQL_SETTINGS) + ", app_private.apply_role_settings(%(role)s)").encode()
# The role's own settings (statement_timeout: anon 3 s, authenticated 8 s) apply from the next
# statement on, as PostgREST applies them: `set role` alone applies none of them.


def request_headers(request: Request, trust_forwarded_for: bool) -> dict[str, str]:
    """Lowercased headers; x-forwarded-for is the peer unless a trusted proxy set it."""
    headers = {name: value for name, value in request.headers.items() if name not in HIDDEN_HEADERS}
    if not (trust_forwarded_for and headers.get("x-forwarded-for")):
        if request.client is not None:
            headers["x-forwarded-for"] = request.client.host
        else:
            headers.pop("x-forwarded-for", None)
    return headers


class AuthDatabase:
    """Runs one auth function per transaction, as `authenticator` switched to the caller's role."""

    def __init__(
        self,
        pool: AsyncConnectionPool,
        trust_forwarded_for: bool,
        sql_settings: Mapping[str, str] | None = None,
    ) -> None:
        self.pool = pool
        self.trust_forwarded_for = trust_forwarded_for
        self.sql_settings = dict.fromkeys(SQL_SETTINGS, "") | dict(sql_settings or {})

    async def call(self, request: Request, caller: Caller, function: str, *args: Any) -> Any:
        """`select auth.<function>(args...)`; SQL errors become AuthError."""
        query = sql.SQL("select {}.{}({})").format(
            sql.Identifier("auth"),
            sql.Identifier(function),
            sql.SQL(", ").join(sql.Placeholder() * len(args)),
        )
        headers = request_headers(request, self.trust_forwarded_for)
        context = (
            CallerContext(
                caller.role, caller.claims, request.method, request.url.path, headers
            ).params()
            | self.sql_settings
        )
        try:
            # One round trip, as REST does it (native_platform/pipeline.py): the caller's
            # settings and the call go in one pipeline on an autocommit connection, so Postgres
            # runs them as one implicit transaction, committed at the pipeline's sync and rolled
            # back on an error (no begin or commit to send).
            async with leased(self.pool) as conn:
                if not conn.autocommit:
                    await conn.set_autocommit(True)
                results = await run_pipeline(conn, [(SETUP, context), (query, args)])
            return results.row(1)[0]
        except (psycopg.Error, PoolTimeout) as error:
            raise from_database_error(error) from None
