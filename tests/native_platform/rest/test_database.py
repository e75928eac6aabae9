"""Schema-cache reloads on NOTIFY and recovery after the database drops our connections."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from native_platform.settings import StackSettings
from tests.native_platform.rest.support import RestServer, start_server, stop_server


@pytest.fixture
def lone(empty_db_dsn: str, stack_settings: StackSettings) -> Iterator[RestServer]:
    with psycopg.connect(empty_db_dsn, autocommit=True) as conn:
        conn.execute(
            "create schema extra; create table public.first (id integer primary key);"
            "grant select on public.first to anon"
        )
    server = start_server(empty_db_dsn, stack_settings)
    yield server
    stop_server(server)


def wait_for(url: str, status: int) -> list[int]:
    seen = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        res = httpx.get(url)
        seen.append(res.status_code)
        if res.status_code >= 500:
            assert res.json()["code"].startswith("PGRST")
        if res.status_code == status:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"never saw {status}: {seen[-5:]}")


def test_notify_reloads_schema_cache(lone: RestServer) -> None:
    """A table created later is served after NOTIFY pgrst, 'reload schema'."""
    assert httpx.get(lone.url + "/second").json()["code"] == "PGRST205"
    with psycopg.connect(lone.dsn, autocommit=True) as conn:
        conn.execute(
            "create table public.second (id integer primary key);"
            "grant select on public.second to anon;"
            "notify pgrst, 'reload schema'"
        )
    wait_for(lone.url + "/second", 200)


def test_recovers_after_connections_are_killed(lone: RestServer) -> None:
    """After its connections are terminated the server answers 503 PGRST0xx, then serves again."""
    assert httpx.get(lone.url + "/first").status_code == 200
    with psycopg.connect(lone.dsn, autocommit=True) as conn:
        conn.execute(
            "select pg_terminate_backend(pid) from pg_stat_activity "
            "where datname = current_database() and usename = 'authenticator'"
        )
    seen = wait_for(lone.url + "/first", 200)
    assert all(code in (200, 503) for code in seen)
