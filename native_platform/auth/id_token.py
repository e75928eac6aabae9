"""OpenID providers' metadata and ID tokens: discovery, signing keys, and the validation of an
ID token (signature from the issuer's JWKS with an algorithm allow-list, issuer, audience,
expiry, nonce), as GoTrue validates them at /callback and /token?grant_type=id_token."""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import httpx
import jwt

from native_platform.auth.errors import AuthError
from native_platform.auth.providers import ExternalProvider

__all__ = ["ProviderDirectory", "nonce_matches"]

# Asymmetric algorithms only: `none` and HMAC (keyed with a public key) are refused.
ALLOWED_ALGORITHMS = ("RS256", "ES256", "PS256", "RS384", "ES384", "RS512")
METADATA_SECONDS = 3600
LEEWAY_SECONDS = 30


def bad_id_token(reason: str) -> AuthError:
    return AuthError(400, "validation_failed", f"Bad ID token: {reason}")


def nonce_matches(token_nonce: object, nonce: str | None, *, hashed: bool) -> bool:
    """The ID token's nonce against the one the client kept: equal, or (signInWithIdToken, as
    GoTrue) the token carries the SHA-256 hex of the raw nonce the client sends."""
    if nonce is None or not isinstance(token_nonce, str):
        return nonce is None and token_nonce is None
    expected = hashlib.sha256(nonce.encode()).hexdigest() if hashed else nonce
    return hmac.compare_digest(token_nonce, expected)


class ProviderDirectory:
    """Discovery documents and key sets of the providers, fetched once an hour (keys again
    when a token names an unknown kid, so a provider's rotation is picked up)."""

    def __init__(self) -> None:
        self._metadata: dict[str, tuple[float, dict[str, Any]]] = {}
        self._keys: dict[str, tuple[float, jwt.PyJWKSet]] = {}

    async def _get_json(self, http: httpx.AsyncClient, url: str) -> dict[str, Any]:
        try:
            response = await http.get(url, timeout=10)
            response.raise_for_status()
            value = response.json()
        except (httpx.HTTPError, ValueError):
            raise AuthError(
                502, "unexpected_failure", "Error contacting the identity provider"
            ) from None
        if not isinstance(value, dict):
            raise AuthError(502, "unexpected_failure", "Unexpected answer of the identity provider")
        return value

    async def endpoints(
        self, http: httpx.AsyncClient, provider: ExternalProvider
    ) -> dict[str, Any]:
        """authorization, token, userinfo endpoints, jwks_uri and issuer of `provider`."""
        if not provider.issuer:
            return provider.endpoints_fixed()
        cached = self._metadata.get(provider.issuer)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        url = f"{provider.issuer.rstrip('/')}/.well-known/openid-configuration"
        metadata = await self._get_json(http, url)
        if metadata.get("issuer") != provider.issuer:
            raise AuthError(502, "unexpected_failure", "The provider's issuer does not match")
        self._metadata[provider.issuer] = (time.monotonic() + METADATA_SECONDS, metadata)
        return metadata

    async def _key(
        self, http: httpx.AsyncClient, provider: ExternalProvider, kid: object
    ) -> jwt.PyJWK:
        jwks_uri = str((await self.endpoints(http, provider)).get("jwks_uri") or "")
        if not jwks_uri:
            raise bad_id_token("the provider publishes no keys")
        for refresh in (False, True):
            cached = self._keys.get(jwks_uri)
            if refresh or cached is None or cached[0] <= time.monotonic():
                try:
                    keys = jwt.PyJWKSet.from_dict(await self._get_json(http, jwks_uri))
                except jwt.PyJWKSetError:
                    raise bad_id_token("the provider's key set is unusable") from None
                cached = (time.monotonic() + METADATA_SECONDS, keys)
                self._keys[jwks_uri] = cached
            for key in cached[1].keys:
                if key.key_id == kid:
                    return key
        raise bad_id_token("signed by an unknown key")

    async def validate(
        self,
        http: httpx.AsyncClient,
        provider: ExternalProvider,
        token: str,
        nonce: str | None,
        *,
        hashed_nonce: bool,
    ) -> dict[str, Any]:
        """The claims of an ID token `provider` issued for us; AuthError otherwise."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise bad_id_token("malformed") from None
        algorithm = header.get("alg")
        if algorithm not in ALLOWED_ALGORITHMS:
            raise bad_id_token(f"algorithm {algorithm!r} is not allowed")
        key = await self._key(http, provider, header.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=provider.client_id,
                issuer=provider.issuer or None,
                leeway=LEEWAY_SECONDS,
                options={"require": ["iss", "aud", "exp", "iat", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise bad_id_token("expired") from None
        except jwt.InvalidAudienceError:
            raise bad_id_token("not issued for this client (aud)") from None
        except jwt.InvalidIssuerError:
            raise bad_id_token("not issued by the provider (iss)") from None
        except jwt.PyJWTError as error:
            raise bad_id_token(str(error)) from None
        if not provider.skip_nonce_check and not nonce_matches(
            claims.get("nonce"), nonce, hashed=hashed_nonce
        ):
            if nonce is None or claims.get("nonce") is None:
                raise AuthError(
                    400,
                    "validation_failed",
                    "Passed nonce and nonce in id_token should either both exist or not.",
                )
            raise AuthError(400, "validation_failed", "Nonces mismatch")
        return claims
