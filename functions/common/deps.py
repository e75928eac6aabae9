"""FastAPI dependencies shared by the content functions: configuration and the DB pool."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from psycopg_pool import ConnectionPool

from functions.common.config import FunctionsConfig, get_config

__all__ = ["ConfigDep", "PoolDep"]


def get_pool(request: Request) -> ConnectionPool:
    pool: ConnectionPool = request.app.state.pool
    return pool


ConfigDep = Annotated[FunctionsConfig, Depends(get_config)]
PoolDep = Annotated[ConnectionPool, Depends(get_pool)]
