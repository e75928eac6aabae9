"""The SQL token bucket under concurrency, and the 429 error it raises in PostgREST's format."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest

from tests.helpers.actors import acting_as

CAPACITY = 50
THREADS = 8
CALLS_PER_THREAD = 20


TAKE = {
    "try_take": "select rate_limit.try_take('test.concurrent', 'shared', %s, 0.001)",
    "take_autonomously": (
        "select rate_limit.take_autonomously('test.concurrent', 'shared', %s, 0.001)"
    ),
}


def take_many(dsn: str, statement: str) -> int:
    """Take tokens repeatedly from one shared bucket; return how many calls were allowed."""
    allowed = 0
    with psycopg.connect(dsn, autocommit=True) as conn:
        for _ in range(CALLS_PER_THREAD):
            row = conn.execute(statement, (CAPACITY,)).fetchone()
            allowed += row is not None and row[0] == 0
    return allowed


@pytest.mark.parametrize("function", sorted(TAKE))
def test_try_take_grants_exactly_capacity_under_concurrency(db_dsn: str, function: str) -> None:
    """Concurrent callers on one bucket get exactly `capacity` tokens: no lost update."""
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(take_many, [db_dsn] * THREADS, [TAKE[function]] * THREADS))
    assert sum(results) == CAPACITY


def test_enforce_raises_postgrest_429(db: psycopg.Connection[Any]) -> None:
    """Past the limit, enforce raises SQLSTATE PGRST with a JSON body and Retry-After."""
    db.execute("select rate_limit.enforce('test.enforce', 'k', 1, 0.5)")
    with pytest.raises(psycopg.Error) as caught:
        db.execute("select rate_limit.enforce('test.enforce', 'k', 1, 0.5)")
    diag = caught.value.diag
    assert diag.sqlstate == "PGRST"
    assert json.loads(diag.message_primary or "")["code"] == "rate_limited"
    detail = json.loads(diag.message_detail or "")
    assert detail["status"] == 429
    assert detail["headers"]["Retry-After"] == "2"


def test_check_request_limits_anon_per_address(db: psycopg.Connection[Any]) -> None:
    """The pre-request hook answers 429 once an address spends the anon bucket."""
    db.execute(
        "update rate_limit.limits set capacity = 3, refill_per_second = 0.001"
        " where action = 'request.anon'"
    )
    headers = {"x-forwarded-for": "203.0.113.9"}
    for _ in range(3):
        with acting_as(db, "anon", headers=headers):
            db.execute("select app_private.check_request()")
    with pytest.raises(psycopg.Error) as caught, acting_as(db, "anon", headers=headers):
        db.execute("select app_private.check_request()")
    assert caught.value.diag.sqlstate == "PGRST"
    with acting_as(db, "anon", headers={"x-forwarded-for": "203.0.113.10"}):
        db.execute("select app_private.check_request()")
