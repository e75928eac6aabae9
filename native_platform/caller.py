"""Who is calling: the one JWT verifier and the one way to act as the caller in Postgres.

Every protocol of the stack (REST, auth, realtime, edge functions) accepts the same tokens by
the same rules, then runs its statements as the caller exactly as PostgREST does: the token's
role, its claims in `request.jwt.claims`, and the request's method, path and headers, all
transaction-local. Each protocol maps a `TokenRejected` to its own error shape.

Rules (ADR 0010):
- HS256 with the stack's secret, or ES256/RS256 with one of the stack's public signing keys
  named by the token's `kid` (ADR 0028, native_platform/signing_keys.py); the key's own
  algorithm only, so `alg: none`, an HS/ES swap and every other algorithm are refused. An
  asymmetric token must carry the stack's `iss`; HS256 tokens (the legacy API keys, tokens of
  a stack without keys) are judged without it.
  While the secret is rotated, the previous one (`JWT_PREVIOUS_SECRET`, or the file named by
  `JWT_PREVIOUS_SECRET_FILE`, in the process environment) still verifies: a grace period of
  at most one token lifetime, docs/operations.md "Rotating secrets". Tokens are signed with
  the current secret only.
- `exp` is required; `exp`, `nbf` and `iat` are judged with a 30-second leeway.
- `aud`, when present, must name the configured audience (`authenticated`); the API keys
  carry no audience and are accepted.
- `role` is required and must be one of the API roles.
- A token naming a session (`session_id`) is only as good as that session: the database
  decides whether it was revoked (`revoked_session_sql` / the pre-request check).
"""

from __future__ import annotations

import enum
import functools
import os
import re
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import orjson

from native_platform.signing_keys import ASYMMETRIC_ALGORITHMS, stack_issuer, stack_signing_keys

__all__ = [
    "API_ROLES",
    "CALLER_CONTEXT_SQL",
    "CallerContext",
    "JwtVerifier",
    "TokenProblem",
    "TokenRejected",
    "VerifiedToken",
    "bearer_token",
    "caller_context_sql",
    "previous_jwt_secrets",
    "stack_verifier",
]

API_ROLES = frozenset({"anon", "authenticated", "service_role"})
LEEWAY_SECONDS = 30
CACHE_SIZE = 4096


class TokenProblem(enum.Enum):
    """Why a token was refused; each protocol words it in its own format."""

    MISSING = "missing"
    MALFORMED = "malformed"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    ISSUED_IN_FUTURE = "issued_in_future"
    WRONG_AUDIENCE = "wrong_audience"
    WRONG_ISSUER = "wrong_issuer"
    MISSING_CLAIM = "missing_claim"
    UNKNOWN_ROLE = "unknown_role"
    REVOKED_SESSION = "revoked_session"


class TokenRejected(Exception):
    """The token cannot be used; `problem` says why, the message says it in words."""

    def __init__(self, problem: TokenProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem
        self.message = message


@dataclass(frozen=True)
class VerifiedToken:
    """A token that passed every rule: its role, its claims, and when it expires."""

    role: str
    claims: dict[str, Any]
    expires_at: float | None  # None only for PostgREST's non-strict rules

    @property
    def session_id(self) -> str | None:
        value = self.claims.get("session_id")
        return value if isinstance(value, str) else None

    @property
    def user_id(self) -> str | None:
        value = self.claims.get("sub")
        return value if isinstance(value, str) else None

    def expires_in(self) -> float:
        return float("inf") if self.expires_at is None else self.expires_at - time.time()


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header; None when absent or another scheme."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def rejection(error: jwt.PyJWTError) -> TokenRejected:
    """PyJWT's verdict in our terms (PostgREST's wording)."""
    if isinstance(error, jwt.ExpiredSignatureError):
        return TokenRejected(TokenProblem.EXPIRED, "JWT expired")
    # PyJWT reports a future `iat` as immature too; PostgREST words it apart.
    if isinstance(error, jwt.InvalidIssuedAtError) or (
        isinstance(error, jwt.ImmatureSignatureError) and "(iat)" in str(error)
    ):
        return TokenRejected(TokenProblem.ISSUED_IN_FUTURE, "JWT issued at future")
    if isinstance(error, jwt.ImmatureSignatureError):
        return TokenRejected(TokenProblem.NOT_YET_VALID, "JWT not yet valid")
    if isinstance(error, jwt.MissingRequiredClaimError):
        return TokenRejected(TokenProblem.MISSING_CLAIM, f"JWT lacks `{error.claim}`")
    if isinstance(error, jwt.InvalidSignatureError | jwt.InvalidAlgorithmError):
        return TokenRejected(TokenProblem.BAD_SIGNATURE, "JWT cryptographic operation failed")
    return TokenRejected(TokenProblem.MALFORMED, "JWT cryptographic operation failed")


class JwtVerifier:
    """Verifies tokens; verified tokens are remembered (LRU), and a remembered one is only
    re-checked for expiry.

    `strict` (the stack's rules, every surface): `exp` and `role` required, roles limited to
    the API roles. Not strict is PostgREST's own behaviour, for the REST server run alone: no
    `exp` needed, the role read at `role_claim_path`, a token without one acting as `anon_role`.
    """

    def __init__(
        self,
        secret: str,
        audience: str | None = "authenticated",
        *,
        strict: bool = True,
        role_claim_path: tuple[str, ...] = ("role",),
        anon_role: str | None = None,
        previous_secrets: Sequence[str] = (),
        public_keys: Mapping[str, jwt.PyJWK] | None = None,
        issuer: str | None = None,
    ) -> None:
        if any(len(each) < 32 for each in (secret, *previous_secrets)):
            raise ValueError("the JWT secret must have at least 32 characters")
        self._secret = secret
        # Secrets that still verify (never sign) during a rotation's grace period.
        self._previous_secrets = tuple(previous_secrets)
        # Public signing keys by kid (ES256/RS256), and the `iss` their tokens must carry.
        self._public_keys = dict(public_keys or {})
        self._issuer = issuer
        self._audience = audience
        self._strict = strict
        self._role_claim_path = role_claim_path
        self._anon_role = anon_role
        self._verified: OrderedDict[str, VerifiedToken] = OrderedDict()

    def verify(self, token: str | None) -> VerifiedToken:
        if not token:
            raise TokenRejected(TokenProblem.MISSING, "No token was given")
        found = self._verified.get(token)
        if found is None:
            found = self._decode(token)
            self._verified[token] = found
            if len(self._verified) > CACHE_SIZE:
                self._verified.popitem(last=False)
        else:
            self._verified.move_to_end(token)
        if found.expires_at is not None and found.expires_at <= time.time() - LEEWAY_SECONDS:
            self._verified.pop(token, None)
            raise TokenRejected(TokenProblem.EXPIRED, "JWT expired")
        return found

    def _decode(self, token: str) -> VerifiedToken:
        claims = self._signed_claims(token)
        if not self._audience_ok(claims.get("aud")):
            raise TokenRejected(TokenProblem.WRONG_AUDIENCE, "JWT not in audience")
        role = self._role(claims)
        if role is None and not self._strict:
            role = self._anon_role
        if role is None:
            raise TokenRejected(TokenProblem.MISSING_CLAIM, "JWT lacks `role`")
        if self._strict and role not in API_ROLES:
            raise TokenRejected(TokenProblem.UNKNOWN_ROLE, f"role {role!r} is not an API role")
        expires = claims.get("exp")
        return VerifiedToken(role, claims, float(expires) if expires is not None else None)

    def _role(self, claims: dict[str, Any]) -> str | None:
        value: Any = claims
        for part in self._role_claim_path:
            if not isinstance(value, dict) or part not in value:
                return None
            value = value[part]
        return value if isinstance(value, str) and value else None

    def _signed_claims(self, token: str) -> dict[str, Any]:
        """The claims of a token signed with our secret and current by its time claims."""
        if token.count(".") != 2:
            raise TokenRejected(
                TokenProblem.MALFORMED, f"Expected 3 parts in JWT; got {token.count('.') + 1}"
            )
        required = ["exp"] if self._strict else []
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise rejection(error) from None
        algorithm = header.get("alg")
        claims: Any = None
        if algorithm in ASYMMETRIC_ALGORITHMS:
            claims = self._asymmetric_claims(token, header, required)
        else:
            claims = self._hs256_claims(token, required)
        if not isinstance(claims, dict):
            raise TokenRejected(TokenProblem.MALFORMED, "JWT claims are not an object")
        expires = claims.get("exp")
        if (self._strict or expires is not None) and not isinstance(expires, int | float):
            raise TokenRejected(TokenProblem.MISSING_CLAIM, "JWT lacks a numeric `exp`")
        return claims

    def _hs256_claims(self, token: str, required: list[str]) -> Any:
        """Claims of a token signed with the secret (or the previous one, during its grace)."""
        secrets = (self._secret, *self._previous_secrets)
        for index, secret in enumerate(secrets):
            try:
                return jwt.decode(
                    token,
                    secret,
                    algorithms=["HS256"],
                    leeway=LEEWAY_SECONDS,
                    options={"verify_aud": False, "require": required},
                )
            except jwt.InvalidSignatureError as error:
                if index == len(secrets) - 1:
                    raise rejection(error) from None
            except jwt.PyJWTError as error:
                raise rejection(error) from None
        return None

    def _asymmetric_claims(self, token: str, header: dict[str, Any], required: list[str]) -> Any:
        """Claims of a token signed by the key its `kid` names, in that key's algorithm, issued
        by this stack."""
        key = self._public_keys.get(str(header.get("kid", "")))
        if key is None or key.algorithm_name != header.get("alg"):
            raise TokenRejected(TokenProblem.BAD_SIGNATURE, "JWT cryptographic operation failed")
        try:
            return jwt.decode(
                token,
                key,
                algorithms=[key.algorithm_name],
                leeway=LEEWAY_SECONDS,
                issuer=self._issuer,
                options={"verify_aud": False, "require": [*required, "iss"]},
            )
        except jwt.InvalidIssuerError:
            raise TokenRejected(TokenProblem.WRONG_ISSUER, "JWT not from this issuer") from None
        except jwt.PyJWTError as error:
            raise rejection(error) from None

    def _audience_ok(self, audience: object) -> bool:
        """A missing, null or empty `aud` passes, as in PostgREST."""
        if audience in (None, [], "") or self._audience is None:
            return True
        if isinstance(audience, str):
            return audience == self._audience
        return isinstance(audience, list) and self._audience in audience


def previous_jwt_secrets() -> tuple[str, ...]:
    """The secret a rotation replaced, still verifying during its grace period: the process
    environment's JWT_PREVIOUS_SECRET or the file JWT_PREVIOUS_SECRET_FILE names (compose
    secrets); none when unset or empty."""
    value = os.environ.get("JWT_PREVIOUS_SECRET", "")
    path = os.environ.get("JWT_PREVIOUS_SECRET_FILE")
    if path:
        value = Path(path).read_text(encoding="utf-8").removesuffix("\n")
    return (value,) if value else ()


@functools.lru_cache(maxsize=8)
def stack_verifier(secret: str) -> JwtVerifier:
    """The verifier with the stack's rules for `secret` (with the previous secret during a
    rotation, and the stack's public signing keys), one per secret, so every surface of a
    process shares its cache of verified tokens."""
    keys = stack_signing_keys()
    return JwtVerifier(
        secret,
        previous_secrets=previous_jwt_secrets(),
        public_keys=keys.public,
        issuer=stack_issuer() if not keys.empty else None,
    )


# The settings PostgREST gives a transaction acting as the caller, with their parameter names.
CALLER_SETTINGS = (
    ("role", "role"),
    ("request.jwt.claims", "claims"),
    ("request.method", "method"),
    ("request.path", "path"),
    ("request.headers", "headers"),
)
_SETTING_NAME = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*")


@functools.lru_cache(maxsize=32)
def caller_context_sql(*extra: str, positional: bool = False) -> str:
    """The one statement that puts a transaction in the caller's shoes: a transaction-local
    `set_config` of every CALLER_SETTINGS entry, then of each `extra` setting a surface adds
    (REST's search_path and cookies, realtime's topic).

    Parameters are named (`role`, `claims`, `method`, `path`, `headers`, then each extra
    setting's own name), or with `positional` plain `%s` in that order (REST's cached bytes).
    """
    for name in extra:
        if not _SETTING_NAME.fullmatch(name):
            raise ValueError(f"not a setting name: {name!r}")
    settings = [*CALLER_SETTINGS, *((name, name) for name in extra)]
    calls = (
        f"pg_catalog.set_config('{setting}', {'%s' if positional else f'%({param})s'}, true)"
        for setting, param in settings
    )
    return "select " + ", ".join(calls)


CALLER_CONTEXT_SQL = caller_context_sql()


@dataclass(frozen=True)
class CallerContext:
    """The settings a transaction runs with when it acts as the caller."""

    role: str
    claims: Mapping[str, Any]
    method: str = "POST"
    path: str = "/"
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        token: VerifiedToken,
        method: str = "POST",
        path: str = "/",
        headers: Mapping[str, str] | None = None,
    ) -> CallerContext:
        return cls(token.role, token.claims, method, path, dict(headers or {}))

    def params(self) -> dict[str, str]:
        """The parameters of CALLER_CONTEXT_SQL."""
        return {
            "role": self.role,
            "claims": orjson.dumps(dict(self.claims)).decode(),
            "method": self.method,
            "path": self.path,
            "headers": orjson.dumps(dict(self.headers)).decode(),
        }
