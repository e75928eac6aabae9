"""Presence shared by all nodes: rows in realtime.presences, diffs over the backplane."""

from __future__ import annotations

import base64
import os
from collections import defaultdict
from typing import Any

import orjson
from psycopg_pool import AsyncConnectionPool

from native_platform.realtime.backplane import Backplane
from native_platform.realtime.channel import Channel

__all__ = ["PresenceStore"]

UPSERT_SQL = """
insert into realtime.presences (phx_ref, topic, private, presence_key, meta, channel_id, node_pid)
values (%s, %s, %s, %s, %s::jsonb, %s, %s)
on conflict (channel_id) do update
set phx_ref = excluded.phx_ref, presence_key = excluded.presence_key, meta = excluded.meta
"""
STATE_SQL = """
select presence_key, meta || pg_catalog.jsonb_build_object('phx_ref', phx_ref)
from realtime.presences where topic = %s and private = %s order by created_at
"""
SWEEP_SQL = """
delete from realtime.presences as p
where not exists (select from pg_catalog.pg_stat_activity as a where a.pid = p.node_pid)
returning topic, private, presence_key, meta || pg_catalog.jsonb_build_object('phx_ref', phx_ref)
"""

State = dict[str, dict[str, list[dict[str, Any]]]]


def new_ref() -> str:
    return base64.urlsafe_b64encode(os.urandom(9)).decode()


def _entry(key: str, meta: dict[str, Any]) -> State:
    return {key: {"metas": [meta]}}


class PresenceStore:
    def __init__(self, pool: AsyncConnectionPool, backplane: Backplane) -> None:
        self._pool = pool
        self._backplane = backplane

    async def track(self, channel: Channel, meta: dict[str, Any]) -> None:
        """Track or update the channel's presence; the same payload again changes nothing."""
        if channel.tracked == meta:
            return
        ref, key = new_ref(), channel.config.presence_key
        joins = _entry(key, {**meta, "phx_ref": ref})
        leaves: State = {}
        if channel.tracked is not None and channel.phx_ref is not None:
            joins[key]["metas"][0]["phx_ref_prev"] = channel.phx_ref
            leaves = _entry(key, {**channel.tracked, "phx_ref": channel.phx_ref})
        async with self._pool.connection() as conn:
            await conn.execute(
                UPSERT_SQL,
                (
                    ref,
                    channel.name,
                    channel.config.private,
                    key,
                    orjson.dumps(meta).decode(),
                    channel.id,
                    self._backplane.pid,
                ),
            )
            await self._diff(conn, channel.key, joins, leaves)
        channel.tracked, channel.phx_ref = meta, ref

    async def untrack(self, channel: Channel) -> None:
        if channel.tracked is None or channel.phx_ref is None:
            return
        leaves = _entry(
            channel.config.presence_key, {**channel.tracked, "phx_ref": channel.phx_ref}
        )
        channel.tracked = channel.phx_ref = None
        async with self._pool.connection() as conn:
            await conn.execute(
                "delete from realtime.presences where channel_id = %s", (channel.id,)
            )
            await self._diff(conn, channel.key, {}, leaves)

    async def state(self, name: str, private: bool) -> State:
        async with self._pool.connection() as conn:
            rows = await (await conn.execute(STATE_SQL, (name, private))).fetchall()
        state: State = {}
        for key, meta in rows:
            state.setdefault(key, {"metas": []})["metas"].append(meta)
        return state

    async def sweep(self) -> None:
        """Remove presences of nodes whose backplane session is gone, telling everyone."""
        async with self._pool.connection() as conn:
            rows = await (await conn.execute(SWEEP_SQL)).fetchall()
            grouped: dict[tuple[str, bool], State] = defaultdict(dict)
            for topic, private, key, meta in rows:
                grouped[(topic, private)].setdefault(key, {"metas": []})["metas"].append(meta)
            for topic_key, leaves in grouped.items():
                await self._diff(conn, topic_key, {}, leaves)

    async def adopt(self, old_pid: int, new_pid: int) -> None:
        """After the backplane reconnected, keep this node's presences alive under its new pid."""
        async with self._pool.connection() as conn:
            await conn.execute(
                "update realtime.presences set node_pid = %s where node_pid = %s",
                (new_pid, old_pid),
            )

    async def _diff(self, conn: Any, key: tuple[str, bool], joins: State, leaves: State) -> None:
        message = {"k": "pd", "t": key[0], "p": key[1], "j": joins, "l": leaves}
        await self._backplane.publish(message, conn)
