"""The connection pool, the schema cache it serves, reconnection with backoff and reloads."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from native_platform.observability.metrics import register_pool
from native_platform.ratelimit import RequestLimiter
from native_platform.rest.db_config import apply_database_config, read_database_config
from native_platform.rest.errors import ApiError
from native_platform.rest.schema_cache import SchemaCache, load_schema_cache
from native_platform.rest.settings import RestSettings
from native_platform.shared_pipelines import SharedPipelines

__all__ = ["Database"]

log = logging.getLogger(__name__)
_MAX_BACKOFF = 8.0


class Database:
    """Owns the pool; `cache` is swapped atomically when the schema is reloaded."""

    def __init__(self, settings: RestSettings) -> None:
        # From the config file and environment; `settings` adds the database's own (db-config).
        self.base_settings = settings
        self.settings = settings
        self.conninfo = settings.db_uri.get_secret_value()
        self.pool: AsyncConnectionPool[psycopg.AsyncConnection[Any]] = AsyncConnectionPool(
            self.conninfo,
            min_size=1,
            max_size=settings.db_pool,
            open=False,
            timeout=settings.db_pool_acquisition_timeout,
            reconnect_timeout=3600,
            # Requests prepare their statements themselves (native_platform/pipeline.py);
            # psycopg must not, or its `DEALLOCATE ALL` after a rollback would drop theirs.
            kwargs={"prepare_threshold": None, "autocommit": True},
        )
        register_pool("rest", self.pool)
        self.shared = (
            SharedPipelines(
                self.pool,
                min(settings.db_shared_connections, settings.db_pool),
                settings.db_shared_batch,
                settings.db_pool_acquisition_timeout,
            )
            if settings.db_shared_connections
            else None
        )
        self.limiter = (
            RequestLimiter(
                self.conninfo,
                settings.rate_limit_interval_ms / 1000,
                settings.rate_limit_max_unsynced,
            )
            if settings.rate_limit_node
            else None
        )
        self.cache: SchemaCache | None = None
        self.healthy = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._recovering = False

    async def start(self) -> None:
        await self.pool.open(wait=False)
        if self.limiter is not None:
            await self.limiter.start()
        self._spawn(self._recover())
        if self.settings.db_channel_enabled:
            self._spawn(self._listen())

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self.limiter is not None:
            await self.limiter.stop()
        await self.pool.close()

    def _spawn(self, coroutine: Any) -> None:
        task: asyncio.Task[None] = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def ready_cache(self) -> SchemaCache:
        if self.cache is None:
            raise ApiError(
                503,
                "PGRST002",
                "Could not query the database for the schema cache. Retrying.",
                None,
                None,
            )
        if not self.healthy:
            raise ApiError(
                503, "PGRST001", "Database client error. Retrying the connection.", None, None
            )
        return self.cache

    def connection_lost(self) -> None:
        """Called when a request saw the database go away: answer 503 until it is back."""
        self.healthy = False
        if not self._recovering:
            self._spawn(self._recover())

    def pool_timeout(self, error: PoolTimeout) -> ApiError:
        """Every connection stayed busy for db-pool-acquisition-timeout: PostgREST's 504.

        A busy pool is not a lost database, so the server stays healthy.
        """
        log.warning("no pooled connection within %ss: %s", self.pool.timeout, error)
        return ApiError(504, "PGRST003", "Timed out acquiring connection from connection pool.")

    async def reload(self) -> None:
        async with await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True) as conn:
            settings = self.base_settings
            if settings.db_config:
                values = await read_database_config(conn, settings.db_pre_config)
                settings = apply_database_config(settings, values)
            cache = await load_schema_cache(conn, settings.schemas)
            self.settings, self.cache = settings, cache

    async def _recover(self) -> None:
        self._recovering = True
        delay = 0.25
        try:
            while True:
                try:
                    await self.reload()
                    await self.pool.check()
                    self.healthy = True
                    return
                except (psycopg.Error, OSError) as error:
                    log.warning("database unavailable (%s); retrying in %.1fs", error, delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, _MAX_BACKOFF)
        finally:
            self._recovering = False

    async def _listen(self) -> None:
        delay = 0.25
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(
                    self.conninfo, autocommit=True
                ) as conn:
                    await conn.execute(
                        psycopg.sql.SQL("listen {}").format(
                            psycopg.sql.Identifier(self.settings.db_channel)
                        )
                    )
                    delay = 0.25
                    async for notify in conn.notifies():
                        # 'reload config' too: role settings (statement timeouts) live here.
                        if notify.payload in ("", "reload schema", "reload config"):
                            await self._reload_quietly()
            except (psycopg.Error, OSError) as error:
                log.warning("listener lost (%s); reconnecting in %.1fs", error, delay)
                self.connection_lost()
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_BACKOFF)

    async def _reload_quietly(self) -> None:
        try:
            await self.reload()
        except psycopg.Error as error:
            log.warning("schema cache reload failed: %s", error)
