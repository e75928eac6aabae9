"""PostgREST v14 parity of RPC, counts and transaction ends (issue 18, items 5 and 6) through
the official `postgrest` client and plain HTTP where the client has no call for it.

The fixture (fixture_rpc.sql) follows the examples of PostgREST's documentation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from postgrest import CountMethod, ReturnMethod, SyncPostgrestClient

from native_platform.settings import StackSettings
from tests.native_platform.rest.support import RestServer, start_server, stop_server

FIXTURE = Path(__file__).with_name("fixture_rpc.sql")


@pytest.fixture
def rpc_dsn(pg_server: Any) -> Iterator[str]:
    """A fresh fixture database per test: the tests write."""
    name = f"rfl_rpc_{uuid.uuid4().hex[:12]}"
    with pg_server.janitor(name):
        dsn = pg_server.dsn(name)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(FIXTURE.read_text(encoding="utf-8"))
        yield dsn


def _server(dsn: str, settings: StackSettings, tx_end: str | None = None) -> Iterator[RestServer]:
    extra = {"PGRST_DB_SCHEMAS": "public"}
    if tx_end is not None:
        extra["PGRST_DB_TX_END"] = tx_end
    server = start_server(dsn, settings, extra)
    yield server
    stop_server(server)


@pytest.fixture
def rpc(rpc_dsn: str, stack_settings: StackSettings) -> Iterator[RestServer]:
    """PostgREST's default db-tx-end: commit."""
    yield from _server(rpc_dsn, stack_settings)


@pytest.fixture
def client(rpc: RestServer) -> Iterator[SyncPostgrestClient]:
    with SyncPostgrestClient(rpc.url) as postgrest:
        yield postgrest


def names(dsn: str) -> list[str]:
    with psycopg.connect(dsn) as conn:
        return [row[0] for row in conn.execute("select name from public.projects order by id")]


ARGS: Any = {"min_id": 1}
BUMP_3: Any = {"project_id": 3}
ORIGINAL = ["Windows 7", "Windows 10", "IOS", "OSX", "Orphan"]

# --- Counts ------------------------------------------------------------------------------------


def test_count_exact_on_rpc_get_head_and_post(client: SyncPostgrestClient, rpc: RestServer) -> None:
    """Content-Range carries the function's total row count, by GET, HEAD and POST."""
    res: Any = client.rpc("get_projects", ARGS, count=CountMethod.exact).execute()
    assert [r["id"] for r in res.data] == [2, 3, 4, 5]
    assert res.count == 4
    res = client.rpc("get_projects", ARGS, count=CountMethod.exact, get=True).execute()
    assert res.count == 4
    res = client.rpc("get_projects", {}, count=CountMethod.exact, head=True).execute()
    assert res.count == 5
    head = httpx.head(rpc.url + "/rpc/get_projects?min_id=3", headers={"Prefer": "count=exact"})
    assert (head.status_code, head.headers["content-range"], head.content) == (200, "0-1/2", b"")
    page = httpx.post(
        rpc.url + "/rpc/get_projects?limit=2",
        json={},
        headers={"Prefer": "count=exact"},
    )
    assert (page.status_code, page.reason_phrase) == (206, "Partial Content")
    assert page.headers["content-range"] == "0-1/5"
    assert page.headers["preference-applied"] == "count=exact"
    assert [r["id"] for r in page.json()] == [1, 2]


def test_count_exact_on_scalar_rpc(rpc: RestServer) -> None:
    """A scalar result counts as one row."""
    res = httpx.get(rpc.url + "/rpc/add_them?a=1&b=2", headers={"Prefer": "count=exact"})
    assert (res.status_code, res.json()) == (200, 3)
    assert res.headers["content-range"] == "0-0/1"


def test_count_exact_on_bulk_insert_with_missing_default(
    client: SyncPostgrestClient, rpc_dsn: str
) -> None:
    """Bulk insert and upsert with `missing=default`: `*/n` and the column defaults used."""
    res: Any = (
        client.from_("projects")
        .insert(
            [{"id": 6, "name": "Linux"}, {"id": 7, "name": "BSD", "client_id": 2}],
            count=CountMethod.exact,
            returning=ReturnMethod.minimal,
            default_to_null=False,
        )
        .execute()
    )
    assert res.count == 2
    with psycopg.connect(rpc_dsn) as conn:
        rows = conn.execute("select id, client_id from public.projects where id > 5 order by id")
        assert rows.fetchall() == [(6, 1), (7, 2)]
    raw = httpx.post(
        str(client.session.base_url) + "/projects?columns=id,name,client_id",
        json=[{"id": 7, "name": "BSD 2"}, {"id": 8, "name": "Plan 9"}],
        headers={"Prefer": "missing=default, count=exact, resolution=merge-duplicates"},
    )
    assert (raw.status_code, raw.content) == (201, b"")
    assert raw.headers["content-range"] == "*/2"
    assert raw.headers["preference-applied"] == (
        "count=exact, resolution=merge-duplicates, missing=default"
    )
    with psycopg.connect(rpc_dsn) as conn:
        rows = conn.execute("select id, client_id from public.projects where id > 6 order by id")
        assert rows.fetchall() == [(7, 1), (8, 1)]


# --- Transaction ends --------------------------------------------------------------------------


def test_tx_rollback_is_ignored_with_db_tx_end_commit(rpc: RestServer, rpc_dsn: str) -> None:
    """The default `db-tx-end = commit` cannot be overridden: the update stays."""
    res = httpx.patch(
        rpc.url + "/projects?id=eq.1",
        json={"name": "Windows 8"},
        headers={"Prefer": "tx=rollback, handling=strict"},
    )
    assert res.status_code == 204
    assert "preference-applied" not in res.headers or "tx=" not in res.headers["preference-applied"]
    assert names(rpc_dsn)[0] == "Windows 8"


@pytest.fixture
def overridable(rpc_dsn: str, stack_settings: StackSettings) -> Iterator[RestServer]:
    yield from _server(rpc_dsn, stack_settings, "commit-allow-override")


def test_tx_rollback_on_update_and_rpc(overridable: RestServer, rpc_dsn: str) -> None:
    """`commit-allow-override`: `Prefer: tx=rollback` answers as usual and keeps nothing."""
    with SyncPostgrestClient(overridable.url) as client:
        update = httpx.patch(
            overridable.url + "/projects?id=eq.1",
            json={"name": "Windows 8"},
            headers={"Prefer": "return=representation, tx=rollback"},
        )
        assert update.status_code == 200
        assert update.json() == [{"id": 1, "name": "Windows 8", "client_id": 1}]
        assert update.headers["preference-applied"] == "return=representation, tx=rollback"
        bumped = httpx.post(
            overridable.url + "/rpc/bump_project",
            json={"project_id": 2},
            headers={"Prefer": "tx=rollback"},
        )
        assert bumped.status_code == 200
        assert bumped.json() == [{"id": 2, "name": "Windows 10!", "client_id": 1}]
        assert bumped.headers["preference-applied"] == "tx=rollback"
        scalar = httpx.post(
            overridable.url + "/rpc/rename_all",
            json={"suffix": "?"},
            headers={"Prefer": "tx=rollback"},
        )
        assert (scalar.status_code, scalar.json()) == (200, 5)
        assert scalar.headers["preference-applied"] == "tx=rollback"
        assert names(rpc_dsn) == ORIGINAL
        committed: Any = client.rpc("bump_project", BUMP_3).execute()
        assert committed.data == [{"id": 3, "name": "IOS!", "client_id": 2}]
        assert names(rpc_dsn)[2] == "IOS!"


def test_db_tx_end_rollback(rpc_dsn: str, stack_settings: StackSettings) -> None:
    """`rollback`: every transaction rolls back, `tx=commit` changes nothing."""
    for server in _server(rpc_dsn, stack_settings, "rollback"):
        res = httpx.post(
            server.url + "/rpc/rename_all", json={"suffix": "?"}, headers={"Prefer": "tx=commit"}
        )
        assert (res.status_code, res.json()) == (200, 5)
        assert "preference-applied" not in res.headers
        res = httpx.post(server.url + "/projects", json={"id": 9, "name": "Ghost"})
        assert res.status_code == 201
        assert names(rpc_dsn) == ORIGINAL


def test_db_tx_end_rollback_allow_override(rpc_dsn: str, stack_settings: StackSettings) -> None:
    """`rollback-allow-override`: rolled back unless `Prefer: tx=commit`."""
    for server in _server(rpc_dsn, stack_settings, "rollback-allow-override"):
        res = httpx.delete(server.url + "/projects?id=eq.5")
        assert res.status_code == 204
        assert names(rpc_dsn) == ORIGINAL
        res = httpx.delete(server.url + "/projects?id=eq.5", headers={"Prefer": "tx=commit"})
        assert (res.status_code, res.headers["preference-applied"]) == (204, "tx=commit")
        assert names(rpc_dsn) == ORIGINAL[:4]
