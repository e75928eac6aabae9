"""The caller of a dice route: a signed-in user's token, judged by the stack's one verifier."""

from __future__ import annotations

from typing import Any

from functions.common.errors import ApiError
from native_platform.caller import TokenProblem, TokenRejected, bearer_token, stack_verifier

__all__ = ["verify_user_token"]

_CHALLENGE = {"WWW-Authenticate": "Bearer"}
_CRYPTO = frozenset({TokenProblem.MALFORMED, TokenProblem.BAD_SIGNATURE})


def _unauthorized(code: str, message: str) -> ApiError:
    return ApiError(401, code, message, None, None, _CHALLENGE)


def verify_user_token(authorization: str | None, secret: str) -> dict[str, Any]:
    """Claims of a signed-in user's valid token; anything else (none, anon, expired) is a 401.

    A revoked session is refused by the database (`app_private.check_request()`), which every
    route that reads the database runs first."""
    token = bearer_token(authorization)
    if token is None:
        raise _unauthorized("PGRST302", "A signed-in user's Bearer token is required")
    try:
        verified = stack_verifier(secret).verify(token)
    except TokenRejected as rejected:
        code = "PGRST301" if rejected.problem in _CRYPTO else "PGRST303"
        raise _unauthorized(code, f"Invalid token: {rejected.message}") from None
    if verified.role != "authenticated" or verified.user_id is None:
        raise _unauthorized("PGRST303", "Rolling dice needs a signed-in user, not an API key")
    return verified.claims
