"""Which subscribers may see which changed rows: one query per table, batch and role evaluates
the table's SELECT policies on the row versions the WAL recorded, for every distinct set of
claims at once (see `policy`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from typing import Any

import orjson
import psycopg
from psycopg_pool import AsyncConnectionPool

from native_platform.realtime.catalog import TableInfo
from native_platform.realtime.policy import visibility_query

__all__ = ["Visibility"]

CACHE_TTL = 5.0
MIN_CHUNK = 200
POLICY_SQL = """
select realtime.select_policy(%s::oid::regclass, %s), %s::oid::regclass::text,
    (select c.relname::text from pg_catalog.pg_class as c where c.oid = %s::oid)
"""
ROLE_SQL = """
select pg_catalog.has_table_privilege(%s, %s::oid, 'SELECT'),
    (select r.rolbypassrls from pg_catalog.pg_roles as r where r.rolname = %s)
"""
# JIT would compile the query for its inflated row estimates: tens of ms for microseconds of work.
CONTEXT_SQL = """
select pg_catalog.set_config('role', %s, true),
    pg_catalog.set_config('request.jwt.claims', '{}', true),
    pg_catalog.set_config('jit', 'off', true)
"""
log = logging.getLogger(__name__)


def _chunks(indexes: list[int], parallel: int) -> list[list[int]]:
    """Split claim sets over up to `parallel` connections, at least MIN_CHUNK per connection."""
    count = max(1, min(parallel, len(indexes) // MIN_CHUNK))
    size = -(-len(indexes) // count)
    return [indexes[start : start + size] for start in range(0, len(indexes), size)]


class Visibility:
    """Policies cost roughly the same per claim set whatever the batch size, so large
    subscriber sets are checked on several connections at once (Postgres uses every core)."""

    def __init__(self, pool: AsyncConnectionPool, parallel: int) -> None:
        self._pool = pool
        self._parallel = parallel
        self._roles: dict[tuple[str, int], tuple[tuple[bool, bool], float]] = {}
        self._queries: dict[tuple[str, int], tuple[str, float]] = {}

    async def _role(self, role: str, table: TableInfo) -> tuple[bool, bool]:
        """(may SELECT the table, bypasses RLS), cached for a few seconds."""
        cached = self._roles.get((role, table.oid))
        if cached and time.monotonic() - cached[1] < CACHE_TTL:
            return cached[0]
        async with self._pool.connection() as conn:
            row = await (await conn.execute(ROLE_SQL, (role, table.oid, role))).fetchone()
        answer = (bool(row and row[0]), bool(row and row[1]))
        self._roles[(role, table.oid)] = (answer, time.monotonic())
        return answer

    async def may_select(self, role: str, table: TableInfo) -> bool:
        return (await self._role(role, table))[0]

    async def visible(
        self, table: TableInfo, rows: list[dict[str, Any]], claim_sets: list[tuple[str, str]]
    ) -> list[set[int]]:
        """For each (role, claims JSON), the positions in `rows` it may see."""
        result: list[set[int]] = [set() for _ in claim_sets]
        by_role: dict[str, list[int]] = defaultdict(list)
        for index, (role, _) in enumerate(claim_sets):
            by_role[role].append(index)
        for role, indexes in by_role.items():
            if (await self._role(role, table))[1]:
                for index in indexes:
                    result[index] = set(range(len(rows)))
                continue
            chunks = _chunks(indexes, self._parallel)
            checks = [
                self._check(table, role, rows, [claim_sets[index][1] for index in chunk])
                for chunk in chunks
            ]
            for chunk, pairs in zip(chunks, await asyncio.gather(*checks), strict=True):
                for position, row_index in pairs:
                    result[chunk[position]].add(row_index)
        return result

    async def _query(self, conn: psycopg.AsyncConnection, role: str, table: TableInfo) -> str:
        """The visibility query of the table's current policy for `role` (cached briefly)."""
        cached = self._queries.get((role, table.oid))
        if cached and time.monotonic() - cached[1] < CACHE_TTL:
            return cached[0]
        cursor = await conn.execute(POLICY_SQL, (table.oid, role, table.oid, table.oid))
        row = await cursor.fetchone()
        assert row is not None
        query = visibility_query(row[1], row[2], row[0])
        self._queries[(role, table.oid)] = (query, time.monotonic())
        return query

    async def _check(
        self, table: TableInfo, role: str, rows: list[dict[str, Any]], claims: list[str]
    ) -> list[tuple[int, int]]:
        arguments = {"claims": orjson.dumps(claims).decode(), "rows": orjson.dumps(rows).decode()}
        try:
            async with self._pool.connection() as conn, conn.transaction(force_rollback=True):
                query = await self._query(conn, role, table)
                # Valid claims while planning: the planner may pre-evaluate stable expressions.
                await conn.execute(CONTEXT_SQL, (role,))
                return list(await (await conn.execute(query, arguments)).fetchall())
        except psycopg.Error as error:
            log.warning("RLS check on %s failed: %s", table.qualified, error)
            return []
