"""FastAPI dependencies of the dice service: settings, the pool and the verified caller."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request

from functions.common.deps import PoolDep, request_headers
from functions.dice.auth import verify_user_token
from functions.dice.config import DiceSettings, get_settings
from native_platform.caller import CallerContext

__all__ = ["CallerDep", "ClaimsDep", "DbDep", "SettingsDep"]

_HIDDEN_HEADERS = frozenset({"cookie"})


SettingsDep = Annotated[DiceSettings, Depends(get_settings)]
DbDep = PoolDep


def get_claims(
    settings: SettingsDep,
    authorization: Annotated[str | None, Header(description="Bearer <user access token>")] = None,
) -> dict[str, Any]:
    return verify_user_token(authorization, settings.jwt_secret.get_secret_value())


ClaimsDep = Annotated[dict[str, Any], Depends(get_claims)]


def get_caller(request: Request, claims: ClaimsDep) -> CallerContext:
    """The caller and the request headers the database sees (client address from the peer)."""
    headers = request_headers(request, _HIDDEN_HEADERS)
    return CallerContext("authenticated", claims, request.method, request.url.path, headers)


CallerDep = Annotated[CallerContext, Depends(get_caller)]
