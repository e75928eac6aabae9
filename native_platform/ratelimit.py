"""Request rate limits enforced by each API node, reconciled with the SQL buckets in batches.

The `request.*` limits of `rate_limit.limits` (ADR 0022, which supersedes ADR 0006 for the
request path) are token buckets shared by every API node through `rate_limit.buckets`. Charging
the SQL bucket on each request (the pre-request hook's dblink charge) made a request cost the
database ~3.5 times a bare RLS read, so a node keeps a copy of each bucket it uses:

- A request is admitted when the copy, refilled since the node last read the bucket and minus
  the node's own charges not yet acknowledged, holds a token; otherwise it is refused at once
  with the seconds until a token is due (429 + Retry-After, answered without the database).
- What the node admitted is charged to the SQL buckets by one statement
  (`rate_limit.charge_batch`) at most once per `interval`, which answers each bucket's tokens
  after all nodes' charges; the copy starts from that. Charges are taken even past zero: the
  debt is refilled before anyone is admitted again, so over time the limit is exact.
- A key the node has not read yet waits for the next batch (one interval, once per key), and a
  key with `max_unsynced` charges not yet acknowledged waits for the batch too. So a node admits
  at most `max_unsynced` requests per key on a stale copy: all nodes together overshoot a bucket
  by at most `nodes × max_unsynced`, in practice by what the other nodes admit in one interval.

A node that crashes loses at most its unsent charges (again at most `max_unsynced` per key).
Per-user and per-address limits of sign-in and invitations do not come here: they stay exact in
SQL (`rate_limit.take_together_autonomously`, `take_autonomously`).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg

from native_platform.pipeline import run_pipeline

__all__ = ["LimiterUnavailable", "RequestLimiter", "request_key"]

log = logging.getLogger(__name__)

_CHARGE = b"select rate_limit.charge_batch(%s::jsonb)"
# A bucket nobody here used for this long is forgotten (read again from SQL on next use).
_IDLE_SECONDS = 30.0
_BACKOFF_MAX = 2.0


class LimiterUnavailable(Exception):
    """The node could not reach the SQL buckets to learn a key's state."""


def request_key(claims: Mapping[str, Any], headers: Mapping[str, str]) -> tuple[str, str] | None:
    """The (action, subject) a request is counted under, as `app_private.check_request()` counts
    it: the user id of a signed-in token, else the client address (`x-forwarded-for`'s first
    hop, Postgres's inet text), `None` for the service role (never limited)."""
    role = claims.get("role") or "anon"
    if role == "service_role":
        return None
    sub = claims.get("sub")
    if sub is not None and role == "authenticated":
        return "request.authenticated", str(sub)
    return "request.anon", _address(headers.get("x-forwarded-for"))


def _address(forwarded: str | None) -> str:
    first = (forwarded or "").split(",", 1)[0].strip()
    try:
        interface = ipaddress.ip_interface(first)
    except ValueError:
        return "unknown"
    return f"{interface.ip}/{interface.network.prefixlen}"


@dataclass
class _Bucket:
    tokens: float = 0.0  # the SQL bucket's tokens when last read (may be negative: a debt)
    read_at: float = 0.0  # monotonic time of that read
    capacity: float = 0.0
    refill: float = 0.0  # tokens per second
    known: bool = False  # read at least once
    limited: bool = True  # False when rate_limit.limits has no row for the action
    pending: int = 0  # admitted here, not yet sent
    unsynced: int = 0  # admitted here, not yet acknowledged (pending + in flight)
    used_at: float = 0.0

    def available(self, now: float) -> float:
        refilled = min(self.capacity, self.tokens + self.refill * (now - self.read_at))
        return refilled - self.unsynced


class RequestLimiter:
    """One node's copy of the request buckets and the task that reconciles it with SQL."""

    def __init__(self, conninfo: str, interval: float = 0.005, max_unsynced: int = 32) -> None:
        self.conninfo = conninfo
        self.interval = interval
        self.max_unsynced = max_unsynced
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._wake = asyncio.Event()
        self._round: asyncio.Future[bool] | None = None
        self._task: asyncio.Task[None] | None = None
        self._conn: psycopg.AsyncConnection[Any] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._conn is not None:
            await self._conn.close()

    async def take(self, action: str, subject: str) -> float:
        """0 when the request is admitted (and charged), else the seconds until a token is due.

        Raises LimiterUnavailable when the request had to wait for a batch (an unknown key, or
        too many charges unacknowledged) and the batch could not reach the database.
        """
        key = (action, subject)
        while True:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket()
            now = time.monotonic()
            bucket.used_at = now
            if bucket.known and not bucket.limited:
                bucket.pending += 1  # still sent, so that a limit added later is learnt
                self._wake.set()
                return 0.0
            if bucket.known:
                available = bucket.available(now)
                if available < 1:
                    return (1 - available) / bucket.refill
                if bucket.unsynced < self.max_unsynced:
                    bucket.pending += 1
                    bucket.unsynced += 1
                    self._wake.set()
                    return 0.0
            if not await self._next_round():
                raise LimiterUnavailable(f"cannot reach the rate limit {action}")

    async def _next_round(self) -> bool:
        """Wait for the next batch to finish; whether it reached the database."""
        if self._round is None:
            self._round = asyncio.get_running_loop().create_future()
        self._wake.set()
        return await asyncio.shield(self._round)

    async def _run(self) -> None:
        delay = self.interval
        while True:
            await self._wake.wait()
            self._wake.clear()
            done, self._round = self._round, None
            try:
                ok = await self._sync()
            except Exception:  # a bug must not leave waiting requests hanging
                log.exception("rate limit batch failed")
                await self._drop_connection()
                ok = False
            if done is not None and not done.done():
                done.set_result(ok)
            delay = self.interval if ok else min(max(delay * 2, 0.05), _BACKOFF_MAX)
            await asyncio.sleep(delay)

    async def _sync(self) -> bool:
        now = time.monotonic()
        batch: list[tuple[tuple[str, str], _Bucket, int]] = []
        for key, bucket in list(self._buckets.items()):
            if bucket.pending or not bucket.known:
                batch.append((key, bucket, bucket.pending))
                bucket.pending = 0
            elif not bucket.unsynced and now - bucket.used_at > _IDLE_SECONDS:
                del self._buckets[key]
        if not batch:
            return True
        charges = [{"a": key[0], "s": key[1], "n": n} for key, _, n in batch]
        try:
            answer = await self._charge(orjson.dumps(charges).decode())
        except (psycopg.Error, OSError) as error:
            log.warning("rate limit batch failed (%s); keeping its charges for the next one", error)
            for _, bucket, n in batch:
                bucket.pending += n  # counted again if it did commit: too many, never too few
            await self._drop_connection()
            return False
        read_at = time.monotonic()
        states = {(row[0], row[1]): row[2:] for row in answer}
        for key, bucket, n in batch:
            bucket.unsynced = max(0, bucket.unsynced - n)
            state = states.get(key)
            bucket.known, bucket.read_at = True, read_at
            if state is None:  # no row in rate_limit.limits: not limited (the hook agrees)
                bucket.limited = False
                continue
            bucket.limited = True
            bucket.tokens, bucket.capacity, bucket.refill = map(float, state)
        return True

    async def _charge(self, charges: str) -> list[list[Any]]:
        if self._conn is None or self._conn.closed:
            self._conn = await psycopg.AsyncConnection.connect(
                self.conninfo,
                autocommit=True,
                connect_timeout=5,
                # A batch waits on row locks of the SQL path's charges at most briefly.
                options="-c statement_timeout=5000 -c lock_timeout=2000",
            )
        # The libpq pipeline REST requests use: a fraction of a cursor's CPU (ADR 0035).
        row = (await run_pipeline(self._conn, [(_CHARGE, (charges,))])).row(0)
        return list(row[0]) if row[0] else []

    async def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error, OSError):
                await self._conn.close()
            self._conn = None
