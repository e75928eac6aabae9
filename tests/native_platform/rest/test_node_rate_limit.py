"""The request rate limits enforced by each REST node and charged to SQL in batches (ADR 0022).

Two REST servers (two API nodes, as behind a load balancer) share one database's buckets; the
bound documented in docs/security.md is: every admitted request is charged to the SQL bucket,
and all nodes together admit at most `nodes × max_unsynced` more than the bucket holds.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import psycopg
import pytest

from native_platform.ratelimit import LimiterUnavailable, RequestLimiter
from native_platform.settings import StackSettings
from tests.conftest import PgServer
from tests.helpers.actors import acting_as
from tests.native_platform.rest.support import RestServer, start_server, stop_server

# This helper's own port range (26400-26499): two nodes.
PORTS = (26410, 26411)
MAX_UNSYNCED = 8
CAPACITY = 120
CLIENTS = 16
REQUESTS_PER_CLIENT = 20  # 320 requests against 120 tokens
ADDRESS = "198.51.100.77"
NODE = {
    "PGRST_DB_SCHEMAS": "public",
    "PGRST_DB_PRE_REQUEST": "app_private.check_request",
    "PGRST_RATE_LIMIT_NODE": "true",
    "PGRST_RATE_LIMIT_MAX_UNSYNCED": str(MAX_UNSYNCED),
    "PGRST_DB_POOL": "8",
}


def _limit(dsn: str, action: str, capacity: int, refill: float) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(
            "update rate_limit.limits set capacity = %s, refill_per_second = %s where action = %s",
            (capacity, refill, action),
        )


def _tokens(dsn: str, action: str, subject: str) -> float | None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "select tokens from rate_limit.buckets where action = %s and subject = %s",
            (action, subject),
        ).fetchone()
    return None if row is None else float(row[0])


def _settled_tokens(dsn: str, action: str, subject: str) -> float | None:
    """The bucket once the nodes' last batch landed (a batch is due within milliseconds)."""
    time.sleep(0.3)
    return _tokens(dsn, action, subject)


@pytest.fixture(scope="module")
def nodes(
    pg_server: PgServer, migrated_template: str, stack_settings: StackSettings
) -> Iterator[list[RestServer]]:
    """Two nodes over one database for the whole module (each test counts its own subject)."""
    with pg_server.janitor(f"rfl_test_{uuid.uuid4().hex[:12]}", migrated_template) as name:
        dsn = pg_server.dsn(name)
        _limit(dsn, "request.anon", CAPACITY, 0.001)
        _limit(dsn, "request.authenticated", CAPACITY, 0.001)
        started: list[RestServer] = []
        try:
            for port in PORTS:
                started.append(start_server(dsn, stack_settings, NODE, port=port))
            yield started
        finally:
            for server in started:
                stop_server(server)


def test_two_nodes_sixteen_clients_stay_within_the_bound(nodes: list[RestServer]) -> None:
    """16 clients spread over 2 nodes: the admitted requests are at least the bucket's capacity,
    at most capacity + nodes × max_unsynced, and every one of them is charged in SQL."""

    def client(n: int) -> list[int]:
        node = nodes[n % len(nodes)]
        with httpx.Client(base_url=node.url, headers={"X-Forwarded-For": ADDRESS}) as http:
            return [http.get("/items?select=id").status_code for _ in range(REQUESTS_PER_CLIENT)]

    with ThreadPoolExecutor(CLIENTS) as pool:
        statuses = Counter(s for result in pool.map(client, range(CLIENTS)) for s in result)
    assert set(statuses) == {200, 429}
    admitted = statuses[200]
    assert CAPACITY <= admitted <= CAPACITY + len(nodes) * MAX_UNSYNCED
    left = _settled_tokens(nodes[0].dsn, "request.anon", f"{ADDRESS}/32")
    assert left is not None and left == pytest.approx(CAPACITY - admitted, abs=1)


def test_refusal_is_postgrest_429_without_the_database(nodes: list[RestServer]) -> None:
    """Past the limit: PostgREST's error shape, Retry-After and the limit's name."""
    headers = {"X-Forwarded-For": "198.51.100.78"}
    with httpx.Client(base_url=nodes[0].url, headers=headers) as http:
        statuses = [http.get("/items?select=id").status_code for _ in range(CAPACITY)]
        refused = http.get("/items?select=id")
    assert statuses.count(200) == CAPACITY  # one node alone is exact
    assert refused.status_code == 429
    assert refused.json() == {
        "code": "rate_limited",
        "message": "Too many requests: request.anon",
        "details": f"Retry after {refused.headers['retry-after']} s",
        "hint": None,
    }
    assert int(refused.headers["retry-after"]) > 0
    assert refused.headers["x-ratelimit-name"] == "request.anon"


def test_reads_and_failures_are_counted(nodes: list[RestServer]) -> None:
    """GETs (read-only transactions) and requests Postgres fails are charged alike."""
    headers = {"X-Forwarded-For": "198.51.100.79"}
    with httpx.Client(base_url=nodes[1].url, headers=headers) as http:
        reads = [http.get("/items?select=id").status_code for _ in range(5)]
        failures = [http.get("/items?id=eq.not-a-number").status_code for _ in range(5)]
    assert reads == [200] * 5 and failures == [400] * 5
    left = _settled_tokens(nodes[1].dsn, "request.anon", "198.51.100.79/32")
    assert left == pytest.approx(CAPACITY - 10, abs=0.5)


def test_signed_in_users_are_counted_per_user(nodes: list[RestServer]) -> None:
    """A user's requests spend the user's bucket, whichever address they come from."""
    user = "00000000-0000-4000-a000-0000000000aa"
    token = nodes[0].token(role="authenticated", sub=user, aud="authenticated")
    for n, node in enumerate(nodes):
        headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": f"203.0.113.{n}"}
        assert httpx.get(node.url + "/items?select=id", headers=headers).status_code == 200
    left = _settled_tokens(nodes[0].dsn, "request.authenticated", user)
    assert left == pytest.approx(CAPACITY - 2, abs=0.5)


def test_service_role_is_not_limited(nodes: list[RestServer]) -> None:
    token = nodes[0].token(role="service_role")
    headers = {"Authorization": f"Bearer {token}", "X-Forwarded-For": "198.51.100.80"}
    assert httpx.get(nodes[0].url + "/items?select=id", headers=headers).status_code == 200
    assert _settled_tokens(nodes[0].dsn, "request.anon", "198.51.100.80/32") is None


def test_the_hook_skips_its_charge_only_when_a_node_charged(db: psycopg.Connection[Any]) -> None:
    """`rate_limit.charged_by_node` set by the REST node: no dblink charge; unset: charged."""
    for charged in ("on", ""):
        with acting_as(db, "anon", headers={"x-forwarded-for": "198.51.100.81"}):
            db.execute("select set_config('rate_limit.charged_by_node', %s, true)", (charged,))
            db.execute("select app_private.check_request()")
        row = db.execute(
            "select count(*) from rate_limit.buckets where subject = '198.51.100.81/32'"
        ).fetchone()
        assert row == ((0,) if charged else (1,))


@pytest.mark.parametrize("role", ["anon", "authenticated", "service_role"])
def test_only_the_rest_login_role_may_charge_batches(
    db: psycopg.Connection[Any], role: str
) -> None:
    with pytest.raises(psycopg.errors.InsufficientPrivilege), db.transaction():
        db.execute(f"set local role {role}")
        db.execute(
            """select rate_limit.charge_batch('[{"a": "request.anon", "s": "x", "n": 1}]')"""
        )


def test_charge_batch_charges_only_request_limits(db: psycopg.Connection[Any]) -> None:
    """authenticator reaches the request.* buckets only; a charge may run into debt."""
    with db.transaction():
        db.execute("set local role authenticator")
        row = db.execute(
            "select rate_limit.charge_batch(%s::jsonb)",
            (
                '[{"a": "dice.roll", "s": "u", "n": 5}, {"a": "request.anon", "s": "k", "n": 700},'
                ' {"a": "nope", "s": "u", "n": 1}]',
            ),
        ).fetchone()
    assert row is not None
    [[action, subject, tokens, capacity, _]] = row[0]
    assert (action, subject, capacity) == ("request.anon", "k", 600)
    assert -101 < tokens < -99


def test_an_unreachable_database_answers_instead_of_hanging() -> None:
    """A key that must wait for a batch gets LimiterUnavailable (REST: 503 PGRST001) when the
    batch cannot reach the database; nothing waits forever. Port 26499: nothing listens."""

    async def scenario() -> None:
        limiter = RequestLimiter("postgresql://nobody@127.0.0.1:26499/none", interval=0.001)
        await limiter.start()
        try:
            with pytest.raises(LimiterUnavailable):
                await asyncio.wait_for(limiter.take("request.anon", "x"), 10)
        finally:
            await limiter.stop()

    asyncio.run(scenario())
