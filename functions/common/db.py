"""Database sessions of the content functions: a login role switched to `service_role`."""

from __future__ import annotations

import psycopg
from psycopg.rows import tuple_row
from psycopg_pool import ConnectionPool

from functions.common.config import FunctionsConfig

__all__ = ["connect_service", "open_service_pool"]


def connect_service(config: FunctionsConfig, autocommit: bool = True) -> psycopg.Connection:
    """Open a connection acting as the privileged server role (RLS bypassed, minimal grants)."""
    conn = psycopg.connect(
        config.database_url.get_secret_value(), autocommit=autocommit, row_factory=tuple_row
    )
    conn.execute("set role service_role")
    return conn


def open_service_pool(config: FunctionsConfig, max_size: int = 4) -> ConnectionPool:
    """A pool of service-role connections for a function app's lifespan."""

    def configure(conn: psycopg.Connection) -> None:
        conn.execute("set role service_role")

    pool = ConnectionPool(
        config.database_url.get_secret_value(),
        min_size=1,
        max_size=max_size,
        kwargs={"autocommit": True, "row_factory": tuple_row},
        configure=configure,
        open=False,
    )
    pool.open(wait=True, timeout=10)
    return pool
