"""The signed-in session: tokens kept in an encrypted HttpOnly cookie, and the CSRF checks.

The cookie is Fernet-encrypted (the browser never sees the tokens) and SameSite=Strict; every
form carries the session's synchronizer token, and a state-changing request whose Origin or
Sec-Fetch-Site says it comes from another site is refused before the token is even compared.
"""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from starlette.requests import Request
from starlette.responses import Response

__all__ = ["COOKIE", "LOGIN_COOKIE", "Session", "SessionBox", "cross_site", "same_token"]

COOKIE = "studio_session"
LOGIN_COOKIE = "studio_login_csrf"
MAX_AGE = 12 * 3600


@dataclass
class Session:
    access_token: str
    refresh_token: str
    expires_at: int
    user_id: str
    email: str
    roles: list[str] = field(default_factory=list)
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))


class SessionBox:
    """Seals and opens the session cookie."""

    def __init__(self, key: bytes) -> None:
        self.fernet = Fernet(key)

    def read(self, request: Request) -> Session | None:
        sealed = request.cookies.get(COOKIE)
        if not sealed:
            return None
        try:
            data: dict[str, Any] = json.loads(self.fernet.decrypt(sealed, ttl=MAX_AGE))
            return Session(**data)
        except (InvalidToken, ValueError, TypeError):
            return None

    def write(self, response: Response, session: Session, secure: bool, path: str) -> None:
        sealed = self.fernet.encrypt(json.dumps(asdict(session)).encode()).decode()
        response.set_cookie(
            COOKIE,
            sealed,
            max_age=MAX_AGE,
            path=path,
            httponly=True,
            secure=secure,
            samesite="strict",
        )

    @staticmethod
    def clear(response: Response, path: str) -> None:
        response.delete_cookie(COOKIE, path=path)


def cross_site(request: Request) -> bool:
    """A request the browser says comes from another site (or another origin)."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return True
    origin = request.headers.get("origin")
    if origin is None or (origin == "null" and request.headers.get("sec-fetch-site") == "none"):
        return False
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] != host


def same_token(expected: str | None, given: object) -> bool:
    return (
        bool(expected)
        and isinstance(given, str)
        and hmac.compare_digest(str(expected).encode(), given.encode())
    )
