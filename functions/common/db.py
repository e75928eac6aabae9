"""Database sessions of the content functions: a login role switched to `service_role`."""

from __future__ import annotations

import psycopg
from psycopg.rows import tuple_row
from psycopg_pool import ConnectionPool

from functions.common.config import FunctionsConfig
from native_platform.observability.metrics import register_pool

__all__ = ["connect_service", "open_service_pool"]


# `set role` applies none of the role's settings: apply service_role's own for the session (as
# PostgREST does per request). It has no statement_timeout of its own by default, so the login
# role's (authenticator, 8 s) stays in force; `alter role service_role set ...` changes it.
SWITCH_TO_SERVICE_ROLE = (
    "set role service_role; select app_private.apply_role_settings('service_role', false)"
)
# How long a function's request waits for a pooled connection (PostgREST's default).
POOL_TIMEOUT_SECONDS = 10.0


def switch_to_service_role(conn: psycopg.Connection) -> None:
    """Act as service_role for the rest of the session, with that role's settings."""
    if conn.autocommit:
        conn.execute(SWITCH_TO_SERVICE_ROLE)
    else:
        with conn.transaction():
            conn.execute(SWITCH_TO_SERVICE_ROLE)


def connect_service(config: FunctionsConfig, autocommit: bool = True) -> psycopg.Connection:
    """Open a connection acting as the privileged server role (RLS bypassed, minimal grants)."""
    conn = psycopg.connect(
        config.database_url.get_secret_value(), autocommit=autocommit, row_factory=tuple_row
    )
    switch_to_service_role(conn)
    return conn


def open_service_pool(config: FunctionsConfig, max_size: int = 4) -> ConnectionPool:
    """A pool of service-role connections for a function app's lifespan."""
    pool = ConnectionPool(
        config.database_url.get_secret_value(),
        min_size=1,
        max_size=max_size,
        timeout=POOL_TIMEOUT_SECONDS,
        kwargs={"autocommit": True, "row_factory": tuple_row},
        configure=switch_to_service_role,
        open=False,
    )
    register_pool("functions", pool)
    pool.open(wait=True, timeout=10)
    return pool
