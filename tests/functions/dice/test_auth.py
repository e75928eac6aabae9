"""Bearer token verification of the dice service."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest

from functions.dice.auth import verify_user_token
from native_platform.rest.errors import ApiError

SECRET = "s" * 40


def bearer(secret: str = SECRET, **claims: Any) -> str:
    payload = {
        "sub": "00000000-0000-4000-8000-000000000001",
        "role": "authenticated",
        "aud": "authenticated",
        "exp": int(time.time()) + 60,
    } | claims
    return "Bearer " + jwt.encode(payload, secret, algorithm="HS256")


def test_verify_user_token_returns_the_claims() -> None:
    """A signed-in user's HS256 token yields its claims."""
    assert verify_user_token(bearer(session_id="x"), SECRET)["session_id"] == "x"


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer ",
        "Token abc",
        bearer(secret="t" * 40),
        bearer(exp=int(time.time()) - 120),  # beyond the 30 s leeway
        bearer(aud="other"),
        bearer(role="anon"),
        bearer(role="service_role"),
    ],
    ids=["none", "empty", "scheme", "secret", "expired", "audience", "anon", "service"],
)
def test_verify_user_token_refuses_anything_else(authorization: str | None) -> None:
    """Missing, forged, expired, foreign-audience and non-user tokens are 401s."""
    with pytest.raises(ApiError) as raised:
        verify_user_token(authorization, SECRET)
    assert raised.value.status == 401
    assert raised.value.headers == {"WWW-Authenticate": "Bearer"}
