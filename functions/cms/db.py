"""The CMS webhook's sessions: service_role connections from a synchronous pool.

The writers are synchronous because the bulk importer (a seed step, run outside any event loop)
shares them; the webhook runs them in a worker thread. Every other function uses the async
pattern of `functions.common.db`.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import tuple_row
from psycopg_pool import ConnectionPool

from functions.common.config import ContentSettings
from functions.common.db import POOL_TIMEOUT_SECONDS, SWITCH_TO_SERVICE_ROLE
from native_platform.observability.metrics import register_pool

__all__ = ["open_service_pool"]


def _switch_to_service_role(conn: psycopg.Connection[Any]) -> None:
    conn.execute(SWITCH_TO_SERVICE_ROLE)


def open_service_pool(config: ContentSettings, max_size: int = 4) -> ConnectionPool:
    """A pool of service-role connections (with that role's settings) for the app's lifespan."""
    pool = ConnectionPool(
        config.database_url.get_secret_value(),
        min_size=1,
        max_size=max_size,
        timeout=POOL_TIMEOUT_SECONDS,
        kwargs={"autocommit": True, "row_factory": tuple_row},
        configure=_switch_to_service_role,
        open=False,
    )
    register_pool("cms", pool)
    pool.open(wait=True, timeout=10)
    return pool
