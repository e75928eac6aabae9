"""Read-only transactions of many requests sent down a few shared connections, several in one
write (ADR 0038).

A request given its own pooled connection costs one write, one wake-up of its backend and one
read per request; with sixteen requests in flight on two cores, Postgres spent more on those
wake-ups than on the reads themselves. Here a few runners (`connections`) each lease a pooled
connection, take every transaction waiting (at most `batch`), send them as one libpq pipeline
(one segment, i.e. one implicit transaction, per request, each ended by its own sync) and hand
each request its results as they arrive. Postgres runs a segment whatever became of the one
before it, so a request's error, time limit and settings stay its own.

What a request gives up, bounded by `batch`: it may wait behind the transactions sent before it
in its batch (each bounded by its own `statement_timeout`), and a request whose client went away
once its transaction was sent leaves it to finish (cancelling the backend's statement could hit
another request's). A transaction still waiting to be sent is withdrawn. One waiting longer than
`timeout` for a connection fails with `PoolTimeout`, as a request waiting for the pool would; so
does one arriving while `queue_limit` others wait.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from native_platform.observability.metrics import count_shared_waiting, record_shared_batch
from native_platform.observability.tracing import PipelineSpans
from native_platform.pipeline import Params, Query, Results, stream_segments

__all__ = ["SharedPipelines"]

Pool = AsyncConnectionPool[psycopg.AsyncConnection[Any]]


@dataclass(eq=False, slots=True)
class _Job:
    """One request's transaction: its statements (traced ones carry their span's comment)."""

    statements: list[tuple[Query, Params]]
    spans: PipelineSpans
    answer: asyncio.Future[Results]
    expiry: asyncio.TimerHandle | None = None


class SharedPipelines:
    """Runs each request's statements as one implicit transaction on a shared connection."""

    def __init__(
        self, pool: Pool, connections: int, batch: int, timeout: float, queue_limit: int = 1024
    ) -> None:
        self._pool = pool
        self._batch = batch
        self._timeout = timeout
        self._queue_limit = queue_limit
        self._waiting: collections.deque[_Job] = collections.deque()
        self._idle_runners = connections
        self._runners: set[asyncio.Task[None]] = set()
        count_shared_waiting(lambda: len(self._waiting))

    async def run(self, statements: Sequence[tuple[Query, Params]]) -> Results:
        """The statements' results, or the `psycopg.Error` the first failing one raised (the
        transaction was rolled back)."""
        if len(self._waiting) >= self._queue_limit:
            raise PoolTimeout(f"{len(self._waiting)} requests already wait for a connection")
        loop = asyncio.get_running_loop()
        spans = PipelineSpans(None, [query for query, _ in statements])
        job = _Job(
            [(query, params) for query, (_, params) in zip(spans.queries, statements, strict=True)],
            spans,
            loop.create_future(),
        )
        job.expiry = loop.call_later(self._timeout, self._expire, job)
        self._waiting.append(job)
        if self._idle_runners:
            self._idle_runners -= 1
            runner = loop.create_task(self._serve())
            self._runners.add(runner)
            runner.add_done_callback(self._runners.discard)
        try:
            return await job.answer
        except asyncio.CancelledError as cancelled:
            if self._withdraw(job):  # else its runner ends its spans
                job.spans.end(None, cancelled)
            raise

    def _expire(self, job: _Job) -> None:
        """A job still waiting after the pool's timeout: PostgREST's 504 (PGRST003)."""
        self._withdraw(job)
        _settle(job, PoolTimeout(f"no connection within {self._timeout} s"))

    def _withdraw(self, job: _Job) -> bool:
        """Take a job out of the queue; False when a runner had taken it already."""
        if job.expiry is not None:
            job.expiry.cancel()
        try:
            self._waiting.remove(job)
        except ValueError:
            return False
        return True

    def _take(self) -> list[_Job]:
        jobs: list[_Job] = []
        while self._waiting and len(jobs) < self._batch:
            job = self._waiting.popleft()
            if job.expiry is not None:
                job.expiry.cancel()
            jobs.append(job)
        return jobs

    async def _serve(self) -> None:
        """Lease a connection and send what waits, until nothing does."""
        try:
            while self._waiting:
                try:
                    conn = await self._pool.getconn()
                except PoolTimeout:
                    continue  # the waiting jobs expire on their own timers
                except Exception as error:  # the pool was closed
                    for job in self._take():
                        _settle(job, error)
                    continue
                try:
                    jobs = self._take()
                    if jobs:
                        record_shared_batch(len(jobs))
                        await _send(conn, jobs)
                finally:
                    await self._pool.putconn(conn)
        finally:
            self._idle_runners += 1


async def _send(conn: psycopg.AsyncConnection[Any], jobs: list[_Job]) -> None:
    """One pipeline, one segment per job; each job answered as its segment's results arrive.

    A connection that breaks fails the jobs not answered yet with its error; `stream_segments`
    closed it, so the pool replaces it.
    """
    answered = 0
    try:
        segments = (job.statements for job in jobs)
        async with contextlib.aclosing(stream_segments(conn, segments)) as answers:
            async for answer in answers:
                _settle(jobs[answered], answer)
                answered += 1
    except asyncio.CancelledError:
        for job in jobs[answered:]:
            job.spans.end(None, None)
            job.answer.cancel()
        raise
    except Exception as error:
        for job in jobs[answered:]:
            _settle(job, error)


def _settle(job: _Job, answer: Results | BaseException) -> None:
    if isinstance(answer, Results):
        job.spans.end(answer.row_counts, None)
        if not job.answer.done():  # the request may have been cancelled meanwhile
            job.answer.set_result(answer)
        return
    job.spans.end(None, answer)
    if not job.answer.done():
        job.answer.set_exception(answer)
