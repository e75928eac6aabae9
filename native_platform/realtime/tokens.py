"""Verification of the JWTs that open sockets and authorize channels."""

from __future__ import annotations

import time
from typing import Any

import jwt

__all__ = ["API_ROLES", "TokenError", "expires_in", "verify_token"]

API_ROLES = frozenset({"anon", "authenticated", "service_role"})
ALGORITHMS = ["HS256", "HS384", "HS512"]


class TokenError(Exception):
    """The token cannot be used; the message is the one Supabase Realtime reports."""


def verify_token(token: str | None, secret: str) -> dict[str, Any]:
    """The claims of a valid, unexpired token carrying `role` and `exp`."""
    if not token:
        raise TokenError("API key is missing")
    try:
        claims: dict[str, Any] = jwt.decode(
            token, secret, algorithms=ALGORITHMS, options={"verify_aud": False, "verify_exp": False}
        )
    except jwt.InvalidSignatureError:
        raise TokenError("Failed to validate JWT signature") from None
    except jwt.PyJWTError:
        raise TokenError("The token provided is not a valid JWT") from None
    if not isinstance(claims.get("role"), str) or not isinstance(claims.get("exp"), int | float):
        raise TokenError("Fields `role` and `exp` are required in JWT")
    if claims["role"] not in API_ROLES:
        raise TokenError("The token provided is not a valid JWT")
    overdue = time.time() - float(claims["exp"])
    if overdue >= 0:
        raise TokenError(f"Token has expired {int(overdue)} seconds ago")
    return claims


def expires_in(claims: dict[str, Any]) -> float:
    """Seconds until the token's `exp` (negative once expired)."""
    return float(claims["exp"]) - time.time()
