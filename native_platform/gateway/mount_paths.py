"""Serve a mount's bare prefix (`/functions/v1/cms`) as its root instead of redirecting.

Clients and webhooks (supabase-js `functions.invoke`, Strapi) call the bare URL; a 307 to the
slashed one would drop a POST body in some clients.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["BareMountPaths"]


class BareMountPaths:
    def __init__(self, app: ASGIApp, prefixes: set[str]) -> None:
        self.app = app
        self.prefixes = prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and scope["path"] in self.prefixes:
            path = scope["path"] + "/"
            scope = {**scope, "path": path, "raw_path": path.encode()}
        await self.app(scope, receive, send)
