"""Verification of the JWTs that open sockets and authorize channels."""

from __future__ import annotations

import time
from typing import Any

import jwt

from native_platform.caller import API_ROLES, TokenProblem, TokenRejected, stack_verifier

__all__ = ["API_ROLES", "TokenError", "expires_in", "verify_token"]


class TokenError(Exception):
    """The token cannot be used; the message is the one Supabase Realtime reports."""


def verify_token(token: str | None, secret: str) -> dict[str, Any]:
    """The claims of a token the stack's one verifier accepts; refusals worded as Supabase
    Realtime words them."""
    if not token:
        raise TokenError("API key is missing")
    try:
        claims = stack_verifier(secret).verify(token).claims
    except TokenRejected as rejected:
        if rejected.problem is TokenProblem.EXPIRED:
            raise TokenError(_expired_message(token)) from None
        raise TokenError(_MESSAGES.get(rejected.problem, rejected.message)) from None
    # Realtime allows no leeway past `exp`, as upstream.
    overdue = time.time() - float(claims["exp"])
    if overdue >= 0:
        raise TokenError(f"Token has expired {int(overdue)} seconds ago")
    return claims


def _expired_message(token: str) -> str:
    """Upstream's wording, with how long ago the (signature-checked) token expired."""
    expired_at = jwt.decode(token, options={"verify_signature": False}).get("exp", time.time())
    return f"Token has expired {int(time.time() - float(expired_at))} seconds ago"


_MESSAGES = {
    TokenProblem.BAD_SIGNATURE: "Failed to validate JWT signature",
    TokenProblem.MALFORMED: "The token provided is not a valid JWT",
    TokenProblem.MISSING_CLAIM: "Fields `role` and `exp` are required in JWT",
    TokenProblem.UNKNOWN_ROLE: "The token provided is not a valid JWT",
}


def expires_in(claims: dict[str, Any]) -> float:
    """Seconds until the token's `exp` (negative once expired)."""
    return float(claims["exp"]) - time.time()
