"""Private channels: read and write rights come from RLS policies on realtime.messages, probed
in a throw-away transaction under the subscriber's role and claims (as Supabase does). A token
naming a session is only good while the session is active (the REST pre-request hook's rule)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from native_platform.caller import CallerContext, caller_context_sql

__all__ = ["SESSION_ENDED", "Rights", "authorize", "server_events", "session_active"]

SESSION_ENDED = "JWT session is no longer active"
SESSION_SQL = "select auth.session_is_active(%s::uuid)"
SERVER_EVENTS_SQL = "select realtime.server_events()"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)

PROBE_SQL = """
insert into realtime.messages (topic, extension)
values (%(topic)s, 'broadcast'), (%(topic)s, 'presence')
returning id
"""
# The caller context, plus what Supabase Realtime's policies read: the topic and the legacy
# per-claim settings.
CONTEXT_SQL = caller_context_sql(
    "realtime.topic", "request.jwt.claim.sub", "request.jwt.claim.role"
)


@dataclass(frozen=True)
class Rights:
    """read = may join and receive; broadcast / presence = may send or track on the topic."""

    read: bool
    broadcast: bool
    presence: bool


async def _may_insert(conn: psycopg.AsyncConnection, topic: str, extension: str) -> bool:
    try:
        async with conn.transaction(force_rollback=True):
            await conn.execute(
                "insert into realtime.messages (topic, extension) values (%s, %s)",
                (topic, extension),
            )
    except psycopg.errors.InsufficientPrivilege:
        return False
    return True


async def _probe(conn: psycopg.AsyncConnection, topic: str, claims: dict[str, Any]) -> Rights:
    await conn.execute("select pg_catalog.set_config('role', 'service_role', true)")
    ids = [row[0] for row in await (await conn.execute(PROBE_SQL, {"topic": topic})).fetchall()]
    context = CallerContext(claims["role"], claims, method="", path="").params() | {
        "realtime.topic": topic,
        "request.jwt.claim.sub": str(claims.get("sub") or ""),
        "request.jwt.claim.role": claims["role"],
    }
    await conn.execute(CONTEXT_SQL, context)
    rows = await conn.execute("select count(*) from realtime.messages where id = any(%s)", (ids,))
    found = await rows.fetchone()
    return Rights(
        read=bool(found and found[0]),
        broadcast=await _may_insert(conn, topic, "broadcast"),
        presence=await _may_insert(conn, topic, "presence"),
    )


async def authorize(pool: AsyncConnectionPool, topic: str, claims: dict[str, Any]) -> Rights:
    """What `claims` may do on private `topic`; nothing of the probe is kept."""
    async with pool.connection() as conn:
        try:
            async with conn.transaction(force_rollback=True):
                return await _probe(conn, topic, claims)
        except psycopg.Error:
            return Rights(read=False, broadcast=False, presence=False)


async def session_active(pool: AsyncConnectionPool, claims: dict[str, Any]) -> bool:
    """False when the token names a session that ended (signed out, revoked, user banned) or
    an id that is no session; tokens naming none (API keys) and service_role always pass, as in
    `app_private.check_request()`."""
    session_id = claims.get("session_id")
    if session_id is None or claims.get("role") == "service_role":
        return True
    if not isinstance(session_id, str) or not UUID.fullmatch(session_id):
        return False
    async with pool.connection() as conn:
        row = await (await conn.execute(SESSION_SQL, (session_id,))).fetchone()
    return bool(row and row[0])


async def server_events(pool: AsyncConnectionPool) -> frozenset[str]:
    """Broadcast event names only the database sends (lower case), as the database lists them."""
    async with pool.connection() as conn:
        row = await (await conn.execute(SERVER_EVENTS_SQL)).fetchone()
    return frozenset(str(name).lower() for name in (row[0] if row else []))
