"""The long-running indexer: drain on every outbox notification, back off while anything fails."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
import psycopg
from typesense.exceptions import TypesenseClientError

from functions.common.config import FunctionsConfig
from functions.common.db import connect_service
from functions.common.typesense_client import typesense_session
from functions.indexer.collections import IndexingError
from functions.indexer.outbox import drain_once

__all__ = ["RETRYABLE", "Backoff", "WorkerOptions", "run_worker"]

log = logging.getLogger("functions.indexer")

# Failures that leave the outbox untouched and are worth retrying after a pause.
RETRYABLE = (httpx.HTTPError, TypesenseClientError, IndexingError, OSError)


@dataclass(frozen=True)
class WorkerOptions:
    """Entries per pass, how long to wait for a notification, and the longest retry pause."""

    batch_size: int = 500
    idle_wait: float = 5.0
    max_backoff: float = 10.0


@dataclass
class Backoff:
    """Exponential delays between failed attempts, reset by a success."""

    ceiling: float
    initial: float = 0.1
    current: float = field(default=0.0)

    def next_delay(self) -> float:
        self.current = min(self.ceiling, self.current * 2 if self.current else self.initial)
        return self.current

    def reset(self) -> None:
        self.current = 0.0


def drain_forever(
    conn: psycopg.Connection,
    client: Any,
    prefix: str,
    stop: threading.Event,
    options: WorkerOptions,
) -> None:
    """Drain while there is work, then sleep until notified; retry failures with backoff."""
    backoff = Backoff(options.max_backoff)
    while not stop.is_set():
        try:
            result = drain_once(conn, client, prefix, options.batch_size)
        except RETRYABLE as error:
            delay = backoff.next_delay()
            log.warning("indexing failed (%s); retrying in %.1fs", error, delay)
            stop.wait(delay)
            continue
        backoff.reset()
        if result.entries < options.batch_size:
            for _ in conn.notifies(timeout=options.idle_wait, stop_after=1):
                pass


def run_worker(
    config: FunctionsConfig,
    stop: threading.Event | None = None,
    options: WorkerOptions | None = None,
) -> None:
    """Run until `stop` is set, reconnecting whenever the database goes away."""
    stop = stop or threading.Event()
    options = options or WorkerOptions()
    backoff = Backoff(options.max_backoff)
    while not stop.is_set():
        try:
            with connect_service(config) as conn, typesense_session(config) as client:
                conn.execute("listen search_outbox")
                backoff.reset()
                drain_forever(conn, client, config.collection_prefix, stop, options)
        except psycopg.OperationalError as error:
            delay = backoff.next_delay()
            log.warning("database unavailable (%s); reconnecting in %.1fs", error, delay)
            stop.wait(delay)
