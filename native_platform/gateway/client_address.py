"""Stamp every request with the address of the peer that sent it (`X-Forwarded-For`).

The gateway is the edge: a client-supplied X-Forwarded-For is replaced, never trusted, so the
database's per-address rate limits see the real peer.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["ClientAddress"]


class ClientAddress:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and scope.get("client"):
            peer = scope["client"][0].encode()
            headers = [
                (name, value) for name, value in scope["headers"] if name != b"x-forwarded-for"
            ]
            scope = {**scope, "headers": [*headers, (b"x-forwarded-for", peer)]}
        await self.app(scope, receive, send)
