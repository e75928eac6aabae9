"""FastAPI dependencies shared by the functions: the app's pool and the content settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from psycopg_pool import AsyncConnectionPool

from functions.common.config import ContentSettings, get_config

__all__ = ["ConfigDep", "PoolDep", "get_pool", "request_headers"]


def get_pool(request: Request) -> AsyncConnectionPool:
    """The pool the app opened in its lifespan (`functions.common.db.open_pool`)."""
    pool: AsyncConnectionPool = request.app.state.pool
    return pool


def request_headers(request: Request, hidden: frozenset[str]) -> dict[str, str]:
    """The headers the database sees as `request.headers` (PostgREST's), but `hidden` ones, and
    the client's address from the peer as `x-forwarded-for`."""
    headers = {k: v for k, v in request.headers.items() if k not in hidden}
    if request.client is not None:
        headers["x-forwarded-for"] = request.client.host
    return headers


ConfigDep = Annotated[ContentSettings, Depends(get_config)]
PoolDep = Annotated[AsyncConnectionPool, Depends(get_pool)]
