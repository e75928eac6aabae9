"""The one JWT verifier: every rule, and the hostile tokens each protocol must refuse alike."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jwt
import pytest

from native_platform.caller import (
    CallerContext,
    JwtVerifier,
    TokenProblem,
    TokenRejected,
    VerifiedToken,
    bearer_token,
    caller_context_sql,
)
from tests.helpers.tokens import unsigned_token

SECRET = "s" * 64


def token(claims: dict[str, Any], secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def user(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "00000000-0000-0000-0000-000000000001",
        "role": "authenticated",
        "aud": "authenticated",
        "exp": now + 600,
        "iat": now,
        "session_id": "00000000-0000-0000-0000-0000000000aa",
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def test_a_user_token_is_accepted() -> None:
    verified = JwtVerifier(SECRET).verify(token(user()))
    assert verified.role == "authenticated"
    assert verified.user_id == "00000000-0000-0000-0000-000000000001"
    assert verified.session_id == "00000000-0000-0000-0000-0000000000aa"
    assert 500 < verified.expires_in() <= 600


def test_an_api_key_without_audience_is_accepted() -> None:
    assert (
        JwtVerifier(SECRET).verify(token({"role": "anon", "exp": int(time.time()) + 60})).role
        == "anon"
    )


def hostile_tokens() -> dict[str, tuple[str, TokenProblem]]:
    """Built when a test runs, so no token ages between import and use."""
    now = int(time.time())
    return {
        "alg none": (
            unsigned_token(user(role="service_role")),
            TokenProblem.BAD_SIGNATURE,
        ),
        "wrong secret": (token(user(), "w" * 64), TokenProblem.BAD_SIGNATURE),
        "another algorithm": (token(user(), algorithm="HS512"), TokenProblem.BAD_SIGNATURE),
        "expired": (token(user(exp=now - 120)), TokenProblem.EXPIRED),
        "nbf in the future": (token(user(nbf=now + 600)), TokenProblem.NOT_YET_VALID),
        "iat in the future": (token(user(iat=now + 600)), TokenProblem.ISSUED_IN_FUTURE),
        "wrong aud": (token(user(aud="someone-else")), TokenProblem.WRONG_AUDIENCE),
        "missing role": (token(user(role=None)), TokenProblem.MISSING_CLAIM),
        "unknown role": (token(user(role="postgres")), TokenProblem.UNKNOWN_ROLE),
        "no exp": (token(user(exp=None)), TokenProblem.MISSING_CLAIM),
        "garbage": ("not-a-jwt", TokenProblem.MALFORMED),
        "three garbage parts": ("a.b.c", TokenProblem.MALFORMED),
    }


@pytest.mark.parametrize("kind", sorted(hostile_tokens()))
def test_hostile_tokens_are_refused_with_their_reason(kind: str) -> None:
    hostile, problem = hostile_tokens()[kind]
    with pytest.raises(TokenRejected) as raised:
        JwtVerifier(SECRET).verify(hostile)
    assert raised.value.problem is problem


def test_a_remembered_token_still_expires() -> None:
    verifier = JwtVerifier(SECRET)
    now = int(time.time())
    short = token(user(exp=now - 20))  # within the leeway: accepted, and remembered
    verifier.verify(short)
    # Time passes: the remembered token is now past the leeway.
    verifier._verified[short] = VerifiedToken("authenticated", user(), now - 31.0)  # noqa: SLF001
    with pytest.raises(TokenRejected) as raised:
        verifier.verify(short)
    assert raised.value.problem is TokenProblem.EXPIRED


def test_missing_token_and_bearer_parsing() -> None:
    with pytest.raises(TokenRejected) as raised:
        JwtVerifier(SECRET).verify(None)
    assert raised.value.problem is TokenProblem.MISSING
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("bearer  abc ") == "abc"
    assert bearer_token("Basic abc") is None
    assert bearer_token("Bearer ") is None
    assert bearer_token(None) is None


def test_a_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="32"):
        JwtVerifier("short")


def test_caller_context_parameters() -> None:
    verified = JwtVerifier(SECRET).verify(token(user()))
    params = CallerContext.of(verified, "GET", "/rolls", {"x-forwarded-for": "1.2.3.4"}).params()
    assert params["role"] == "authenticated"
    assert '"sub":"00000000-0000-0000-0000-000000000001"' in params["claims"]
    assert params["headers"] == '{"x-forwarded-for":"1.2.3.4"}'


def test_caller_context_sql_adds_a_surface_s_own_settings() -> None:
    """Extras come after PostgREST's five settings; names are checked before they reach SQL."""
    statement = caller_context_sql("search_path", "request.cookies", positional=True)
    assert statement.count("%s") == 7
    assert statement.index("'role'") < statement.index("'search_path'")
    with pytest.raises(ValueError, match="setting name"):
        caller_context_sql("x', 'y")


def test_only_the_caller_module_composes_the_caller_context() -> None:
    """One way to act as the caller: no other module sets `request.jwt.claims` itself."""
    root = Path(__file__).resolve().parents[2]
    composing = {
        str(path.relative_to(root))
        for package in ("native_platform", "functions")
        for path in (root / package).rglob("*.py")
        if "'request.jwt.claims'" in path.read_text()
    }
    assert composing == set()
    assert "request.jwt.claims" in caller_context_sql()
