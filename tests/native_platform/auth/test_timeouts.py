"""The auth server's SQL calls run with the caller's role limits (issue 11, finding 2).

`AuthDatabase` switches to the caller's role per transaction; `set role` applies none of the
role's settings, so it applies them itself, as PostgREST does: anon's 3 s, authenticated's 8 s.
A throwaway function of this test's database shows the limit each call runs with.
"""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool
from starlette.requests import Request

from native_platform.auth.callers import ANON, Caller
from native_platform.auth.database import AuthDatabase
from native_platform.auth.errors import AuthError
from native_platform.auth.settings import AuthSettings

PROBES = """
create function auth.probe_statement_timeout() returns text
language sql stable as $$ select pg_catalog.current_setting('statement_timeout') $$;
create function auth.probe_sleep(seconds double precision) returns integer
language sql as $$ select 1 from pg_catalog.pg_sleep(seconds) $$;
grant execute on function auth.probe_statement_timeout() to anon, authenticated, service_role;
grant execute on function auth.probe_sleep(double precision) to anon;
"""
SCOPE: dict[str, Any] = {
    "type": "http",
    "method": "POST",
    "scheme": "http",
    "server": ("127.0.0.1", 9999),
    "client": ("127.0.0.1", 40000),
    "path": "/token",
    "query_string": b"",
    "headers": [],
}


def test_auth_calls_run_with_the_callers_role_limits(
    db_dsn: str, auth_settings: AuthSettings
) -> None:
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute(PROBES)
    request = Request(SCOPE)
    user = Caller("authenticated", {"role": "authenticated", "sub": "x"})
    service = Caller("service_role", {"role": "service_role"})

    async def scenario() -> None:
        pool = AsyncConnectionPool(
            auth_settings.database_url.get_secret_value(), min_size=1, max_size=1, open=False
        )
        await pool.open(wait=True)
        try:
            database = AuthDatabase(pool, trust_forwarded_for=False)
            seen = {
                caller.role: await database.call(request, caller, "probe_statement_timeout")
                for caller in (ANON, user, service)
            }
            assert seen == {"anon": "3s", "authenticated": "8s", "service_role": "8s"}
            with pytest.raises(AuthError) as raised:
                await database.call(request, ANON, "probe_sleep", 3.5)
            assert (raised.value.status, raised.value.code) == (504, "request_timeout")
        finally:
            await pool.close()

    asyncio.run(scenario())
