"""The realtime ASGI application: `/websocket` (Phoenix channels) and the broadcast REST API."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket

from native_platform.realtime.broadcast_api import broadcast_routes
from native_platform.realtime.connection import Connection
from native_platform.realtime.events import handle_frame
from native_platform.realtime.joins import drop_all
from native_platform.realtime.node import Node
from native_platform.realtime.protocol import Frame, ProtocolError, decode_frame
from native_platform.realtime.settings import RealtimeSettings
from native_platform.realtime.tokens import TokenError, verify_token

__all__ = ["create_app"]

log = logging.getLogger(__name__)
VERSIONS = ("1.0.0", "2.0.0")


async def _serve(conn: Connection) -> None:
    timeout = conn.node.settings.socket_idle_timeout_seconds
    while (data := await conn.receive(timeout)) is not None:
        try:
            frame = decode_frame(data)
        except ProtocolError as error:
            conn.send(
                Frame(
                    "phoenix", "phx_reply", {"status": "error", "response": {"reason": str(error)}}
                )
            )
            continue
        try:
            await handle_frame(conn, frame, len(data))
        except Exception:
            log.exception("frame on %s failed", frame.topic)
            conn.reply(frame, "error", {"reason": "internal error"})


def create_app(settings: RealtimeSettings) -> Starlette:
    """A Starlette app serving one realtime node; resources open in its lifespan."""
    node = Node(settings)

    async def websocket_endpoint(websocket: WebSocket) -> None:
        vsn = websocket.query_params.get("vsn", "1.0.0")
        token = websocket.headers.get("x-api-key") or websocket.query_params.get("apikey")
        try:
            if vsn not in VERSIONS:
                raise TokenError(f"Unsupported protocol version {vsn[:16]}")
            claims = verify_token(token, settings.jwt_secret.get_secret_value())
        except TokenError as error:
            status = 400 if vsn not in VERSIONS else 401
            await websocket.send_denial_response(JSONResponse({"error": str(error)}, status))
            return
        await websocket.accept()
        conn = Connection(websocket, node, vsn, claims, token or "")
        try:
            await _serve(conn)
        finally:
            await drop_all(conn)
            await conn.close()
            with contextlib.suppress(Exception):
                await websocket.close()

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        await node.start()
        try:
            yield
        finally:
            await node.stop()

    async def health(_: Request) -> JSONResponse:
        """Liveness: the process answers."""
        return JSONResponse({"status": "up"})

    async def ready(_: Request) -> JSONResponse:
        """Readiness: the backplane listens and the WAL reader holds its slot (both need
        Postgres); 503 with each part's state otherwise."""
        parts = {"backplane": node.backplane.ready, "wal_reader": node.reader.ready}
        components = {name: {"status": "up" if e.is_set() else "down"} for name, e in parts.items()}
        up = all(event.is_set() for event in parts.values())
        body = {"status": "up" if up else "down", "components": components}
        return JSONResponse(body, status_code=200 if up else 503)

    routes = [
        WebSocketRoute("/websocket", websocket_endpoint),
        Route("/health", health),
        Route("/ready", ready),
        *broadcast_routes(node),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.node = node
    return app
