"""FastAPI dependencies of the dice service: settings, the pool and the verified caller."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request
from psycopg_pool import AsyncConnectionPool

from functions.dice.auth import verify_user_token
from functions.dice.config import get_settings
from functions.dice.db import Caller
from native_platform.settings import StackSettings

__all__ = ["CallerDep", "ClaimsDep", "DbDep", "SettingsDep"]

_HIDDEN_HEADERS = frozenset({"cookie"})


def get_pool(request: Request) -> AsyncConnectionPool:
    pool: AsyncConnectionPool = request.app.state.pool
    return pool


SettingsDep = Annotated[StackSettings, Depends(get_settings)]
DbDep = Annotated[AsyncConnectionPool, Depends(get_pool)]


def get_claims(
    settings: SettingsDep,
    authorization: Annotated[str | None, Header(description="Bearer <user access token>")] = None,
) -> dict[str, Any]:
    return verify_user_token(authorization, settings.jwt_secret.get_secret_value())


ClaimsDep = Annotated[dict[str, Any], Depends(get_claims)]


def get_caller(request: Request, claims: ClaimsDep) -> Caller:
    """The caller and the request headers the database sees (client address from the peer)."""
    headers = {k: v for k, v in request.headers.items() if k not in _HIDDEN_HEADERS}
    if request.client is not None:
        headers["x-forwarded-for"] = request.client.host
    return Caller(claims, request.method, request.url.path, headers)


CallerDep = Annotated[Caller, Depends(get_caller)]
