"""Realtime servers (uvicorn threads on free ports) over a module database with fixture tables."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from pydantic import SecretStr

from native_platform.realtime import RealtimeSettings
from native_platform.settings import StackSettings
from tests.native_platform.realtime.support import FIXTURE_SQL, Inbox, RealtimeEnv, Server


def wait_for_released_slots(dsn: str, timeout: float = 10.0) -> None:
    """A stopped node's backend drops its temporary slot only as it exits, which may be just
    after the node closed the connection; the database cannot be dropped before that."""
    deadline = time.monotonic() + timeout
    with psycopg.connect(dsn, autocommit=True) as conn:
        while time.monotonic() < deadline:
            active = conn.execute(
                "select count(*) from pg_catalog.pg_replication_slots "
                "where database = current_database() and active"
            ).fetchone()
            if not active or not active[0]:
                return
            time.sleep(0.05)


@pytest.fixture(scope="module")
def realtime_env(
    pg_server: Any, migrated_template: str, stack_settings: StackSettings
) -> Iterator[RealtimeEnv]:
    name = f"rfl_rt_{uuid.uuid4().hex[:10]}"
    with pg_server.janitor(name, template_dbname=migrated_template):
        dsn = pg_server.dsn(name)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(FIXTURE_SQL)
        password = stack_settings.authenticator_password.get_secret_value()
        settings = RealtimeSettings(
            database_url=SecretStr(pg_server.dsn(name, user="authenticator", password=password)),
            replication_database_url=SecretStr(dsn),
            jwt_secret=stack_settings.jwt_secret,
            max_events_per_second=50,
            max_channels_per_client=10,
            max_payload_bytes=64 * 1024,
            node_sweep_seconds=0.5,
        )
        yield RealtimeEnv(dsn, stack_settings.jwt_secret.get_secret_value(), settings)
        wait_for_released_slots(dsn)


@pytest.fixture(scope="module")
def server(realtime_env: RealtimeEnv) -> Iterator[Server]:
    node = Server(realtime_env.settings).start()
    yield node
    node.stop()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def inbox() -> Callable[[], Inbox]:
    return Inbox
