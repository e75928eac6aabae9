"""Joining, leaving and server-side shutdown of channels."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from native_platform.realtime.authorization import SESSION_ENDED, authorize, session_active
from native_platform.realtime.bindings import BindingError, binding_id, parse_binding, subscribe
from native_platform.realtime.channel import PREFIX, Channel, read_config
from native_platform.realtime.connection import Connection
from native_platform.realtime.protocol import Frame
from native_platform.realtime.tokens import TokenError, expires_in, verify_token
from native_platform.realtime.types import Revocation, RevocationHandler

__all__ = [
    "LOST_READ",
    "catch_up",
    "channel_token",
    "join",
    "leave",
    "recheck",
    "schedule_expiry",
    "shutdown",
]

NOT_ENABLED = (
    "Unable to subscribe to changes with given parameters. Please check Realtime is enabled "
    "for the given connect parameters: [{}]"
)
READY_TIMEOUT = 5.0
DATABASE_UNAVAILABLE = "UnableToConnectToProject: Realtime is not connected to the database"
LOST_READ = "You no longer have permission to read from this Channel topic: {}"


class JoinError(Exception):
    """The join is refused; the message is the reply's `reason`."""


def channel_token(conn: Connection, payload: dict[str, Any]) -> str:
    """The join's own token unless absent or an `sb_` key, then the socket's."""
    token = payload.get("access_token", payload.get("user_token"))
    if isinstance(token, str) and token and not token.startswith("sb_"):
        return token
    return conn.token


def _claims(conn: Connection, token: str) -> dict[str, Any]:
    try:
        return verify_token(token, conn.node.settings.jwt_secret.get_secret_value())
    except TokenError as error:
        raise JoinError(f"InvalidJWTToken: {error}") from None


async def _check_binding(conn: Connection, entry: object) -> None:
    binding = parse_binding(entry)
    table = None
    if binding.table is not None:
        table = await conn.node.catalog.get(binding.schema, binding.table)
    elif any(key[0] == binding.schema for key in await conn.node.catalog.tables()):
        return
    if table is None:
        fields = entry.items() if isinstance(entry, dict) else ()
        details = ", ".join(f"{k}: {v}" for k, v in fields)
        raise BindingError(NOT_ENABLED.format(details))
    if binding.filter is not None and binding.filter.column not in table.column_types:
        raise BindingError(f"Error parsing `filter` params: unknown column {binding.filter.column}")


async def _changes_ready(conn: Connection) -> None:
    """Wait until the WAL reader holds a slot, so every change committed after the reply arrives
    (after a lost database session, rejoining clients wait here until it is back)."""
    try:
        await asyncio.wait_for(conn.node.reader.ready.wait(), READY_TIMEOUT)
    except TimeoutError:
        raise JoinError(DATABASE_UNAVAILABLE) from None


async def _bindings(conn: Connection, channel: Channel) -> tuple[list[dict[str, Any]], str | None]:
    """Subscribe the channel to its valid bindings; the echo for the reply and the first
    subscription error, if any."""
    echo, error, bindings = [], None, []
    for entry in channel.config.postgres_changes:
        ident = binding_id(entry) if isinstance(entry, dict) else 1
        echo.append({**entry, "id": ident} if isinstance(entry, dict) else {"id": ident})
        try:
            await _check_binding(conn, entry)
            bindings.append(parse_binding(entry))
        except BindingError as problem:
            error = error or str(problem)
    channel.subscription = subscribe(bindings) if bindings else None
    return echo, error


async def _prepare(conn: Connection, frame: Frame) -> Channel:
    name = frame.topic[len(PREFIX) :] if frame.topic.startswith(PREFIX) else ""
    if not name:
        raise JoinError("TopicNameRequired: You must provide a topic name")
    if (
        frame.topic not in conn.channels
        and len(conn.channels) >= conn.node.settings.max_channels_per_client
    ):
        raise JoinError("ChannelRateLimitReached: Too many channels")
    token = channel_token(conn, frame.payload)
    checked_at = time.monotonic()
    channel = Channel(
        conn,
        frame.topic,
        frame.join_ref or frame.ref,
        read_config(frame.payload),
        _claims(conn, token),
        token,
        checked_at=checked_at,
    )
    channel.on_revoked = _revocation_handler(conn, channel)
    if not await session_active(conn.node.admin_pool, channel.claims):
        raise JoinError(f"InvalidJWTToken: {SESSION_ENDED}")
    if channel.config.postgres_changes:
        await _changes_ready(conn)
    if channel.config.private and channel.role != "service_role":
        rights = await authorize(conn.node.rls_pool, name, channel.claims)
        if not rights.read:
            raise JoinError(
                f"Unauthorized: You do not have permissions to read from this Channel topic: {name}"
            )
        channel.can_broadcast, channel.can_track = rights.broadcast, rights.presence
    return channel


async def join(conn: Connection, frame: Frame) -> None:
    try:
        channel = await _prepare(conn, frame)
    except JoinError as refused:
        conn.reply(frame, "error", {"reason": str(refused)})
        return
    previous = conn.channels.get(frame.topic)
    if previous is not None:
        await _remove(conn, previous)
    echo, error = await _bindings(conn, channel)
    channel.presence_enabled = channel.config.presence_enabled
    channel.held_diffs = [] if channel.presence_enabled else None
    conn.channels[frame.topic] = channel
    conn.node.register(channel)
    conn.reply(frame, "ok", {"postgres_changes": echo})
    if channel.presence_enabled:
        await _send_presence_state(conn, channel)
    if channel.config.postgres_changes:
        if error is None:
            channel.system("postgres_changes", "ok", "Subscribed to PostgreSQL")
        else:
            channel.system("postgres_changes", "error", error)
    schedule_expiry(conn, channel)
    await catch_up(conn, channel)


def _revocation_handler(conn: Connection, channel: Channel) -> RevocationHandler:
    """What the node runs when the database revokes the channel's session or rights."""

    def handle(revocation: Revocation) -> None:
        if revocation == "session":
            conn.spawn(shutdown(conn, channel, SESSION_ENDED))
        else:
            conn.spawn(recheck(conn, channel))

    return handle


async def catch_up(conn: Connection, channel: Channel) -> None:
    """Apply a revocation heard while the channel's token or rights were being checked."""
    heard = conn.node.revocation_heard(channel)
    if heard == "session":
        await shutdown(conn, channel, SESSION_ENDED)
    elif heard == "rights":
        await recheck(conn, channel)


async def recheck(conn: Connection, channel: Channel) -> None:
    """The database said the channel's rights may have shrunk: close it when its session ended
    or it may no longer read its private topic; else take the current write rights."""
    channel.checked_at = time.monotonic()
    if not await session_active(conn.node.admin_pool, channel.claims):
        await shutdown(conn, channel, SESSION_ENDED)
        return
    if channel.config.private and channel.role != "service_role":
        rights = await authorize(conn.node.rls_pool, channel.name, channel.claims)
        if not rights.read:
            await shutdown(conn, channel, LOST_READ.format(channel.name))
            return
        channel.can_broadcast, channel.can_track = rights.broadcast, rights.presence
        if not rights.presence and channel.tracked is not None:
            await conn.node.presence.untrack(channel)
    # postgres_changes need nothing here: each change is RLS-checked as the channel's claims
    # against the database's current state when it is delivered.


async def _send_presence_state(conn: Connection, channel: Channel) -> None:
    """The snapshot, then the diffs that arrived while reading it (replaying is harmless:
    clients key presences by phx_ref)."""
    try:
        channel.push("presence_state", await conn.node.presence.state(*channel.key))
    finally:
        held, channel.held_diffs = channel.held_diffs or [], None
        for diff in held:
            channel.push("presence_diff", diff)


def schedule_expiry(conn: Connection, channel: Channel) -> None:
    """Close the channel when its token expires."""
    if channel.expiry is not None:
        channel.expiry.cancel()

    def expire() -> None:
        overdue = max(0, int(-expires_in(channel.claims)))
        message = f"Token has expired {overdue} seconds ago"
        conn.spawn(shutdown(conn, channel, message))

    delay = max(0.0, expires_in(channel.claims))
    channel.expiry = asyncio.get_running_loop().call_later(delay, expire)


async def _remove(conn: Connection, channel: Channel) -> None:
    if channel.expiry is not None:
        channel.expiry.cancel()
    if conn.channels.get(channel.topic) is channel:
        del conn.channels[channel.topic]
    conn.node.unregister(channel)
    await conn.node.presence.untrack(channel)


async def leave(conn: Connection, channel: Channel, frame: Frame) -> None:
    await _remove(conn, channel)
    conn.reply(frame, "ok", {})
    conn.send(Frame(channel.topic, "phx_close", {}, channel.join_ref, channel.join_ref))


async def shutdown(conn: Connection, channel: Channel, message: str) -> None:
    """Server-side close: a `system` error naming the cause, then `phx_close`."""
    if conn.channels.get(channel.topic) is not channel:
        return
    channel.system("system", "error", message)
    conn.send(Frame(channel.topic, "phx_close", {}, channel.join_ref, channel.join_ref))
    await _remove(conn, channel)


async def drop_all(conn: Connection) -> None:
    """The socket is gone: forget its channels and presences."""
    for channel in list(conn.channels.values()):
        await _remove(conn, channel)
