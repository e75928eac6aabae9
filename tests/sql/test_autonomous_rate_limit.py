"""Rate-limit charges that commit on their own: read-only and failed requests are counted."""

from __future__ import annotations

import json
from typing import Any

import httpx
import psycopg
import pytest

from native_platform.database import rate_limiter_password
from native_platform.settings import StackSettings
from tests.helpers.actors import acting_as
from tests.native_platform.rest.support import start_server, stop_server
from tests.sql.world import USERS, build_world

C1 = "10000000-0000-4000-b000-000000000001"
ANON_HEADERS = {"x-forwarded-for": "203.0.113.20"}


def anon_tokens(db: psycopg.Connection[Any]) -> float | None:
    row = db.execute(
        "select tokens from rate_limit.buckets where action = 'request.anon'"
        " and subject::inet = %s::inet",
        (ANON_HEADERS["x-forwarded-for"],),
    ).fetchone()
    return None if row is None else float(row[0])


def test_check_request_in_read_only_transaction_charges_the_bucket(
    db: psycopg.Connection[Any],
) -> None:
    """A GET (READ ONLY transaction) is charged, and the charge outlives its rollback."""
    with acting_as(db, "anon", headers=ANON_HEADERS, rollback=True):
        db.execute("set transaction read only")
        db.execute("select app_private.check_request()")
    tokens = anon_tokens(db)
    assert tokens is not None and 598 < tokens < 600


def test_check_request_charge_survives_a_failing_request(db: psycopg.Connection[Any]) -> None:
    """A request that fails after the hook still pays for its token."""
    with pytest.raises(psycopg.errors.DivisionByZero), acting_as(db, "anon", headers=ANON_HEADERS):
        db.execute("select app_private.check_request()")
        db.execute("select 1 / 0")
    tokens = anon_tokens(db)
    assert tokens is not None and 598 < tokens < 600


def test_check_request_refuses_read_only_requests_past_the_limit(
    db: psycopg.Connection[Any],
) -> None:
    """Reads alone exhaust the global bucket: the next GET gets 429 with Retry-After."""
    db.execute(
        "update rate_limit.limits set capacity = 2, refill_per_second = 0.01"
        " where action = 'request.anon'"
    )
    for _ in range(2):
        with acting_as(db, "anon", headers=ANON_HEADERS, rollback=True):
            db.execute("set transaction read only")
            db.execute("select app_private.check_request()")
    with pytest.raises(psycopg.Error) as caught, acting_as(db, "anon", headers=ANON_HEADERS):
        db.execute("set transaction read only")
        db.execute("select app_private.check_request()")
    assert caught.value.diag.sqlstate == "PGRST"
    assert json.loads(caught.value.diag.message_detail or "")["status"] == 429


def test_rest_get_requests_are_rate_limited(db_dsn: str, stack_settings: StackSettings) -> None:
    """Over HTTP, GETs alone spend the anon bucket: the third one gets 429 with Retry-After."""
    server = start_server(
        db_dsn,
        stack_settings,
        {"PGRST_DB_SCHEMAS": "public", "PGRST_DB_PRE_REQUEST": "app_private.check_request"},
    )
    try:
        with psycopg.connect(db_dsn, autocommit=True) as conn:
            conn.execute(
                "update rate_limit.limits set capacity = 2, refill_per_second = 0.01"
                " where action = 'request.anon'"
            )
            conn.execute("delete from rate_limit.buckets")
        statuses = [httpx.get(server.url + "/items?select=id").status_code for _ in range(3)]
        refused = httpx.get(server.url + "/items?select=id")
    finally:
        stop_server(server)
    assert statuses[:2] == [200, 200] and statuses[2] == 429
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0


def test_join_campaign_counts_failed_attempts(db: psycopg.Connection[Any]) -> None:
    """Wrong codes spend the per-user join bucket; past it even the right code gets 429."""
    build_world(db)
    db.execute(
        "update rate_limit.limits set capacity = 3, refill_per_second = 0.001"
        " where action = 'campaign.join'"
    )
    with acting_as(db, "authenticated", USERS["gm"]):
        row = db.execute("select public.create_campaign_invitation(%s)", (C1,)).fetchone()
    assert row is not None
    for attempt in range(3):
        with pytest.raises(psycopg.Error) as caught:
            with acting_as(db, "authenticated", USERS["stranger"]):
                db.execute("select public.join_campaign(%s)", (f"wrong-{attempt}",))
        assert caught.value.diag.sqlstate == "PT404"
    with pytest.raises(psycopg.Error) as caught:
        with acting_as(db, "authenticated", USERS["stranger"]):
            db.execute("select public.join_campaign(%s)", (row[0],))
    assert caught.value.diag.sqlstate == "PGRST"
    assert json.loads(caught.value.diag.message_detail or "")["status"] == 429


def test_take_autonomously_reconnects_after_losing_its_connection(
    db: psycopg.Connection[Any],
) -> None:
    """A dead limiter connection is replaced on the next call, which still charges."""
    db.execute("select rate_limit.take_autonomously('test.reconnect', 'k', 5, 0.001)")
    db.execute(
        "select pg_terminate_backend(pid) from pg_stat_activity"
        " where usename = 'rate_limiter' and datname = current_database()"
    )
    row = db.execute(
        "select rate_limit.take_autonomously('test.reconnect', 'k', 5, 0.001)"
    ).fetchone()
    assert row == (0.0,)
    row = db.execute(
        "select round(tokens) from rate_limit.buckets where action = 'test.reconnect'"
    ).fetchone()
    assert row == (3,)


@pytest.mark.parametrize(
    "statement",
    [
        "select * from public.profiles",
        "select * from auth.users",
        "select * from app_private.secrets",
        "select * from rate_limit.buckets",
        "update rate_limit.limits set capacity = 1000000",
        "select rate_limit.take_autonomously('x', 'y', 1, 1)",
        "select extensions.dblink_get_connections()",
        "set role anon",
    ],
)
def test_rate_limiter_role_can_only_take_tokens(
    pg_server: Any, db_dsn: str, stack_settings: StackSettings, statement: str
) -> None:
    """Logged in as rate_limiter, only try_take works: tables, dblink and API roles are refused."""
    password = rate_limiter_password(stack_settings)
    dsn = pg_server.dsn(db_dsn.rsplit("/", 1)[1], user="rate_limiter", password=password)
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.execute("select rate_limit.try_take('x', 'y', 1, 1)").fetchone() == (0.0,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)


def test_api_roles_cannot_use_dblink(db: psycopg.Connection[Any]) -> None:
    """No API role may call a dblink function (it would reach the limiter's open connection)."""
    rows = db.execute(
        "select r.rolname, d.objid::regprocedure::text from pg_depend as d"
        " join pg_extension as e on e.oid = d.refobjid and e.extname = 'dblink'"
        " cross join pg_roles as r"
        " where d.classid = 'pg_proc'::regclass and d.deptype = 'e'"
        " and r.rolname in ('anon', 'authenticated', 'service_role', 'rate_limiter')"
        " and has_function_privilege(r.oid, d.objid, 'execute')"
    ).fetchall()
    assert rows == []
