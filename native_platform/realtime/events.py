"""Client events on a socket: heartbeats, joins, leaves, broadcasts, presence, token refresh."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from native_platform.realtime.authorization import SESSION_ENDED, authorize, session_active
from native_platform.realtime.channel import Channel
from native_platform.realtime.connection import Connection
from native_platform.realtime.joins import (
    LOST_READ,
    catch_up,
    channel_token,
    join,
    leave,
    schedule_expiry,
    shutdown,
)
from native_platform.realtime.protocol import Frame
from native_platform.realtime.tokens import TokenError, verify_token

__all__ = ["handle_frame"]

Handler = Callable[[Connection, Channel, Frame], Awaitable[None]]
RESERVED = "ReservedEvent: `{}` is sent only by the server"


def reserved_event(conn: Connection, event: str) -> bool:
    """Event names of broadcasts the database sends (compared as supabase-js matches them)."""
    return event.lower() in conn.node.server_events


async def on_broadcast(conn: Connection, channel: Channel, frame: Frame) -> None:
    payload = frame.payload
    ack = channel.config.broadcast_ack
    if not isinstance(payload.get("event"), str):
        if ack:
            conn.reply(frame, "error", {"reason": "broadcast needs an event name"})
        return
    if reserved_event(conn, payload["event"]):
        # Refused whatever `ack` says: a client sending it is forging the database's messages.
        conn.reply(frame, "error", {"reason": RESERVED.format(payload["event"][:64])})
        return
    if not channel.can_broadcast:
        return
    # `meta` (the realtime.messages id) marks broadcasts from the database: never a client's.
    sent = {key: value for key, value in payload.items() if key != "meta"}
    await conn.node.broadcast(channel, {**sent, "type": "broadcast"})
    if ack:
        conn.reply(frame, "ok", {})


async def on_presence(conn: Connection, channel: Channel, frame: Frame) -> None:
    if not conn.presence_calls.take():
        await shutdown(conn, channel, "Client presence rate limit exceeded")
        return
    event, meta = frame.payload.get("event"), frame.payload.get("payload", {})
    if not channel.can_track:
        conn.reply(
            frame,
            "error",
            {"reason": "Unauthorized: You do not have permissions to track presence"},
        )
    elif event == "untrack":
        await conn.node.presence.untrack(channel)
        conn.reply(frame, "ok", {})
    elif event != "track":
        conn.reply(frame, "error", {"reason": "Presence event must be track or untrack"})
    elif not isinstance(meta, dict):
        conn.reply(frame, "error", {"reason": "Presence track payload must be a map"})
    else:
        channel.presence_enabled = True
        await conn.node.presence.track(channel, meta)
        conn.reply(frame, "ok", {})


async def on_access_token(conn: Connection, channel: Channel, frame: Frame) -> None:
    token = channel_token(conn, frame.payload)
    if token in (channel.token, conn.token):
        return
    checked_at = time.monotonic()
    try:
        claims = verify_token(token, conn.node.settings.jwt_secret.get_secret_value())
    except TokenError as error:
        await shutdown(conn, channel, str(error))
        return
    if not await session_active(conn.node.admin_pool, claims):
        await shutdown(conn, channel, SESSION_ENDED)
        return
    if channel.config.private and claims["role"] != "service_role":
        rights = await authorize(conn.node.rls_pool, channel.name, claims)
        if not rights.read:
            await shutdown(conn, channel, LOST_READ.format(channel.name))
            return
        channel.can_broadcast, channel.can_track = rights.broadcast, rights.presence
    channel.claims, channel.token, channel.checked_at = claims, token, checked_at
    schedule_expiry(conn, channel)
    await catch_up(conn, channel)


async def on_leave(conn: Connection, channel: Channel, frame: Frame) -> None:
    await leave(conn, channel, frame)


async def on_unknown(conn: Connection, _channel: Channel, frame: Frame) -> None:
    conn.reply(frame, "error", {"reason": f"unknown event {frame.event[:64]}"})


HANDLERS: dict[str, Handler] = {
    "broadcast": on_broadcast,
    "presence": on_presence,
    "access_token": on_access_token,
    "phx_leave": on_leave,
}


def _too_large(conn: Connection, frame: Frame, size: int) -> bool:
    limit = conn.node.settings.max_payload_bytes
    if size <= limit:
        return False
    conn.reply(frame, "error", {"reason": f"PayloadTooLarge: Payload size exceeds {limit} bytes"})
    return True


async def handle_frame(conn: Connection, frame: Frame, size: int) -> None:
    """Act on one client frame; every problem is answered on the socket, never raised."""
    if frame.topic == "phoenix":
        conn.reply(frame, "ok", {})
        return
    if _too_large(conn, frame, size):
        return
    channel = conn.channels.get(frame.topic)
    if not conn.events.take():
        if channel is not None:
            await shutdown(conn, channel, "Too many messages per second")
        else:
            conn.reply(frame, "error", {"reason": "Too many messages per second"})
        return
    if frame.event == "phx_join":
        await join(conn, frame)
    elif channel is None:
        conn.reply(frame, "error", {"reason": "unmatched topic"})
    else:
        await HANDLERS.get(frame.event, on_unknown)(conn, channel, frame)
