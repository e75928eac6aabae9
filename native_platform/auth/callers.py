"""Who is calling: the verified bearer token's role and claims, as GoTrue checks them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from native_platform.auth.errors import AuthError
from native_platform.caller import TokenProblem, TokenRejected, stack_verifier

__all__ = ["ANON", "SERVICE", "Caller", "require_admin", "require_user"]

UUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
ADMIN_ROLES = frozenset({"service_role", "supabase_admin"})


@dataclass(frozen=True)
class Caller:
    """The database role a request runs as and the claims PostgREST-style GUCs expose."""

    role: str
    claims: dict[str, Any] = field(default_factory=dict)


ANON = Caller("anon", {"role": "anon"})
# The auth server itself, for what only it may do (issue the email flows' tokens it mails).
SERVICE = Caller("service_role", {"role": "service_role"})


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError(401, "no_authorization", "This endpoint requires a valid Bearer token")
    return token.strip()


def verified_claims(token: str, secret: str) -> dict[str, Any]:
    """Claims of a token the stack's one verifier accepts; refusals in GoTrue's words."""
    try:
        return stack_verifier(secret).verify(token).claims
    except TokenRejected as rejected:
        if rejected.problem is TokenProblem.EXPIRED:
            raise AuthError(403, "bad_jwt", "invalid JWT: token is expired") from None
        if rejected.problem is TokenProblem.UNKNOWN_ROLE:
            raise AuthError(403, "bad_jwt", "invalid JWT: unknown role claim") from None
        raise AuthError(
            403, "bad_jwt", f"invalid JWT: unable to parse or verify signature, {rejected.message}"
        ) from None


def require_user(request: Request, secret: str) -> Caller:
    """A signed-in user's token: audience `authenticated`, a uuid `sub`, an expiry."""
    claims = verified_claims(bearer_token(request), secret)
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if (
        claims.get("role") != "authenticated"
        or "authenticated" not in audiences
        or not UUID.match(str(claims.get("sub", "")))
        or not isinstance(claims.get("exp"), int | float)
    ):
        raise AuthError(403, "bad_jwt", "invalid claim: missing sub claim")
    return Caller("authenticated", claims)


def require_admin(request: Request, secret: str) -> Caller:
    """A service-role token (GoTrue's JWT admin roles)."""
    claims = verified_claims(bearer_token(request), secret)
    if claims.get("role") not in ADMIN_ROLES:
        raise AuthError(403, "not_admin", "User not allowed")
    return Caller("service_role", claims)
