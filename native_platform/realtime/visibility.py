"""Which subscribers may see which changed rows, decided by Postgres's own row level security.

For each table of a batch, `realtime.visible_rows` switches to each distinct (role, claims) of
the subscribers in turn, as the REST server does for a request, and selects the changed rows
from the real table by primary key; a subscriber sees a row iff that select returns it. Nothing
here reads or rewrites policy text. Large subscriber sets are checked in chunks, all sent at
once as one pipeline per check session (`stream_pipeline`), and each chunk's answer is handed
over as soon as it arrives, so the first subscribers are served while the others are still
being checked; each check runs under a statement timeout and delivers nothing when it fails.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg
from psycopg_pool import AsyncConnectionPool

from native_platform.pipeline import stream_pipeline
from native_platform.realtime.catalog import TableInfo
from native_platform.realtime.rereads import BackgroundRereads

__all__ = ["CHECK_TIMEOUT", "RLS_SESSION_OPTIONS", "Visibility"]

CACHE_TTL = 5.0
# A chunk of claim sets is one statement (one round trip, ~0.3 ms of fixed cost) and one policy
# evaluation per claim set (~20 us for dice_rolls). Small chunks stream answers: with the whole
# set cut into chunks of at most MAX_CHUNK, pipelined, subscribers are served while the rest
# are checked, and the node writes frames while Postgres checks the next chunks. At
# 1,000 subscribers chunks of 50 (20 chunks) gave the first subscriber 13 ms instead of 45 and
# p50 39 instead of 62 ms (chunks of 200); see docs/performance.md.
MIN_CHUNK = 25
# Also what keeps a chunk well within CHECK_TIMEOUT on a saturated database: a chunk that times
# out delivers nothing of the batch to its subscribers.
MAX_CHUNK = 50
# The first chunk is smaller, so that the first answer comes sooner (docs/performance.md).
FIRST_CHUNK = 10
# One check (a chunk of claim sets × the batch's rows) may take this long; past it, nothing of
# the chunk is delivered and a warning is logged.
CHECK_TIMEOUT = "5s"
# The RLS-check sessions (libpq startup options): autocommit statements that cannot write (a
# policy function with side effects changes nothing), each within CHECK_TIMEOUT, and no JIT,
# which would compile the check for its inflated row estimates (tens of ms for microseconds).
# A session abandoned mid-pipeline (the delivery was cancelled) is closed after its running
# check is cancelled; the client check makes Postgres drop the checks still queued behind it.
RLS_SESSION_OPTIONS = (
    f"-c default_transaction_read_only=on -c statement_timeout={CHECK_TIMEOUT} -c jit=off"
    " -c client_connection_check_interval=1s"
)
ROLE_SQL = """
select pg_catalog.has_table_privilege(%(role)s, %(table)s::oid, 'SELECT'),
    (select r.rolbypassrls from pg_catalog.pg_roles as r where r.rolname = %(role)s),
    array(
        select a.attname::text from pg_catalog.pg_attribute as a
        where a.attrelid = %(table)s::oid and a.attnum > 0 and not a.attisdropped
            and pg_catalog.has_column_privilege(%(role)s, a.attrelid, a.attnum, 'SELECT')
    )
"""
# Roles travel as a binary array (%b). Claims travel as one text, their JSON documents joined
# by CLAIMS_SEPARATOR and split by Postgres: adapting a list of 50 documents ~300 bytes long
# took ~40 us a chunk even as a binary array (~0.8 ms of the node's core before the first
# answer at 1,000 subscribers), the join ~2 us. JSON escapes every control character inside
# strings and allows none outside them, so a claims document never holds the separator.
CLAIMS_SEPARATOR = "\x1e"
CHECK_SQL = b"""
select claims_index, key_index
from realtime.visible_rows(
    %s::oid::regclass, %s::jsonb, %b::text[], pg_catalog.string_to_array(%s, e'\\x1e')
)
"""
log = logging.getLogger(__name__)
# (may SELECT the whole table, bypasses RLS, columns it may SELECT)
_RoleAccess = tuple[bool, bool, frozenset[str]]


def _chunks(indexes: list[int], parallel: int) -> list[list[int]]:
    """Split claim sets into at least one chunk per session, each of at least MIN_CHUNK and at
    most MAX_CHUNK claim sets (`parallel` sessions check them), the first of at most
    FIRST_CHUNK."""
    wanted = min(parallel, len(indexes) // MIN_CHUNK)
    count = max(1, wanted, -(-len(indexes) // MAX_CHUNK))
    size = -(-len(indexes) // count)
    chunks = [indexes[start : start + size] for start in range(0, len(indexes), size)]
    if len(chunks[0]) > FIRST_CHUNK:
        chunks[:1] = [chunks[0][:FIRST_CHUNK], chunks[0][FIRST_CHUNK:]]
    return chunks


@dataclass(frozen=True)
class _Chunk:
    """Claim sets checked by one statement: their positions in the caller's claim sets, and
    their roles and claims as the statement takes them (claims joined by CLAIMS_SEPARATOR)."""

    indexes: list[int]
    roles: list[str]
    claims: str


@dataclass(frozen=True)
class _Plan:
    """How one table's claim sets are checked: those whose role bypasses RLS see every row
    unchecked; the others go in chunks, grouped by role so that the prepared check is
    re-planned once per role, not per claim set."""

    claim_sets: Sequence[tuple[str, str]]
    roles: frozenset[str]
    bypassing: frozenset[str]
    bypass: list[int]
    chunks: list[_Chunk]

    @classmethod
    def cut(
        cls,
        claim_sets: Sequence[tuple[str, str]],
        roles: frozenset[str],
        bypassing: frozenset[str],
        parallel: int,
    ) -> _Plan:
        bypass: list[int] = []
        checked: list[int] = []
        for index, (role, _) in enumerate(claim_sets):
            (bypass if role in bypassing else checked).append(index)
        checked.sort(key=lambda index: claim_sets[index][0])
        chunks = [
            _Chunk(
                indexes,
                [claim_sets[index][0] for index in indexes],
                CLAIMS_SEPARATOR.join(claim_sets[index][1] for index in indexes),
            )
            for indexes in (_chunks(checked, parallel) if checked else [])
        ]
        return cls(claim_sets, roles, bypassing, bypass, chunks)


class Visibility:
    def __init__(self, pool: AsyncConnectionPool, parallel: int) -> None:
        self._pool = pool
        self._parallel = parallel
        self._roles: dict[tuple[str, int], tuple[_RoleAccess, float]] = {}
        # Per table, the last claim sets' cut (see `_plan`): one per table, each as large as
        # the table's subscribers.
        self._plans: dict[int, _Plan] = {}
        self._rereads = BackgroundRereads()

    async def _role(self, role: str, table: TableInfo) -> _RoleAccess:
        """(may SELECT the table, bypasses RLS, selectable columns), cached for CACHE_TTL
        seconds, then answered from the cache while one re-read runs in the background (as
        the catalog: a delivery does not wait for the query)."""
        key = (role, table.oid)
        cached = self._roles.get(key)
        if cached is None:
            return await self._read_role(role, table)
        if time.monotonic() - cached[1] >= CACHE_TTL:
            what = f"{role}'s rights on {table.qualified}"
            self._rereads.start(key, lambda: self._read_role(role, table), what)
        return cached[0]

    async def _read_role(self, role: str, table: TableInfo) -> _RoleAccess:
        async with self._pool.connection() as conn:
            values = {"role": role, "table": table.oid}
            row = await (await conn.execute(ROLE_SQL, values)).fetchone()
        answer = (bool(row and row[0]), bool(row and row[1]), frozenset(row[2] if row else ()))
        self._roles[(role, table.oid)] = (answer, time.monotonic())
        return answer

    async def may_select(self, role: str, table: TableInfo) -> bool:
        """The whole table or some of its columns (column privileges)."""
        whole, _, columns = await self._role(role, table)
        return whole or bool(columns)

    async def columns(self, role: str, table: TableInfo) -> frozenset[str] | None:
        """The columns `role` may select, None when it may select them all."""
        whole, _, columns = await self._role(role, table)
        return None if whole or columns >= set(table.column_types) else columns

    async def visible_groups(
        self,
        table: TableInfo,
        keys: list[dict[str, Any]],
        claim_sets: Sequence[tuple[str, str]],
    ) -> AsyncIterator[dict[int, set[int]]]:
        """For each (role, claims JSON), the positions in `keys` (primary keys of changed rows)
        whose row a SELECT as that role and claims returns, handed over chunk by chunk as the
        checks finish: each item maps positions in `claim_sets` to the key positions they may
        see; every claim set comes in exactly one item. A caller that passes the same tuple of
        claim sets again (its subscribers unchanged) has them checked in the same chunks,
        without cutting them again."""
        plan = await self._plan(table, claim_sets)
        if plan.bypass:
            yield {index: set(range(len(keys))) for index in plan.bypass}
        keys_json = orjson.dumps(keys).decode()
        answered: asyncio.Queue[dict[int, set[int]]] = asyncio.Queue()
        # Chunk i goes to session i mod lanes, all sent at once: each session's backend works
        # through its queue while the node serves the answers already in.
        lanes = min(self._parallel, len(plan.chunks))
        tasks = [
            asyncio.ensure_future(self._lane(table, keys_json, plan.chunks[start::lanes], answered))
            for start in range(lanes)
        ]
        try:
            for _ in plan.chunks:
                yield await answered.get()
        finally:
            # A consumer that stops early (or is cancelled) leaves no check running.
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _plan(self, table: TableInfo, claim_sets: Sequence[tuple[str, str]]) -> _Plan:
        """`claim_sets` cut into chunks (`_Plan`), the last cut reused while the caller passes
        the same tuple and no role's right to bypass RLS changed."""
        plan = self._plans.get(table.oid)
        roles = plan.roles if plan and plan.claim_sets is claim_sets else None
        if roles is None:
            roles = frozenset(role for role, _ in claim_sets)
        bypassing = frozenset([role for role in roles if (await self._role(role, table))[1]])
        if plan is None or plan.claim_sets is not claim_sets or plan.bypassing != bypassing:
            plan = _Plan.cut(claim_sets, roles, bypassing, self._parallel)
            if isinstance(claim_sets, tuple):  # immutable: safe to know again by identity
                self._plans[table.oid] = plan
        return plan

    async def _lane(
        self,
        table: TableInfo,
        keys: str,
        chunks: list[_Chunk],
        answered: asyncio.Queue[dict[int, set[int]]],
    ) -> None:
        """Check `chunks` on one session; put each chunk's answer (claim set position → key
        positions it may see) in `answered` as it comes."""
        unanswered = dict(enumerate(chunks))
        try:
            async with self._pool.connection() as conn:
                async for number, pairs in self._stream(conn, table, keys, chunks):
                    indexes = unanswered.pop(number).indexes
                    answers: dict[int, set[int]] = {index: set() for index in indexes}
                    for position, key_index in pairs:
                        answers[indexes[position]].add(key_index)
                    answered.put_nowait(answers)
        except Exception as error:
            # The session failed (or none was to be had): its chunks see nothing, and the
            # delivery waiting for every chunk's answer goes on.
            log.warning("RLS checks on %s failed, not delivered: %r", table.qualified, error)
            for chunk in unanswered.values():
                answered.put_nowait({index: set() for index in chunk.indexes})

    async def _stream(
        self,
        conn: psycopg.AsyncConnection[Any],
        table: TableInfo,
        keys: str,
        chunks: list[_Chunk],
    ) -> AsyncIterator[tuple[int, list[tuple[int, int]]]]:
        """For each chunk of claim sets (by position in `chunks`), as its check returns: the
        (position in the chunk, key index) pairs it may see. One statement per chunk, all
        pipelined; each is a transaction of its own, so the role and claims visible_rows sets
        (transaction-local) end with it. The sessions are read-only and time-limited
        (RLS_SESSION_OPTIONS)."""
        failed: list[tuple[int, psycopg.Error]] = []
        async for position, outcome in self._checks(conn, table, keys, chunks):
            if isinstance(outcome, psycopg.Error):
                failed.append((position, outcome))
            else:
                yield position, outcome
        for position, error in failed:
            yield position, await self._recheck(conn, table, keys, chunks[position], error)

    async def _checks(
        self,
        conn: psycopg.AsyncConnection[Any],
        table: TableInfo,
        keys: str,
        chunks: list[_Chunk],
    ) -> AsyncIterator[tuple[int, list[tuple[int, int]] | psycopg.Error]]:
        """Each chunk's check statement, all sent at once: (position in `chunks`, its (position
        in the chunk, key index) pairs or the error it raised), as they come."""
        statements = ((CHECK_SQL, (table.oid, keys, chunk.roles, chunk.claims)) for chunk in chunks)
        async with contextlib.aclosing(stream_pipeline(conn, statements)) as answers:
            position = 0
            async for answer in answers:
                if isinstance(answer, psycopg.Error):
                    yield position, answer
                else:
                    yield position, [(int(c), int(k)) for c, k in answer.rows(0)]
                position += 1

    async def _recheck(
        self,
        conn: psycopg.AsyncConnection[Any],
        table: TableInfo,
        keys: str,
        chunk: _Chunk,
        error: psycopg.Error,
    ) -> list[tuple[int, int]]:
        """After a chunk's check failed: a timeout delivers nothing of it; any other error
        checks its claim sets one by one, so one failing claim set (say, claims a policy cannot
        read) does not starve the others."""
        if isinstance(error, psycopg.errors.QueryCanceled):
            log.warning("RLS check on %s timed out, nothing delivered: %s", table.qualified, error)
            return []
        if len(chunk.indexes) == 1:
            log.warning("RLS check on %s failed: %s", table.qualified, error)
            return []
        pairs: list[tuple[int, int]] = []
        singles = [
            _Chunk([index], [role], claims)
            for index, role, claims in zip(
                chunk.indexes, chunk.roles, chunk.claims.split(CLAIMS_SEPARATOR), strict=True
            )
        ]
        async for position, outcome in self._checks(conn, table, keys, singles):
            if isinstance(outcome, psycopg.Error):
                log.warning("RLS check on %s failed: %s", table.qualified, outcome)
            else:
                pairs += [(position, key_index) for _, key_index in outcome]
        return pairs
