"""The access tokens auth hands out: signed here, with the stack's signing key (ES256/RS256,
ADR 0028) or the HS256 secret when the stack has none, always with the stack's `iss`.

The SQL auth functions build every session (claims, refresh token, user) and sign it with the
HS256 secret they hold; the server re-signs the access token of each session it answers with
before it leaves the process, so only one place knows the private key and the SQL stays as is.
"""

from __future__ import annotations

from typing import Any

import jwt

from native_platform.signing_keys import SigningKeys

__all__ = ["TokenSigner"]


class TokenSigner:
    def __init__(self, secret: str, keys: SigningKeys, issuer: str) -> None:
        self.secret = secret
        self.keys = keys
        self.issuer = issuer

    def sign(self, claims: dict[str, Any]) -> str:
        claims = {**claims, "iss": self.issuer}
        if self.keys.signing is None:
            return jwt.encode(claims, self.secret, algorithm="HS256")
        key = self.keys.signing
        headers = {"kid": self.keys.signing_kid, "typ": "JWT"}
        return jwt.encode(claims, key.key, algorithm=key.algorithm_name, headers=headers)

    def resign_token(self, token: str) -> str:
        """The same claims under our signature. The token is the answer of our own SQL function
        over our own connection, as trusted as the rest of that answer: its claims are read, not
        verified (checking the SQL's HS256 signature again took about a tenth of the auth server's
        samples per refresh, docs/performance.md)."""
        claims = jwt.decode(token, options={"verify_signature": False})
        return self.sign(claims)

    def resign(self, result: Any) -> Any:
        """A SQL function's answer with the access token of its session (at the top or under
        `session`) re-signed; anything else unchanged."""
        if not isinstance(result, dict):
            return result
        token = result.get("access_token")
        if isinstance(token, str) and result.get("token_type") == "bearer":
            result = {**result, "access_token": self.resign_token(token)}
        session = result.get("session")
        if isinstance(session, dict):
            result = {**result, "session": self.resign(session)}
        return result
