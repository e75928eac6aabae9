"""The gateway's key check, as Supabase's Kong does it: an `apikey` must be the anon or the
service-role key; a request without `Authorization` uses the apikey as its bearer token."""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["ApiKeyGate"]

MISSING = "No API key found in request"
INVALID = "Invalid authentication credentials"


class ApiKeyGate:
    """Guards the path prefixes in `protected`; other paths, and the exact paths in `open`,
    pass untouched."""

    def __init__(
        self,
        app: ASGIApp,
        keys: set[str],
        protected: tuple[str, ...],
        open_paths: frozenset[str] = frozenset(),
    ) -> None:
        self.app = app
        self.keys = keys
        self.protected = protected
        self.open_paths = open_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or not self.is_protected(scope["path"]):
            await self.app(scope, receive, send)
            return
        key = presented_key(scope)
        problem = MISSING if key is None else None if key in self.keys else INVALID
        if problem is None:
            assert key is not None
            await self.app(with_bearer(scope, key), receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": problem})
        else:
            await JSONResponse({"message": problem}, status_code=401)(scope, receive, send)

    def is_protected(self, path: str) -> bool:
        return path.startswith(self.protected) and path not in self.open_paths


def presented_key(scope: Scope) -> str | None:
    header = Headers(scope=scope).get("apikey")
    if header:
        return header
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("apikey")
    return values[0] if values else None


def with_bearer(scope: Scope, key: str) -> Scope:
    """Use the apikey as the bearer token when the client sent no Authorization."""
    if Headers(scope=scope).get("authorization"):
        return scope
    headers = [*scope["headers"], (b"authorization", f"Bearer {key}".encode())]
    return {**scope, "headers": headers}
