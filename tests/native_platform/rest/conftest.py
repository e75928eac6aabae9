"""A fixture database and a running REST server (`python -m native_platform.rest`) over it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from native_platform.settings import StackSettings
from tests.native_platform.rest.support import RestServer, load_fixture, start_server, stop_server


@pytest.fixture(scope="session")
def rest_dsn(pg_server: Any) -> Iterator[str]:
    """A database holding the fixture schema, shared by the read-mostly tests."""
    name = f"rfl_rest_{uuid.uuid4().hex[:12]}"
    with pg_server.janitor(name):
        dsn = pg_server.dsn(name)
        load_fixture(dsn)
        yield dsn


@pytest.fixture(scope="session")
def rest(rest_dsn: str, stack_settings: StackSettings) -> Iterator[RestServer]:
    # db-tx-end as the stack sets it (config.toml [api]): `Prefer: tx=rollback` is honoured.
    server = start_server(rest_dsn, stack_settings, {"PGRST_DB_TX_END": "commit-allow-override"})
    yield server
    stop_server(server)
