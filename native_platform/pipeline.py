"""Send a request's statements to Postgres as one libpq pipeline and read their results back.

psycopg's pipeline mode makes the same single round trip, but every `cursor.execute` in it walks
psycopg's cursor, preparation and pipeline generators, with a flush and polls per statement: a
quarter of the REST server's CPU per request (ADR 0035). REST and auth only ever send a fixed
list of statements and read their first results, so this module drives the connection's libpq
handle (`conn.pgconn`, psycopg's public libpq wrapper) itself and leaves adaptation to psycopg:
`PostgresQuery` turns psycopg's placeholders into `$n` and dumps the values, a `Transformer`
loads the rows, `error_from_result` builds the same `psycopg.Error` as a cursor would raise.

A statement is prepared once it was sent `PREPARE_THRESHOLD` times on a connection, and each
connection keeps at most `PREPARED_MAX` of them (the least recently used is deallocated), as
psycopg's own prepared-statement cache does for its cursors.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections import OrderedDict
from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import psycopg
from psycopg import abc, errors, pq, sql
from psycopg._queries import PostgresQuery
from psycopg.adapt import Transformer
from psycopg_pool import AsyncConnectionPool

from native_platform.libpq_wait import flush, next_result
from native_platform.observability.tracing import PipelineSpans

__all__ = [
    "PREPARED_MAX",
    "PREPARE_THRESHOLD",
    "Results",
    "leased",
    "run_pipeline",
    "stream_pipeline",
    "stream_segments",
]

PREPARE_THRESHOLD = 3
PREPARED_MAX = 100

Query = sql.Composable | bytes
Params = Sequence[object] | Mapping[str, object] | None
# A statement as Postgres sees it: its text with `$n` placeholders and its parameters' types.
Key = tuple[bytes, tuple[int, ...]]


@dataclass
class _Prepared:
    """One connection's statements: use counts of unprepared ones, names of prepared ones, and
    the names whose prepare was sent but not answered yet."""

    seen: OrderedDict[Key, int] = field(default_factory=OrderedDict)
    names: OrderedDict[Key, bytes] = field(default_factory=OrderedDict)
    pending: set[Key] = field(default_factory=set)
    counter: int = 0


_PREPARED: weakref.WeakKeyDictionary[psycopg.AsyncConnection[Any], _Prepared] = (
    weakref.WeakKeyDictionary()
)
_OK = (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK, pq.ExecStatus.EMPTY_QUERY)


class Results:
    """The first result of each statement, in order, with psycopg's row loading."""

    def __init__(self, loader: abc.Transformer, results: list[pq.abc.PGresult]) -> None:
        self._loader = loader
        self._results = results

    def row(self, index: int) -> tuple[Any, ...]:
        """Statement `index`'s first row, loaded as a cursor would."""
        result = self._results[index]
        if result.ntuples == 0:
            raise psycopg.ProgrammingError("the statement answered no row")
        self._loader.set_pgresult(result)
        return self._loader.load_row(0, tuple)

    def rows(self, index: int) -> list[tuple[Any, ...]]:
        """Statement `index`'s rows, loaded as a cursor would."""
        result = self._results[index]
        self._loader.set_pgresult(result)
        return self._loader.load_rows(0, result.ntuples, tuple)

    @property
    def row_counts(self) -> list[int]:
        """How many rows each statement answered."""
        return [result.ntuples for result in self._results]

    def texts(self, index: int) -> list[str]:
        """Statement `index`'s first column in every row, as the text Postgres sent."""
        result = self._results[index]
        values = (result.get_value(row, 0) for row in range(result.ntuples))
        return [bytes(value).decode() if value is not None else "" for value in values]


@contextlib.asynccontextmanager
async def leased(
    pool: AsyncConnectionPool[psycopg.AsyncConnection[Any]],
) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """A pooled connection for code that ends its own transactions, as a pipeline's sync or its
    caller's `commit` does.

    `pool.connection()` also enters the connection's own context, whose exit commits: a no-op
    here that still takes the connection's lock and runs psycopg's wait machinery on every
    request (docs/performance.md, eleventh session). The pool's return still rolls back a
    transaction left open and replaces a closed or broken connection.
    """
    conn = await pool.getconn()
    try:
        yield conn
    finally:
        await pool.putconn(conn)


async def run_pipeline(
    conn: psycopg.AsyncConnection[Any], statements: Sequence[tuple[Query, Params]]
) -> Results:
    """Send every statement, then a sync, in one write; raise the first statement's error.

    Without an explicit `begin` Postgres runs the statements as one implicit transaction that
    the sync commits (or rolls back after an error). A connection left mid-pipeline (the task
    was cancelled, the socket failed) is closed, so that the pool drops it.
    """
    pgconn = conn.pgconn
    prepared = _PREPARED.setdefault(conn, _Prepared())
    # One adaptation context for the whole pipeline: each statement's values are dumped (and
    # each result loaded) before the next one uses it.
    adapter = Transformer(conn)
    spans = PipelineSpans(conn, [query for query, _ in statements])
    try:
        converted = [
            _convert(adapter, query, params)
            for query, (_, params) in zip(spans.queries, statements, strict=True)
        ]
        try:
            pgconn.enter_pipeline_mode()
            commands = [
                command for query in converted for command in _send(pgconn, prepared, query)
            ]
            pgconn.pipeline_sync()
            await flush(pgconn)
            results = await _read_segment(pgconn, commands)
            pgconn.exit_pipeline_mode()
        except BaseException as error:
            await _abandon(conn, error)
            raise
        answers = _answers(conn, prepared, commands, results)
    except BaseException as error:
        spans.end(None, error)
        raise
    spans.end([answer.ntuples for answer in answers], None)
    return Results(adapter, answers)


def stream_pipeline(
    conn: psycopg.AsyncConnection[Any], statements: Iterable[tuple[Query, Params]]
) -> AsyncGenerator[Results | psycopg.Error, None]:
    """Send every statement, each followed by a sync; yield each one's result as it arrives, or
    the `psycopg.Error` it raised (`stream_segments` of one statement each).

    A sync after each statement makes it a transaction of its own: Postgres runs the next one
    whatever became of it, and sends (flushes) each result as soon as it is computed, so the
    caller works on the first answers while the server computes the rest.
    """
    return stream_segments(conn, ([statement] for statement in statements))


async def stream_segments(
    conn: psycopg.AsyncConnection[Any], segments: Iterable[Sequence[tuple[Query, Params]]]
) -> AsyncGenerator[Results | psycopg.Error, None]:
    """Send each segment's statements followed by a sync; yield each segment's results as they
    arrive, or the `psycopg.Error` it raised (one of its values could not be adapted, or one of
    its statements failed).

    Without an explicit `begin` Postgres runs a segment as one implicit transaction that its
    sync commits or rolls back, and runs the next segment whatever became of it. libpq writes
    each segment out with its sync, so Postgres starts on the first while the others are still
    being adapted (`segments` may be a generator that builds them). As `run_pipeline`, a
    connection left mid-pipeline (the consumer stopped early or was cancelled) is closed.
    """
    pgconn = conn.pgconn
    prepared = _PREPARED.setdefault(conn, _Prepared())
    adapter = Transformer(conn)
    try:
        pgconn.enter_pipeline_mode()
        sent: list[list[Command] | psycopg.Error] = []
        for segment in segments:
            try:
                converted = [_convert(adapter, query, params) for query, params in segment]
            except psycopg.Error as error:  # nothing of this segment was sent
                sent.append(error)
                continue
            sent.append(
                [command for query in converted for command in _send(pgconn, prepared, query)]
            )
            pgconn.pipeline_sync()
        # What a full socket buffer kept back (the sync's own flush does not wait).
        await flush(pgconn)
        for commands in sent:
            if isinstance(commands, psycopg.Error):
                yield commands
                continue
            results = await _read_segment(pgconn, commands)
            try:
                answer: Results | psycopg.Error = Results(
                    adapter, _answers(conn, prepared, commands, results)
                )
            except psycopg.Error as error:
                answer = error
            yield answer
        pgconn.exit_pipeline_mode()
    except BaseException as error:
        await _abandon(conn, error)
        raise


async def _abandon(conn: psycopg.AsyncConnection[Any], error: BaseException) -> None:
    """Close a connection left mid-pipeline; first cancel its query when the request was
    interrupted (the client went away, or a streamed pipeline's consumer stopped early), as
    psycopg does, or the backend would run it on."""
    if isinstance(error, asyncio.CancelledError | KeyboardInterrupt | GeneratorExit):
        with contextlib.suppress(Exception):
            await conn.cancel_safe(timeout=5.0)
    conn.pgconn.finish()


def _convert(adapter: abc.Transformer, query: Query | str, params: Params) -> PostgresQuery:
    converted = PostgresQuery(adapter)
    converted.convert(cast("sql.Composed | bytes | str", query), params)
    return converted


# What a sent command answers for: a statement (None), a prepare or a deallocate of a key.
Command = tuple[str | None, Key | None, bytes | None]


def _send(pgconn: pq.abc.PGconn, prepared: _Prepared, query: PostgresQuery) -> list[Command]:
    """Queue the statement (prepared, or preparing it now, or unnamed); libpq buffers it.

    A statement whose prepare is still unanswered goes unnamed: Postgres skips the rest of a
    segment after an error, so that prepare may never run, and a later segment of the same
    pipeline (another request's, `stream_segments`) must not depend on it.
    """
    key = (query.query, query.types)
    sent: list[Command] = []
    name = prepared.names.get(key)
    if name is None and prepared.seen.get(key, 0) + 1 >= PREPARE_THRESHOLD:
        prepared.seen.pop(key, None)
        prepared.counter += 1
        name = b"_rfl_%d" % prepared.counter
        pgconn.send_prepare(name, query.query, param_types=query.types)
        prepared.names[key] = name
        prepared.pending.add(key)
        sent.append(("prepare", key, name))
        if len(prepared.names) > PREPARED_MAX:
            old_key, old_name = prepared.names.popitem(last=False)
            pgconn.send_query_params(b"deallocate " + old_name, None)
            sent.append(("deallocate", old_key, old_name))
    elif name is not None and key in prepared.pending:
        name = None
    if name is None:
        prepared.seen[key] = prepared.seen.get(key, 0) + 1
        prepared.seen.move_to_end(key)
        if len(prepared.seen) > PREPARED_MAX:
            prepared.seen.popitem(last=False)
        pgconn.send_query_params(
            query.query, query.params, param_types=query.types, param_formats=query.formats
        )
    else:
        prepared.names.move_to_end(key)
        pgconn.send_query_prepared(name, query.params, param_formats=query.formats)
    sent.append((None, None, None))
    return sent


def _answers(
    conn: psycopg.AsyncConnection[Any],
    prepared: _Prepared,
    commands: list[Command],
    results: list[pq.abc.PGresult],
) -> list[pq.abc.PGresult]:
    """The statements' results; the bookkeeping of prepares and deallocates that did not run."""
    error: pq.abc.PGresult | None = None
    answers = []
    for (kind, key, name), result in zip(commands, results, strict=True):
        ok = result.status in _OK
        if not ok and error is None and result.status == pq.ExecStatus.FATAL_ERROR:
            error = result
        if kind is None:
            answers.append(result)
        elif kind == "prepare" and key is not None:
            prepared.pending.discard(key)
            if not ok:
                prepared.names.pop(key, None)
        elif kind == "deallocate" and not ok and key is not None and name is not None:
            # Still allocated on the server: first in line for the next eviction.
            prepared.names[key] = name
            prepared.names.move_to_end(key, last=False)
    if error is not None:
        raise errors.error_from_result(error, encoding=conn.info.encoding)
    return answers


async def _read_segment(pgconn: pq.abc.PGconn, commands: list[Command]) -> list[pq.abc.PGresult]:
    """The results of the commands sent before a sync, then the sync itself."""
    results = [await _read(pgconn) for _ in commands]
    sync = await next_result(pgconn)
    if sync is None or sync.status != pq.ExecStatus.PIPELINE_SYNC:
        raise psycopg.OperationalError("the pipeline ended without its sync")
    return results


async def _read(pgconn: pq.abc.PGconn) -> pq.abc.PGresult:
    """A command's result, then the end of its results (libpq returns None between commands)."""
    result = await next_result(pgconn)
    if result is None:
        raise psycopg.OperationalError("the pipeline sent no result for a command")
    if await next_result(pgconn) is not None:
        raise psycopg.OperationalError("the pipeline sent more than one result for a command")
    return result
