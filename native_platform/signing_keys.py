"""Asymmetric signing keys of the access tokens (ADR 0028): a JSON array of private JWKs.

`JWT_KEYS` (the env file, the process environment, or the file `JWT_KEYS_FILE` names) holds the
keys as GoTrue's `GOTRUE_JWT_KEYS` does: each an ES256 (P-256) or RS256 JWK with a `kid`. The
one whose `key_ops` contains `sign` signs new access tokens; the others only verify, which is
how a rotation keeps the previous key's tokens valid until they expire (docs/operations.md).
Every verifier (`native_platform.caller`) gets the public halves only, and the auth server
publishes them at `/auth/v1/.well-known/jwks.json`. Without keys the stack signs with the
HS256 secret alone, as before.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
import orjson
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from native_platform.project_config import load_project_config
from native_platform.settings import SettingsError, load_settings

__all__ = [
    "ASYMMETRIC_ALGORITHMS",
    "SigningKeys",
    "generate_jwk",
    "parse_keys",
    "public_jwk",
    "stack_issuer",
    "stack_signing_keys",
]

# alg -> the JWK key type it needs.
ASYMMETRIC_ALGORITHMS = {"ES256": "EC", "RS256": "RSA"}
# Members of a JWK that are private key material (RFC 7518 §6).
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


@dataclass(frozen=True)
class SigningKeys:
    """The parsed key set: the signing key (private) and every key's public half by `kid`."""

    signing: jwt.PyJWK | None = None
    signing_kid: str | None = None
    public: Mapping[str, jwt.PyJWK] = field(default_factory=dict)
    jwks: tuple[dict[str, Any], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.public


def public_jwk(jwk: Mapping[str, Any]) -> dict[str, Any]:
    """The JWK without its private members, usable only to verify."""
    public = {name: value for name, value in jwk.items() if name not in PRIVATE_MEMBERS}
    public["key_ops"] = ["verify"]
    return public


def _problem(index: int, text: str) -> ValueError:
    # Never includes key material: the message may end up in a log.
    return ValueError(f"JWT_KEYS key {index}: {text}")


def _json_keys(text: str) -> list[Any]:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise ValueError("JWT_KEYS is not JSON: expected an array of JWKs") from None
    if isinstance(value, dict):
        value = value.get("keys")
    if not isinstance(value, list) or not value:
        raise ValueError("JWT_KEYS must be a non-empty JSON array of JWKs")
    return value


def _checked_key(index: int, jwk: object) -> tuple[str, str, dict[str, Any]]:
    """kid, alg and the JWK of one entry, its shape checked."""
    if not isinstance(jwk, dict):
        raise _problem(index, "not a JSON object")
    kid, alg = jwk.get("kid"), jwk.get("alg")
    if not isinstance(kid, str) or not kid:
        raise _problem(index, "needs a `kid`")
    if alg not in ASYMMETRIC_ALGORITHMS or jwk.get("kty") != ASYMMETRIC_ALGORITHMS[alg]:
        raise _problem(index, "alg must be ES256 (kty EC) or RS256 (kty RSA)")
    if alg == "ES256" and jwk.get("crv") != "P-256":
        raise _problem(index, "an ES256 key must be on curve P-256")
    return kid, alg, jwk


def _key(index: int, jwk: dict[str, Any], alg: str) -> jwt.PyJWK:
    try:
        return jwt.PyJWK(jwk, algorithm=alg)
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError):
        raise _problem(index, "not a valid key") from None


def parse_keys(text: str) -> SigningKeys:
    """Parse `JWT_KEYS` (a JSON array of JWKs, or a JWKS object `{"keys": [...]}`); raises
    ValueError naming the problem (never the key)."""
    if not text.strip():
        return SigningKeys()
    public: dict[str, jwt.PyJWK] = {}
    jwks: list[dict[str, Any]] = []
    signing: jwt.PyJWK | None = None
    signing_kid: str | None = None
    for index, entry in enumerate(_json_keys(text)):
        kid, alg, jwk = _checked_key(index, entry)
        if kid in public:
            raise _problem(index, f"kid {kid!r} appears twice")
        public[kid] = _key(index, public_jwk(jwk), alg)
        if "sign" in (jwk.get("key_ops") or ["sign", "verify"]):
            if signing is not None:
                raise _problem(index, "only one key may have `sign` in key_ops")
            if "d" not in jwk:
                raise _problem(index, "a signing key needs its private part")
            signing, signing_kid = _key(index, jwk, alg), kid
        jwks.append({**public_jwk(jwk), "use": "sig"})
    return SigningKeys(signing, signing_kid, public, tuple(jwks))


def generate_jwk(algorithm: str = "ES256") -> dict[str, Any]:
    """A fresh private signing JWK (ES256 on P-256, or RS256 with 2048 bits), as
    `supabase gen signing-key` makes one."""
    if algorithm == "ES256":
        jwk: dict[str, Any] = ECAlgorithm.to_jwk(
            ec.generate_private_key(ec.SECP256R1()), as_dict=True
        )
    elif algorithm == "RS256":
        jwk = RSAAlgorithm.to_jwk(
            rsa.generate_private_key(public_exponent=65537, key_size=2048), as_dict=True
        )
    else:
        raise ValueError(f"unsupported signing algorithm {algorithm!r}: ES256 or RS256")
    return {**jwk, "kid": str(uuid.uuid4()), "alg": algorithm, "key_ops": ["sign", "verify"]}


def _keys_text() -> str:
    """JWT_KEYS from the process environment, the file JWT_KEYS_FILE names, or the stack's
    settings (the env file); "" when none is configured or the settings cannot load (the REST
    server run alone)."""
    value = os.environ.get("JWT_KEYS")
    if value:
        return value
    path = os.environ.get("JWT_KEYS_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8")
    try:
        return load_settings().jwt_keys.get_secret_value()
    except SettingsError:
        return ""


@functools.lru_cache(maxsize=1)
def stack_signing_keys() -> SigningKeys:
    """The stack's key set, read once per process."""
    return parse_keys(_keys_text())


@functools.lru_cache(maxsize=1)
def stack_issuer() -> str | None:
    """The `iss` of the access tokens auth issues: `[auth] jwt_issuer`, else the API's address
    + /auth/v1 (GoTrue's default); None when the stack's settings cannot load."""
    configured = load_project_config().auth.jwt_issuer
    if configured:
        return configured
    try:
        return f"{load_settings().api_url}/auth/v1"
    except SettingsError:
        return None
