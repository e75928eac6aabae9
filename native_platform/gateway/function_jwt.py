"""`verify_jwt = true` for a function: the gateway refuses a request without a valid JWT.

As Supabase's edge runtime does, the check happens before the function runs and answers 401
with `{"msg": …}`. The token is judged by the same verifier as the REST API.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from native_platform.rest import RestSettings
from native_platform.rest.auth import authenticate
from native_platform.rest.errors import ApiError

__all__ = ["RequireJwt"]

MISSING = "Missing authorization header"
INVALID = "Invalid JWT"


class RequireJwt:
    """Wraps one function's app; `app` stays reachable so the gateway can run its lifespan."""

    def __init__(self, app: ASGIApp, settings: RestSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") == "OPTIONS":
            await self.app(scope, receive, send)
            return
        authorization = Headers(scope=scope).get("authorization")
        problem = MISSING if not authorization else None
        if authorization:
            try:
                authenticate(authorization, self.settings)
            except ApiError:
                problem = INVALID
        if problem is None:
            await self.app(scope, receive, send)
        else:
            await JSONResponse({"msg": problem}, status_code=401)(scope, receive, send)
