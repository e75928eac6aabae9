"""REST broadcast: `POST /api/broadcast` and `POST /api/broadcast/{topic}/events/{event}`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from native_platform.realtime.authorization import SESSION_ENDED, authorize, session_active
from native_platform.realtime.tokens import TokenError, verify_token

if TYPE_CHECKING:
    from native_platform.realtime.node import Node

__all__ = ["broadcast_routes"]


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


async def _claims(node: Node, request: Request) -> dict[str, Any]:
    bearer = request.headers.get("authorization", "")
    token = bearer[7:] if bearer.lower().startswith("bearer ") else ""
    if not token or token.startswith("sb_"):
        token = request.headers.get("apikey") or request.query_params.get("apikey") or ""
    try:
        claims = verify_token(token, node.settings.jwt_secret.get_secret_value())
    except TokenError as error:
        raise ApiError(401, str(error)) from None
    if not await session_active(node.admin_pool, claims):
        raise ApiError(401, SESSION_ENDED)
    return claims


async def _send(node: Node, claims: dict[str, Any], message: dict[str, Any]) -> None:
    topic, event, private = (
        message.get("topic"),
        message.get("event"),
        message.get("private", False),
    )
    if not isinstance(topic, str) or not topic or not isinstance(event, str) or not event:
        raise ApiError(400, "each message needs a topic and an event")
    if claims["role"] != "service_role" and event.lower() in node.server_events:
        raise ApiError(403, f"ReservedEvent: `{event[:64]}` is sent only by the server")
    private = bool(private) if not isinstance(private, str) else private.lower() == "true"
    if private and claims["role"] != "service_role":
        if not (await authorize(node.rls_pool, topic, claims)).broadcast:
            raise ApiError(
                403, f"You do not have permissions to write to this Channel topic: {topic}"
            )
    payload = {"type": "broadcast", "event": event, "payload": message.get("payload", {})}
    await node.backplane.publish({"k": "b", "t": topic, "p": private, "e": event, "pl": payload})


async def _body(node: Node, request: Request) -> Any:
    raw = await request.body()
    if len(raw) > node.settings.max_payload_bytes:
        raise ApiError(413, "Payload Too Large")
    try:
        return orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError:
        raise ApiError(400, "body is not JSON") from None


def broadcast_routes(node: Node) -> list[Route]:
    async def batch(request: Request) -> Response:
        try:
            claims = await _claims(node, request)
            body = await _body(node, request)
            messages = body.get("messages") if isinstance(body, dict) else None
            if not isinstance(messages, list) or not all(isinstance(m, dict) for m in messages):
                raise ApiError(400, "messages must be a list of objects")
            for message in messages:
                await _send(node, claims, message)
        except ApiError as error:
            return JSONResponse({"error": str(error)}, error.status)
        return Response(status_code=202)

    async def single(request: Request) -> Response:
        try:
            claims = await _claims(node, request)
            message = {
                "topic": request.path_params["topic"],
                "event": request.path_params["event"],
                "payload": await _body(node, request),
                "private": request.query_params.get("private", "false"),
            }
            await _send(node, claims, message)
        except ApiError as error:
            return JSONResponse({"error": str(error)}, error.status)
        return Response(status_code=202)

    return [
        Route("/api/broadcast", batch, methods=["POST"]),
        Route("/api/broadcast/{topic}/events/{event}", single, methods=["POST"]),
    ]
