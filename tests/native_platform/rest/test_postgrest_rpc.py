"""PostgREST v14 parity of RPC, counts and transaction ends (issue 18, items 5 and 6) through
the official `postgrest` client and plain HTTP where the client has no call for it.

The fixture (fixture_rpc.sql) follows the examples of PostgREST's documentation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from postgrest import CountMethod, ReturnMethod, SyncPostgrestClient

from native_platform.settings import StackSettings
from tests.native_platform.rest.support import (
    RestServer,
    fixture_database,
    start_server,
    stop_server,
)

FIXTURE = Path(__file__).with_name("fixture_rpc.sql")


@pytest.fixture
def rpc_dsn(pg_server: Any) -> Iterator[str]:
    """A fresh fixture database per test: the tests write."""
    with fixture_database(pg_server, "rfl_rpc", FIXTURE) as dsn:
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


# --- Overloads, unnamed parameters, raw bodies and raw output ----------------------------------


@pytest.fixture(scope="module")
def shared_dsn(pg_server: Any) -> Iterator[str]:
    """One fixture database for the read-only calls below."""
    with fixture_database(pg_server, "rfl_rpc", FIXTURE) as dsn:
        yield dsn


@pytest.fixture(scope="module")
def calls(shared_dsn: str, stack_settings: StackSettings) -> Iterator[RestServer]:
    yield from _server(shared_dsn, stack_settings)


def rpc_error(res: httpx.Response) -> tuple[int, str, dict[str, Any]]:
    return res.status_code, res.reason_phrase, res.json()


def test_overloads_by_parameter_names(calls: RestServer) -> None:
    """Overloads with other parameter names are told apart, by POST and GET; defaults fill in."""
    with SyncPostgrestClient(calls.url) as client:
        one: Any = {"a": 1}
        two: Any = {"a": 1, "b": 2}
        assert client.rpc("plus_one", one).execute().data == 2
        assert client.rpc("plus_one", two).execute().data == 4
        assert client.rpc("plus_one", two, get=True).execute().data == 4
        assert client.rpc("with_default", one).execute().data == 11
        assert client.rpc("with_default", two).execute().data == 3


def test_overloads_by_type_only_are_ambiguous(calls: RestServer) -> None:
    """300 PGRST203, candidates in the order they were created."""
    res = httpx.post(calls.url + "/rpc/describe", json={"x": 1})
    assert rpc_error(res) == (
        300,
        "Multiple Choices",
        {
            "code": "PGRST203",
            "details": None,
            "hint": "Try renaming the parameters or the function itself in the database so "
            "function overloading can be resolved",
            "message": "Could not choose the best candidate function between: "
            "public.describe(x => integer), public.describe(x => text)",
        },
    )
    assert httpx.get(calls.url + "/rpc/describe?x=1").status_code == 300


def test_single_unnamed_json_parameter(calls: RestServer) -> None:
    """The whole JSON body (object, array or scalar) is the argument."""
    with SyncPostgrestClient(calls.url) as client:
        body: Any = {"any": "json", "n": [1, 2]}
        assert client.rpc("echo_json", body).execute().data == {"any": "json", "n": [1, 2]}
    assert httpx.post(calls.url + "/rpc/echo_json", json=[1, "two"]).json() == [1, "two"]
    res = httpx.post(calls.url + "/rpc/echo_jsonb", json={"a": 1})
    assert res.json() == {"a": 1, "seen": True}


def test_raw_text_and_bytea_bodies_and_raw_output(calls: RestServer) -> None:
    """text/plain fills a single unnamed text parameter, octet-stream a bytea one; Accept
    text/plain and application/octet-stream answer the scalar raw."""
    url = calls.url + "/rpc/echo_text"
    res = httpx.post(url, content=b"hello, world", headers={"Content-Type": "text/plain"})
    assert (res.status_code, res.json()) == (200, "got hello, world")
    res = httpx.post(
        url,
        content=b"hello",
        headers={"Content-Type": "text/plain", "Accept": "text/plain"},
    )
    assert (res.status_code, res.content) == (200, b"got hello")
    assert res.headers["content-type"] == "text/plain; charset=utf-8"
    blob = bytes(range(256)) * 3
    res = httpx.post(
        calls.url + "/rpc/echo_bytea",
        content=blob,
        headers={"Content-Type": "application/octet-stream", "Accept": "application/octet-stream"},
    )
    assert (res.status_code, res.content) == (200, blob)
    assert res.headers["content-type"] == "application/octet-stream"
    res = httpx.get(calls.url + "/rpc/plus_one?a=41", headers={"Accept": "text/plain"})
    assert (res.status_code, res.content) == (200, b"42")
    res = httpx.get(calls.url + "/rpc/get_projects", headers={"Accept": "text/plain"})
    assert rpc_error(res) == (
        406,
        "Not Acceptable",
        {
            "code": "PGRST107",
            "details": None,
            "hint": None,
            "message": "None of these media types are available: text/plain",
        },
    )


def test_no_matching_function(calls: RestServer) -> None:
    """404 PGRST202 with PostgREST's message, details and hint for each way of calling."""
    res = httpx.post(calls.url + "/rpc/add_them", json={"a": 1, "c": 2})
    assert rpc_error(res) == (
        404,
        "Not Found",
        {
            "code": "PGRST202",
            "details": "Searched for the function public.add_them with parameters a, c or with a "
            "single unnamed json/jsonb parameter, but no matches were found in the schema cache.",
            "hint": "Perhaps you meant to call the function public.add_them(a, b)",
            "message": "Could not find the function public.add_them(a, c) in the schema cache",
        },
    )
    res = httpx.get(calls.url + "/rpc/add_theme?a=1")
    assert rpc_error(res)[2] == {
        "code": "PGRST202",
        "details": "Searched for the function public.add_theme with parameter a, but no matches "
        "were found in the schema cache.",
        "hint": "Perhaps you meant to call the function public.add_them",
        "message": "Could not find the function public.add_theme(a) in the schema cache",
    }
    res = httpx.post(calls.url + "/rpc/zzz_nothing_like_it")
    assert rpc_error(res)[2] == {
        "code": "PGRST202",
        "details": "Searched for the function public.zzz_nothing_like_it without parameters or "
        "with a single unnamed json/jsonb parameter, but no matches were found in the schema "
        "cache.",
        "hint": None,
        "message": "Could not find the function public.zzz_nothing_like_it without parameters "
        "in the schema cache",
    }
    res = httpx.post(
        calls.url + "/rpc/add_them", content=b"1", headers={"Content-Type": "text/plain"}
    )
    assert rpc_error(res)[2] == {
        "code": "PGRST202",
        "details": "Searched for the function public.add_them with a single unnamed text "
        "parameter, but no matches were found in the schema cache.",
        "hint": None,
        "message": "Could not find the function public.add_them in the schema cache",
    }
    res = httpx.post(
        calls.url + "/rpc/echo_text",
        content=b"\x00",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert rpc_error(res)[2]["details"] == (
        "Searched for the function public.echo_text with a single unnamed bytea parameter, "
        "but no matches were found in the schema cache."
    )


@pytest.mark.parametrize("name", ["unnamed_int", "unnamed_bool"])
def test_unnamed_scalar_parameters_are_not_callable(calls: RestServer, name: str) -> None:
    """Only json/jsonb (and raw text/bytea/xml) fill a single unnamed parameter."""
    res = httpx.post(calls.url + f"/rpc/{name}", json=1)
    assert res.status_code == 400
    assert res.json()["code"] == "PGRST102"
    res = httpx.get(calls.url + f"/rpc/{name}")
    assert rpc_error(res)[:2] == (404, "Not Found")
    assert rpc_error(res)[2]["message"] == (
        f"Could not find the function public.{name} without parameters in the schema cache"
    )


# --- CSV -----------------------------------------------------------------------------------------


def test_csv_as_postgrest_writes_it(calls: RestServer) -> None:
    """Header from the first row's keys, then Postgres' record text of each row: quotes where
    needed, `""` for an empty string, nothing for null, no trailing newline."""
    csv = {"Accept": "text/csv"}
    res = httpx.get(calls.url + "/csv_rows?order=id", headers=csv)
    assert res.status_code == 200
    assert res.headers["content-type"] == "text/csv; charset=utf-8"
    assert res.text == (
        "id,label,tags,seen\n"
        '1,plain,"{""a"": 1}","2026-12-04 10:00:00"\n'
        '2,"comma, ""quoted""",,\n'
        '3,"","[1, ""two""]","2026-01-01 00:00:00"\n'
        "4,,null,"
    )
    res = httpx.get(calls.url + "/csv_rows?select=label,id&id=gt.3", headers=csv)
    assert res.text == "label,id\n,4"
    res = httpx.get(calls.url + "/csv_rows?id=gt.10", headers=csv)
    assert (res.status_code, res.content) == (200, b"\n")
    res = httpx.get(calls.url + "/rpc/get_projects?id=lt.3", headers=csv)
    assert res.text == 'id,name,client_id\n1,"Windows 7",1\n2,"Windows 10",1'


# --- Execution plans ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planned(shared_dsn: str, stack_settings: StackSettings) -> Iterator[RestServer]:
    server = start_server(
        shared_dsn,
        stack_settings,
        {"PGRST_DB_SCHEMAS": "public", "PGRST_DB_PLAN_ENABLED": "true"},
    )
    yield server
    stop_server(server)


def test_plans_are_off_by_default(calls: RestServer) -> None:
    accept = "application/vnd.pgrst.plan+json"
    res = httpx.get(calls.url + "/projects", headers={"Accept": accept})
    assert rpc_error(res) == (
        406,
        "Not Acceptable",
        {
            "code": "PGRST107",
            "details": None,
            "hint": None,
            "message": f"None of these media types are available: {accept}",
        },
    )


def test_text_and_json_plans(planned: RestServer) -> None:
    """explain() of postgrest-py: the plan as Postgres writes it, Content-Type naming the media
    type planned for and the options."""
    with SyncPostgrestClient(planned.url) as client:
        text: Any = client.from_("projects").select("id,name").eq("id", 1).explain().execute()
        assert isinstance(text, str) or isinstance(text.data, str)
    res = httpx.get(
        planned.url + "/projects?id=eq.1",
        headers={"Accept": "application/vnd.pgrst.plan+text"},
    )
    assert res.status_code == 200
    assert res.headers["content-type"] == (
        'application/vnd.pgrst.plan+text; for="application/json"; charset=utf-8'
    )
    assert res.text.startswith("Aggregate  (cost=")
    assert "Index Scan using projects_pkey on projects" in res.text
    assert "actual time" not in res.text
    res = httpx.get(
        planned.url + "/projects",
        headers={
            "Accept": 'application/vnd.pgrst.plan+json; for="text/csv"; options=verbose|analyze'
        },
    )
    assert res.headers["content-type"] == (
        'application/vnd.pgrst.plan+json; for="text/csv"; options=analyze|verbose; charset=utf-8'
    )
    plan = res.json()
    assert plan[0]["Plan"]["Node Type"] == "Aggregate"
    assert "Actual Rows" in plan[0]["Plan"]
    assert "Output" in plan[0]["Plan"]
    assert res.text.startswith("[\n  {\n")


def test_plans_of_writes_and_rpc(planned: RestServer, shared_dsn: str) -> None:
    """A write's plan without analyze changes nothing; RPC plans by GET and POST."""
    plan = {"Accept": "application/vnd.pgrst.plan"}
    res = httpx.patch(planned.url + "/projects?id=eq.1", json={"name": "x"}, headers=plan)
    assert res.status_code == 200
    assert "Update on projects" in res.text
    assert names(shared_dsn) == ORIGINAL
    res = httpx.post(planned.url + "/rpc/plus_one", json={"a": 1}, headers=plan)
    assert (res.status_code, res.text.split("  ")[0]) == (200, "Aggregate")
    res = httpx.get(planned.url + "/rpc/get_projects?limit=1", headers=plan)
    assert "Limit" in res.text  # the SQL function is inlined
