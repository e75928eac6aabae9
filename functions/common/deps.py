"""FastAPI dependencies shared by the functions: the app's pool and the content settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from psycopg_pool import AsyncConnectionPool

from functions.common.config import ContentSettings, get_config

__all__ = ["ConfigDep", "PoolDep", "get_pool"]


def get_pool(request: Request) -> AsyncConnectionPool:
    """The pool the app opened in its lifespan (`functions.common.db.open_pool`)."""
    pool: AsyncConnectionPool = request.app.state.pool
    return pool


ConfigDep = Annotated[ContentSettings, Depends(get_config)]
PoolDep = Annotated[AsyncConnectionPool, Depends(get_pool)]
