"""The request pipeline (REST and auth) against a real Postgres: one implicit transaction,
psycopg's errors and adaptation, statements prepared per connection within a bound, interrupted
pipelines; the streamed pipeline (realtime's RLS checks): a transaction per statement, answers
as they arrive, a consumer that stops early."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.types.json import Jsonb

from native_platform import pipeline
from native_platform.pipeline import (
    PREPARE_THRESHOLD,
    Params,
    Query,
    Results,
    run_pipeline,
    stream_pipeline,
    stream_segments,
)

Connection = psycopg.AsyncConnection[Any]


def with_connection(dsn: str, body: Callable[[Connection], Awaitable[None]]) -> None:
    """Run `body` on a connection configured like the REST pool's."""

    async def run() -> None:
        conn = await psycopg.AsyncConnection.connect(dsn, autocommit=True, prepare_threshold=None)
        try:
            await body(conn)
        finally:
            await conn.close()

    asyncio.run(run())


async def prepared_names(conn: Connection) -> list[str]:
    cursor = await conn.execute("select name from pg_prepared_statements order by name")
    return [str(name) for (name,) in await cursor.fetchall()]


def test_statements_run_as_one_transaction_with_psycopg_adaptation(db_dsn: str) -> None:
    async def body(conn: Connection) -> None:
        await conn.execute("create table public.pipeline_probe (n integer primary key, v jsonb)")
        statement = sql.SQL("insert into public.pipeline_probe values ({n}, {v}) returning n, v")
        results = await run_pipeline(
            conn,
            [
                (b"select set_config('pipeline.probe', %s, true)", ("seen",)),
                (
                    statement.format(n=sql.Placeholder("n"), v=sql.Placeholder("v")),
                    {
                        "n": 1,
                        "v": Jsonb({"a": [1, 2]}),
                    },
                ),
                (b"select current_setting('pipeline.probe'), %s::int[]", ([1, 2],)),
            ],
        )
        assert results.row(1) == (1, {"a": [1, 2]})
        assert results.row(2) == ("seen", [1, 2])
        # The sync committed the implicit transaction, and the settings were local to it.
        cursor = await conn.execute("select count(*), current_setting('pipeline.probe', true)")
        assert await cursor.fetchone() == (1, "")

    with_connection(db_dsn, body)


def test_an_error_rolls_back_the_pipeline_and_raises_psycopgs_error(db_dsn: str) -> None:
    async def body(conn: Connection) -> None:
        await conn.execute("create table public.pipeline_probe (n integer primary key)")
        insert = b"insert into public.pipeline_probe values (%s)"
        for attempt in range(PREPARE_THRESHOLD + 2):
            # Prepares of later statements are skipped after the error: they must be forgotten,
            # or the next pipeline would execute statements that do not exist.
            with pytest.raises(psycopg.errors.DivisionByZero) as raised:
                await run_pipeline(
                    conn,
                    [
                        (insert, (attempt,)),
                        (b"select 1 / %s", (0,)),
                        (b"select %s::text", ("after",)),
                    ],
                )
            assert raised.value.diag.message_primary == "division by zero"
            # psycopg's own rollback must not drop the pipeline's prepared statements.
            await conn.rollback()
        cursor = await conn.execute("select count(*) from public.pipeline_probe")
        assert await cursor.fetchone() == (0,)
        results = await run_pipeline(conn, [(b"select %s::text", ("after",))])
        assert results.row(0) == ("after",)

    with_connection(db_dsn, body)


def test_statements_are_prepared_after_the_threshold_within_a_bound(
    db_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "PREPARED_MAX", 3)

    async def body(conn: Connection) -> None:
        for _ in range(PREPARE_THRESHOLD - 1):
            await run_pipeline(conn, [(b"select %s::int + 0", (1,))])
        assert await prepared_names(conn) == []
        await run_pipeline(conn, [(b"select %s::int + 0", (1,))])
        assert len(await prepared_names(conn)) == 1
        for shape in range(1, 8):
            query = b"select %%s::int + %d" % shape
            for _ in range(PREPARE_THRESHOLD + 1):
                results = await run_pipeline(conn, [(query, (1,))])
                assert results.row(0) == (1 + shape,)
        # Least recently used statements were deallocated: at most PREPARED_MAX stay.
        assert len(await prepared_names(conn)) == 3

    with_connection(db_dsn, body)


def test_a_prepare_an_error_skipped_leaves_the_later_segments_alone(db_dsn: str) -> None:
    """Postgres skips the rest of a segment after an error, a prepare included: a later segment
    of the same pipeline (another request's, ADR 0038) must not use the name it would have made.
    """
    query = b"select %s::int + 1"

    async def body(conn: Connection) -> None:
        for n in range(PREPARE_THRESHOLD - 1):
            await run_pipeline(conn, [(query, (n,))])
        segments: list[list[tuple[Query, Params]]] = [
            [(b"select 1 / 0", None), (query, (1,))],
            [(query, (2,))],
        ]
        answers = [answer async for answer in stream_segments(conn, segments)]
        assert isinstance(answers[0], psycopg.errors.DivisionByZero)
        assert isinstance(answers[1], Results) and answers[1].row(0) == (3,)
        assert await prepared_names(conn) == []
        for n in range(PREPARE_THRESHOLD):
            assert (await run_pipeline(conn, [(query, (n,))])).row(0) == (n + 1,)
        assert len(await prepared_names(conn)) == 1

    with_connection(db_dsn, body)


def test_an_interrupted_pipeline_cancels_its_query_and_closes_the_connection(
    db_dsn: str,
) -> None:
    async def body(conn: Connection) -> None:
        pid = conn.info.backend_pid
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(run_pipeline(conn, [(b"select pg_sleep(30)", None)]), 0.5)
        assert conn.closed
        async with await psycopg.AsyncConnection.connect(db_dsn, autocommit=True) as probe:
            for _ in range(100):
                cursor = await probe.execute(
                    "select count(*) from pg_stat_activity where pid = %s and state = 'active'",
                    (pid,),
                )
                if await cursor.fetchone() == (0,):
                    return
                await asyncio.sleep(0.05)
        raise AssertionError("the interrupted query kept running")

    with_connection(db_dsn, body)


def test_a_pipeline_larger_than_the_socket_buffers_is_sent_whole(db_dsn: str) -> None:
    """libpq sends it in several writes while Postgres already answers the first statements."""

    async def body(conn: Connection) -> None:
        big = "x" * 8_000_000
        statements = [(b"select generate_series(1, 50000)", None)] + [
            (b"select length(%s::text)", (big,)) for _ in range(3)
        ]
        results = await run_pipeline(conn, statements)
        assert [results.row(index) for index in range(1, 4)] == [(8_000_000,)] * 3

    with_connection(db_dsn, body)


def test_a_streamed_pipeline_runs_each_statement_as_its_own_transaction(db_dsn: str) -> None:
    """A failing statement yields its error and leaves the others (and their settings) alone;
    rows are loaded with psycopg's adaptation, in the order sent."""

    async def body(conn: Connection) -> None:
        statements = [
            (b"select set_config('rfl.probe', %s, true), generate_series(1, %s)", ("a", 2)),
            (b"select 1 / 0", None),
            (b"select current_setting('rfl.probe', true), %s::jsonb", (Jsonb({"k": [1]}),)),
        ]
        answers = [answer async for answer in stream_pipeline(conn, statements)]
        assert not isinstance(answers[0], psycopg.Error)
        assert answers[0].rows(0) == [("a", 1), ("a", 2)]
        assert isinstance(answers[1], psycopg.errors.DivisionByZero)
        assert not isinstance(answers[2], psycopg.Error)
        # The first statement's transaction-local setting ended with it.
        assert answers[2].rows(0) == [("", {"k": [1]})]
        assert (await (await conn.execute("select 1")).fetchone()) == (1,)

    with_connection(db_dsn, body)


def test_a_streamed_answer_arrives_before_the_later_statements_finish(db_dsn: str) -> None:
    async def body(conn: Connection) -> None:
        statements = [(b"select 1", None), (b"select pg_sleep(2)", None)]
        loop = asyncio.get_running_loop()
        start = loop.time()
        answers = stream_pipeline(conn, statements)
        first = await anext(answers)
        assert not isinstance(first, psycopg.Error) and first.rows(0) == [(1,)]
        assert loop.time() - start < 1.5
        await answers.aclose()

    with_connection(db_dsn, body)


def test_a_consumer_that_stops_early_cancels_the_queued_statements(db_dsn: str) -> None:
    """The running statement is cancelled and the connection closed; a session checking its
    client (as realtime's RLS sessions do) then drops the statements still queued."""

    async def run() -> None:
        options = "-c client_connection_check_interval=100ms"
        conn = await psycopg.AsyncConnection.connect(db_dsn, autocommit=True, options=options)
        pid = conn.info.backend_pid
        statements = [(b"select 1", None)] + [(b"select pg_sleep(30)", None)] * 3
        answers = stream_pipeline(conn, statements)
        await anext(answers)
        await answers.aclose()
        assert conn.closed
        async with await psycopg.AsyncConnection.connect(db_dsn, autocommit=True) as probe:
            for _ in range(100):
                cursor = await probe.execute(
                    "select count(*) from pg_stat_activity where pid = %s", (pid,)
                )
                if await cursor.fetchone() == (0,):
                    return
                await asyncio.sleep(0.05)
        raise AssertionError("the queued statements kept running")

    asyncio.run(run())
