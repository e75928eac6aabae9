"""The REST request's identity: its bearer JWT, judged by the stack's one verifier, and the
role it selects; refusals in PostgREST's words (PGRST301/302/303 + WWW-Authenticate)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from native_platform.caller import JwtVerifier, TokenProblem, TokenRejected, previous_jwt_secrets
from native_platform.rest.errors import ApiError
from native_platform.rest.settings import RestSettings
from native_platform.signing_keys import stack_issuer, stack_signing_keys

__all__ = ["Identity", "authenticate", "verifier_for"]


@dataclass(frozen=True)
class Identity:
    role: str
    claims: dict[str, Any]
    anonymous: bool


def _unauthorized(code: str, message: str) -> ApiError:
    header = f'Bearer error="invalid_token", error_description="{message}"'
    return ApiError(401, code, message, None, None, {"WWW-Authenticate": header})


def authenticate(authorization: str | None, settings: RestSettings) -> Identity:
    """The identity of a request from its `Authorization` header, judged by the stack's one
    verifier (`native_platform.caller`) configured from PostgREST's settings."""
    token = _bearer(authorization)
    if token is None:
        if settings.db_anon_role is None:
            raise _unauthorized("PGRST302", "Anonymous access is disabled")
        return Identity(settings.db_anon_role, {"role": settings.db_anon_role}, True)
    if settings.jwt_secret is None:
        raise ApiError(500, "PGRST300", "Server lacks JWT secret", None, None)
    try:
        verified = verifier_for(settings).verify(token)
    except TokenRejected as rejected:
        code = "PGRST301" if rejected.problem in _CRYPTO_PROBLEMS else "PGRST303"
        if rejected.problem is TokenProblem.MISSING_CLAIM and not settings.jwt_strict:
            raise _unauthorized("PGRST302", "Anonymous access is disabled") from None
        raise _unauthorized(code, rejected.message) from None
    role = verified.role
    return Identity(role, {**verified.claims, "role": role}, role == settings.db_anon_role)


_CRYPTO_PROBLEMS = frozenset({TokenProblem.MALFORMED, TokenProblem.BAD_SIGNATURE})


@functools.lru_cache(maxsize=16)
def _verifier(
    secret: str, audience: str | None, strict: bool, claim_path: tuple[str, ...], anon: str | None
) -> JwtVerifier:
    return JwtVerifier(
        secret,
        audience,
        strict=strict,
        role_claim_path=claim_path,
        anon_role=anon,
        previous_secrets=previous_jwt_secrets(),
        # The stack's asymmetric keys (ADR 0028); none for the REST server run alone.
        public_keys=stack_signing_keys().public,
        issuer=None if stack_signing_keys().empty else stack_issuer(),
    )


def verifier_for(settings: RestSettings) -> JwtVerifier:
    """One verifier (and its cache of verified tokens) per distinct configuration."""
    assert settings.jwt_secret is not None
    return _verifier(
        settings.jwt_secret.get_secret_value(),
        settings.jwt_aud,
        settings.jwt_strict,
        settings.role_claim_path,
        settings.db_anon_role,
    )


def _bearer(authorization: str | None) -> str | None:
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = token.strip()
    if not token:
        raise _unauthorized("PGRST301", "Empty JWT is sent in Authorization header")
    return token
