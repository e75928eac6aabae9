"""In-database configuration (issue 18, item 9): `pgrst.*` role settings of the authenticator
and `db-pre-config`, read at start and on `NOTIFY pgrst, 'reload config'`, overriding the
environment, through the official `postgrest` client.

Role settings here are per database (`alter role ... in database`): the test cluster is shared,
and dropping the database drops them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from postgrest import SyncPostgrestClient

from native_platform.settings import StackSettings
from tests.native_platform.rest.support import fixture_database, start_server, stop_server

FIXTURE = Path(__file__).with_name("fixture_rpc.sql")

PRE_CONFIG = """
create function public.pre_config() returns void
language sql as $$
    select pg_catalog.set_config('pgrst.db_max_rows', '3', true),
        pg_catalog.set_config('pgrst.db_tx_end', 'rollback', true)
$$;
"""


@pytest.fixture
def config_dsn(pg_server: Any) -> Iterator[str]:
    with fixture_database(pg_server, "rfl_dbconf", FIXTURE) as dsn:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(PRE_CONFIG)
        yield dsn


def role_set(dsn: str, key: str, value: str) -> None:
    dbname = dsn.rsplit("/", 1)[1]
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("alter role authenticator in database {} set {} = {}").format(
                psycopg.sql.Identifier(dbname),
                psycopg.sql.Identifier(f"pgrst.{key}"),
                psycopg.sql.Literal(value),
            )
        )


def notify(dsn: str, payload: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("select pg_notify('pgrst', %s)", (payload,))


def ids(url: str) -> list[int]:
    with SyncPostgrestClient(url) as client:
        res: Any = client.from_("projects").select("id").order("id").execute()
        return [row["id"] for row in res.data]


def test_role_settings_override_the_environment(
    config_dsn: str, stack_settings: StackSettings
) -> None:
    role_set(config_dsn, "db_aggregates_enabled", "true")
    role_set(config_dsn, "db_plan_enabled", "true")
    server = start_server(
        config_dsn,
        stack_settings,
        {"PGRST_DB_SCHEMAS": "public", "PGRST_DB_AGGREGATES_ENABLED": "false"},
    )
    try:
        with SyncPostgrestClient(server.url) as client:
            res: Any = client.from_("projects").select("count()").execute()
            assert res.data == [{"count": 5}]
        plan = httpx.get(server.url + "/projects", headers={"Accept": "application/vnd.pgrst.plan"})
        assert plan.status_code == 200
        assert ids(server.url) == [1, 2, 3, 4, 5]
        role_set(config_dsn, "db_max_rows", "2")
        notify(config_dsn, "reload config")
        deadline = time.monotonic() + 10
        while ids(server.url) != [1, 2] and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ids(server.url) == [1, 2]
    finally:
        stop_server(server)


def test_pre_config_under_role_settings(config_dsn: str, stack_settings: StackSettings) -> None:
    """The pre-config function's values apply unless a role setting says otherwise."""
    role_set(config_dsn, "db_max_rows", "4")
    server = start_server(
        config_dsn,
        stack_settings,
        {"PGRST_DB_SCHEMAS": "public", "PGRST_DB_PRE_CONFIG": "public.pre_config"},
    )
    try:
        assert ids(server.url) == [1, 2, 3, 4]
        res = httpx.post(server.url + "/projects", json={"id": 9, "name": "Kept?"})
        assert res.status_code == 201
        assert ids(server.url) == [1, 2, 3, 4]
        with psycopg.connect(config_dsn) as conn:
            assert conn.execute("select count(*) from public.projects").fetchone() == (5,)
    finally:
        stop_server(server)


def test_db_config_off_ignores_the_database(config_dsn: str, stack_settings: StackSettings) -> None:
    role_set(config_dsn, "db_max_rows", "1")
    server = start_server(
        config_dsn, stack_settings, {"PGRST_DB_SCHEMAS": "public", "PGRST_DB_CONFIG": "false"}
    )
    try:
        assert ids(server.url) == [1, 2, 3, 4, 5]
    finally:
        stop_server(server)
