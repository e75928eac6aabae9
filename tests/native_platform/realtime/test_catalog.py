"""The publication's catalog against a real Postgres: past its time to live it answers the
tables it read last at once and re-reads them in the background, so a delivery never waits
for the catalog query; a table it does not know is looked up at once (`get`, the join's)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator

import pytest
from psycopg_pool import AsyncConnectionPool

from native_platform.realtime.catalog import Catalog
from tests.native_platform.realtime.support import RealtimeEnv

pytestmark = pytest.mark.anyio


@contextlib.asynccontextmanager
async def read_catalog(realtime_env: RealtimeEnv, ttl: float) -> AsyncIterator[Catalog]:
    """A catalog on its own session, after its first read."""
    async with AsyncConnectionPool(realtime_env.dsn, min_size=1, max_size=1, open=False) as pool:
        catalog = Catalog(pool, realtime_env.settings.publication, ttl=ttl)
        await catalog.tables()
        yield catalog


def publish_new_table(realtime_env: RealtimeEnv, name: str) -> None:
    realtime_env.sql(
        f"create table public.{name} (id int primary key, body text);"
        f"alter publication {realtime_env.settings.publication} add table public.{name}"
    )


async def test_a_stale_catalog_answers_at_once_and_rereads_in_the_background(
    realtime_env: RealtimeEnv,
) -> None:
    name = f"rt_catalog_{uuid.uuid4().hex[:8]}"
    async with read_catalog(realtime_env, ttl=0.05) as catalog:
        assert ("public", name) not in await catalog.tables()
        publish_new_table(realtime_env, name)
        await asyncio.sleep(0.1)
        # Stale: the last answer comes back without waiting; a re-read starts.
        assert ("public", name) not in await catalog.tables()
        for _ in range(50):
            await asyncio.sleep(0.05)
            if ("public", name) in await catalog.tables():
                break
        assert ("public", name) in await catalog.tables()


async def test_a_table_the_catalog_does_not_know_is_looked_up_at_once(
    realtime_env: RealtimeEnv,
) -> None:
    name = f"rt_catalog_{uuid.uuid4().hex[:8]}"
    async with read_catalog(realtime_env, ttl=3600) as catalog:
        publish_new_table(realtime_env, name)
        table = await catalog.get("public", name)
        assert table is not None and table.key_columns == ("id",)
