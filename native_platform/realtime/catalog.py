"""What the publication holds: each published table's oid, key, column types and RLS flag."""

from __future__ import annotations

import time
from dataclasses import dataclass

from psycopg_pool import AsyncConnectionPool

from native_platform.realtime.rereads import BackgroundRereads

__all__ = ["Catalog", "TableInfo"]

TABLES_SQL = """
select n.nspname, c.relname, c.oid::integer, c.relrowsecurity,
    coalesce(array(
        select a.attname::text from pg_catalog.pg_index i
        join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
        where i.indrelid = c.oid and i.indisprimary order by a.attnum
    ), '{}'),
    array(
        select a.attname::text from pg_catalog.pg_attribute a
        where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped order by a.attnum
    ),
    array(
        select t.typname::text from pg_catalog.pg_attribute a
        join pg_catalog.pg_type t on t.oid = a.atttypid
        where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped order by a.attnum
    )
from pg_catalog.pg_publication_tables p
join pg_catalog.pg_namespace n on n.nspname = p.schemaname
join pg_catalog.pg_class c on c.relnamespace = n.oid and c.relname = p.tablename
where p.pubname = %s
"""


@dataclass(frozen=True)
class TableInfo:
    schema: str
    name: str
    oid: int
    rls: bool
    key_columns: tuple[str, ...]
    column_types: dict[str, str]

    @property
    def qualified(self) -> str:
        return f"{self.schema}.{self.name}"


class Catalog:
    """Published tables, re-read at most every `ttl` seconds."""

    def __init__(self, pool: AsyncConnectionPool, publication: str, ttl: float = 1.0) -> None:
        self._pool = pool
        self._publication = publication
        self._ttl = ttl
        self._tables: dict[tuple[str, str], TableInfo] = {}
        self._read_at = float("-inf")
        self._rereads = BackgroundRereads()

    async def tables(self) -> dict[tuple[str, str], TableInfo]:
        """The published tables. Past `ttl`, the tables read last are still answered while one
        re-read runs in the background: the WAL reader asks for every batch, and a change
        waiting for the catalog query waited 2-12 ms, one change in three in the realtime
        benchmark (docs/performance.md)."""
        if self._read_at == float("-inf"):
            await self.refresh()
        elif time.monotonic() - self._read_at > self._ttl:
            self._rereads.start((), self.refresh, f"publication {self._publication}")
        return self._tables

    async def refresh(self) -> None:
        async with self._pool.connection() as conn:
            rows = await (await conn.execute(TABLES_SQL, (self._publication,))).fetchall()
        self._tables = {}
        for schema, name, oid, rls, keys, columns, types in rows:
            column_types = dict(zip(columns, types, strict=True))
            self._tables[(schema, name)] = TableInfo(
                schema, name, oid, rls, tuple(keys), column_types
            )
        self._read_at = time.monotonic()

    async def get(self, schema: str, table: str) -> TableInfo | None:
        """The table, re-reading the catalog once when it is not (yet) known."""
        found = (await self.tables()).get((schema, table))
        if found is None:
            await self.refresh()
            found = self._tables.get((schema, table))
        return found
