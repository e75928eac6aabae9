"""Every statement of the functions has a time limit (issue 11, finding 2).

The dice service switches to `authenticated` and the CMS webhook to `service_role` per
transaction, the indexer to `service_role` per session; `set role` applies none of a role's
settings, so each applies its role's own, as PostgREST does. A role's limit changed for this
test's database alone (`alter role ... in database`) shows that the value comes from the role,
not the code.
"""

from __future__ import annotations

import asyncio
import uuid

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from functions.common.db import SERVICE, as_caller, connect_service, open_pool
from native_platform.caller import CallerContext
from native_platform.rest.errors import ApiError
from native_platform.settings import StackSettings
from tests.functions.conftest import config_for, create_user


def set_role_timeout(dsn: str, role: str, value: str) -> None:
    dbname = dsn.rsplit("/", 1)[1]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'alter role {role} in database "{dbname}" set statement_timeout = {value}')


def test_dice_transactions_run_with_authenticated_limits(
    db_dsn: str, stack_settings: StackSettings
) -> None:
    """authenticated's 8 s, its own value once changed, 57014 past it, PGRST003 on a busy pool."""
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        user = create_user(conn)
    caller = CallerContext(
        "authenticated", {"role": "authenticated", "sub": str(user)}, "POST", "/rolls"
    )
    conninfo = stack_settings.authenticator_url(db_dsn.rsplit("/", 1)[1])

    async def shown(pool: AsyncConnectionPool) -> object:
        async with as_caller(pool, caller) as conn:
            row = await (await conn.execute("show statement_timeout")).fetchone()
        assert row is not None
        return row[0]

    async def scenario(pool: AsyncConnectionPool) -> None:
        assert await shown(pool) == "8s"
        set_role_timeout(db_dsn, "authenticated", "'300ms'")
        assert await shown(pool) == "300ms"
        with pytest.raises(ApiError) as slow:
            async with as_caller(pool, caller) as conn:
                await conn.execute("select pg_sleep(2)")
        assert (slow.value.status, slow.value.code) == (500, "57014")
        async with as_caller(pool, caller):
            with pytest.raises(ApiError) as busy:
                async with as_caller(pool, caller):
                    pass
        assert (busy.value.status, busy.value.body()) == (
            504,
            {
                "code": "PGRST003",
                "details": None,
                "hint": None,
                "message": "Timed out acquiring connection from connection pool.",
            },
        )

    async def main() -> None:
        pool = await open_pool(conninfo, "dice", max_size=1, timeout=0.3)
        try:
            await scenario(pool)
        finally:
            await pool.close()

    asyncio.run(main())


def test_content_function_sessions_have_a_time_limit(
    db_dsn: str, stack_settings: StackSettings
) -> None:
    """service_role has no limit of its own: the login role's 8 s holds; one set for service_role
    applies to new sessions and pooled connections alike."""
    config = config_for(stack_settings, db_dsn, f"t{uuid.uuid4().hex[:8]}_")
    with connect_service(config) as conn:
        assert conn.execute(
            "select current_user, current_setting('statement_timeout')"
        ).fetchone() == (
            "service_role",
            "8s",
        )
    set_role_timeout(db_dsn, "service_role", "'300ms'")
    with connect_service(config) as conn:
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("select pg_sleep(2)")

    async def pooled() -> object:
        pool = await open_pool(config.database_url.get_secret_value(), "cms", max_size=1)
        try:
            async with as_caller(pool, SERVICE) as conn:
                return await (await conn.execute("show statement_timeout")).fetchone()
        finally:
            await pool.close()

    assert asyncio.run(pooled()) == ("300ms",)
