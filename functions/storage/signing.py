"""Signed URL tokens: HS256 JWTs as upstream's (`url`, `scope`, `iat`, `exp`, and for uploads
`owner` and `upsert`), signed with a key derived from the stack's JWT secret.

Deriving the key (HMAC of the secret and a fixed label) keeps the two kinds of token apart: a
signed URL token is never a valid API token (it has no role either), and no API token is a
valid signed URL.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any, Literal

import jwt

from functions.storage.errors import StorageError

__all__ = ["SignedToken", "UrlSigner"]

Scope = Literal["download", "upload"]
_LABEL = b"rfl storage signed urls v1"


@dataclass(frozen=True)
class SignedToken:
    url: str
    scope: Scope
    expires_at: int
    owner: str | None = None
    upsert: bool = False
    # A signed rendering (`/render/image/sign`): the transformations and format it fixes.
    transformations: str | None = None
    format: str | None = None


class UrlSigner:
    def __init__(self, jwt_secret: str) -> None:
        self._key = hmac.new(jwt_secret.encode(), _LABEL, hashlib.sha256).hexdigest()

    def sign(
        self,
        url: str,
        scope: Scope,
        expires_in: int,
        *,
        owner: str | None = None,
        upsert: bool = False,
        extra: dict[str, Any] | None = None,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {"url": url, "scope": scope, "iat": now, "exp": now + expires_in}
        if scope == "upload":
            claims["upsert"] = upsert
            if owner is not None:
                claims["owner"] = owner
        claims.update(extra or {})
        return jwt.encode(claims, self._key, algorithm="HS256")

    def verify(self, token: str | None, url: str, scope: Scope) -> SignedToken:
        """The token's claims if it was signed here, is current and names this url and scope."""
        if not token:
            raise StorageError.invalid_jwt("Invalid Compact JWS")
        try:
            claims = jwt.decode(
                token, self._key, algorithms=["HS256"], options={"require": ["exp", "url"]}
            )
        except jwt.ExpiredSignatureError:
            raise StorageError.expired_token() from None
        except jwt.InvalidSignatureError:
            raise StorageError.invalid_jwt("signature verification failed") from None
        except jwt.PyJWTError:
            raise StorageError.invalid_jwt("Invalid Compact JWS") from None
        if claims.get("url") != url or claims.get("scope") != scope:
            raise StorageError.invalid_signature()
        owner = claims.get("owner")
        transformations = claims.get("transformations")
        fmt = claims.get("format")
        return SignedToken(
            url,
            scope,
            int(claims["exp"]),
            owner if isinstance(owner, str) else None,
            claims.get("upsert") is True,
            transformations if isinstance(transformations, str) else None,
            fmt if isinstance(fmt, str) else None,
        )
