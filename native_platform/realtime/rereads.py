"""Re-reads that run in the background while a cache answers with what it read last
(stale-while-revalidate): the realtime catalog and each role's rights on a table."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable

__all__ = ["BackgroundRereads"]

log = logging.getLogger(__name__)


class BackgroundRereads:
    """At most one re-read running per key; a failed one is logged, and the cache's next use
    past its time to live starts another."""

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Task[None]] = {}

    def start(self, key: Hashable, reread: Callable[[], Awaitable[object]], what: str) -> None:
        """Run `reread()` in the background unless one for `key` is running; `what` names it
        in the warning a failure logs."""
        if key not in self._running:
            self._running[key] = asyncio.ensure_future(self._run(key, reread, what))

    async def _run(self, key: Hashable, reread: Callable[[], Awaitable[object]], what: str) -> None:
        try:
            await reread()
        except Exception as error:  # the next use past the time to live tries again
            log.warning("re-reading %s failed: %r", what, error)
        finally:
            del self._running[key]
