"""Verify the caller's bearer token the way the REST server does (HS256, audience authenticated)."""

from __future__ import annotations

from typing import Any

import jwt

from native_platform.rest.errors import ApiError

__all__ = ["verify_user_token"]

_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, None, None, _CHALLENGE)


def verify_user_token(authorization: str | None, secret: str) -> dict[str, Any]:
    """Claims of a signed-in user's valid token; anything else (none, anon, expired) is a 401."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("PGRST302", "A signed-in user's Bearer token is required")
    try:
        claims: dict[str, Any] = jwt.decode(
            token.strip(),
            secret,
            algorithms=["HS256"],
            audience="authenticated",
            options={"require": ["exp", "sub", "role", "aud"]},
        )
    except jwt.PyJWTError as error:
        raise _unauthorized("PGRST301", f"Invalid token: {error}") from None
    if claims["role"] != "authenticated":
        raise _unauthorized("PGRST303", "Rolling dice needs a signed-in user, not an API key")
    return claims
