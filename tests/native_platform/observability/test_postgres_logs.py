"""Postgres logs JSON lines (jsonlog through the collector), its slow-query log names the trace
of a traced statement, and bind parameters never reach the log.

The slow-query log belongs to the API's login role (checked on the stack's database). A
throwaway cluster of its own, with the settings `rfl up` gives every cluster
(native_platform/postgres.py), so the test does not depend on when the stack's cluster last
restarted (the collector is taken at a start)."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from native_platform.observability.logging import log_files
from native_platform.oscommands import chown_to_service_user
from native_platform.postgres import PostgresCluster
from tests.helpers.servers import free_port

PASSWORD = "json-log-cluster-password"
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
PARAMETER = "a-bind-parameter-value-that-must-not-be-logged"


@pytest.fixture(scope="module")
def cluster() -> Iterator[PostgresCluster]:
    folder = Path(tempfile.mkdtemp(prefix="rfl-pg-json-"))
    chown_to_service_user(folder)
    cluster = PostgresCluster(folder / "postgres", free_port(), durable=False)
    cluster.root.mkdir()
    chown_to_service_user(cluster.root)
    cluster.initialize(PASSWORD)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def logged(cluster: PostgresCluster, match: str, timeout: float = 10.0) -> dict[str, Any]:
    """The first JSON log record whose message or statement contains `match` (the collector
    writes asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        if cluster.json_log_file.exists():
            for line in cluster.json_log_file.read_text().splitlines():
                record: dict[str, Any] = json.loads(line)
                if match in record.get("message", "") + record.get("statement", ""):
                    return record
        if time.monotonic() > deadline:
            raise AssertionError(f"no log record with {match!r}")
        time.sleep(0.1)


def connect(cluster: PostgresCluster, options: str = "") -> psycopg.Connection[Any]:
    return psycopg.connect(
        options=options,
        host="127.0.0.1",
        port=cluster.port,
        user="postgres",
        password=PASSWORD,
        dbname="postgres",
        application_name="json-log-test",
        autocommit=True,
    )


def test_every_line_is_a_json_object_with_the_error_fields(cluster: PostgresCluster) -> None:
    with connect(cluster) as conn, pytest.raises(psycopg.errors.DivisionByZero):
        conn.execute("select 1 / 0 as json_log_probe")
    record = logged(cluster, "json_log_probe")
    assert record["error_severity"] == "ERROR"
    assert record["state_code"] == "22012"
    assert record["application_name"] == "json-log-test"
    assert record["dbname"] == "postgres"
    for line in cluster.json_log_file.read_text().splitlines():
        assert isinstance(json.loads(line), dict)


def test_the_slow_query_log_names_the_trace_and_never_the_parameters(
    cluster: PostgresCluster,
) -> None:
    # As the API's login role has it (migration 20261206234812).
    with connect(cluster, "-c log_min_duration_statement=500ms") as conn:
        conn.execute(
            f"select pg_sleep(0.6), %s::text /*traceparent='{TRACEPARENT}'*/", (PARAMETER,)
        )
    record = logged(cluster, TRACEPARENT)
    assert record["message"].startswith("duration: ")
    assert PARAMETER not in cluster.json_log_file.read_text()


def test_rfl_logs_shows_the_json_log(cluster: PostgresCluster) -> None:
    state_dir = cluster.root.parent
    assert cluster.json_log_file in log_files(state_dir, "postgres")
    assert cluster.json_log_file in log_files(state_dir)


def test_only_the_api_login_role_logs_slow_statements(db: psycopg.Connection[Any]) -> None:
    """Maintenance sessions (migrations, pgTAP, psql) write literals, some secret, into their
    statements: the slow-query log is the API login role's setting, not the cluster's."""
    settings = db.execute(
        "select r.rolname, s.setconfig from pg_catalog.pg_db_role_setting s"
        " join pg_catalog.pg_roles r on r.oid = s.setrole"
        " where s.setconfig::text like '%log_min_duration_statement%'"
    ).fetchall()
    assert [
        (name, [c for c in config if c.startswith("log_min")]) for name, config in settings
    ] == [("authenticator", ["log_min_duration_statement=500ms"])]
    assert db.execute("show log_min_duration_statement").fetchone() == ("-1",)
