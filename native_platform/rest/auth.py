"""Bearer JWT verification (HS256 with the configured secret) and the role it selects."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import jwt

from native_platform.rest.errors import ApiError
from native_platform.rest.settings import RestSettings

__all__ = ["Identity", "authenticate"]

_LEEWAY = 30
_CACHE_SIZE = 4096
_VERIFIED: OrderedDict[tuple[str | None, ...], tuple[Identity, float | None]] = OrderedDict()


@dataclass(frozen=True)
class Identity:
    role: str
    claims: dict[str, Any]
    anonymous: bool


def _unauthorized(code: str, message: str) -> ApiError:
    header = f'Bearer error="invalid_token", error_description="{message}"'
    return ApiError(401, code, message, None, None, {"WWW-Authenticate": header})


def authenticate(authorization: str | None, settings: RestSettings) -> Identity:
    """The identity of a request from its `Authorization` header.

    Verified tokens are remembered (LRU, keyed by the token and the settings that judged it);
    a remembered token is only re-checked for expiry, with PyJWT's rule and leeway.
    """
    token = _bearer(authorization)
    if token is None:
        if settings.db_anon_role is None:
            raise _unauthorized("PGRST302", "Anonymous access is disabled")
        return Identity(settings.db_anon_role, {"role": settings.db_anon_role}, True)
    key = (
        token,
        settings.jwt_secret.get_secret_value() if settings.jwt_secret else None,
        settings.jwt_aud,
        settings.jwt_role_claim_key,
        settings.db_anon_role,
    )
    found = _VERIFIED.get(key)
    if found is None:
        found = _verify(token, settings)
        _VERIFIED[key] = found
        if len(_VERIFIED) > _CACHE_SIZE:
            _VERIFIED.popitem(last=False)
    else:
        _VERIFIED.move_to_end(key)
    identity, expires = found
    if expires is not None and expires <= time.time() - _LEEWAY:
        _VERIFIED.pop(key, None)
        raise _unauthorized("PGRST303", "JWT expired")
    return identity


def _verify(token: str, settings: RestSettings) -> tuple[Identity, float | None]:
    claims = _decode(token, settings)
    role = _role(claims, settings)
    if role is None:
        if settings.db_anon_role is None:
            raise _unauthorized("PGRST302", "Anonymous access is disabled")
        role = settings.db_anon_role
    identity = Identity(role, {**claims, "role": role}, role == settings.db_anon_role)
    expires = claims.get("exp")
    return identity, float(expires) if isinstance(expires, int | float) else None


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


def _decode(token: str, settings: RestSettings) -> dict[str, Any]:
    if settings.jwt_secret is None:
        raise ApiError(500, "PGRST300", "Server lacks JWT secret", None, None)
    parts = token.count(".") + 1
    if parts != 3:
        raise _unauthorized("PGRST301", f"Expected 3 parts in JWT; got {parts}")
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=["HS256"],
            leeway=_LEEWAY,
            options={"verify_aud": False},
        )
    except jwt.ExpiredSignatureError as error:
        raise _unauthorized("PGRST303", "JWT expired") from error
    except jwt.ImmatureSignatureError as error:
        raise _unauthorized("PGRST303", "JWT not yet valid") from error
    except jwt.InvalidIssuedAtError as error:
        raise _unauthorized("PGRST303", "JWT issued at future") from error
    except (jwt.DecodeError, jwt.InvalidAlgorithmError) as error:
        raise _unauthorized("PGRST301", "JWT cryptographic operation failed") from error
    except jwt.InvalidTokenError as error:
        raise _unauthorized("PGRST303", str(error) or "Invalid JWT claims") from error
    if not isinstance(claims, dict):
        raise _unauthorized("PGRST301", "JWT cryptographic operation failed")
    if settings.jwt_aud is not None and not _audience_ok(claims.get("aud"), settings.jwt_aud):
        raise _unauthorized("PGRST303", "JWT not in audience")
    return claims


def _audience_ok(audience: Any, expected: str) -> bool:
    """A missing, null or empty `aud` passes, as in PostgREST."""
    if audience in (None, [], ""):
        return True
    if isinstance(audience, str):
        return audience == expected
    return isinstance(audience, list) and expected in audience


def _role(claims: dict[str, Any], settings: RestSettings) -> str | None:
    value: Any = claims
    for part in settings.role_claim_path:
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value if isinstance(value, str) and value else None
