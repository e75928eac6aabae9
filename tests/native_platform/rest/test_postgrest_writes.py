"""The official `postgrest` client's insert, upsert, update, delete and rpc builders."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from postgrest import APIError, CountMethod, ReturnMethod, SyncPostgrestClient

from tests.helpers.client_json import json_rows, rpc_params
from tests.native_platform.rest.support import RestServer


@pytest.fixture
def client(rest: RestServer) -> Iterator[SyncPostgrestClient]:
    with SyncPostgrestClient(rest.url) as postgrest:
        yield postgrest


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_insert_one_returns_representation(client: SyncPostgrestClient) -> None:
    """insert() of one object answers 201 with the row including defaults."""
    name = unique("land")
    res = client.from_("countries").insert({"name": name, "code": name[-6:]}).execute()
    assert len(res.data) == 1
    row = json_rows(res.data)[0]
    assert row["name"] == name and row["population"] == 0


def test_insert_many_with_missing_default(client: SyncPostgrestClient) -> None:
    """A bulk insert with differing keys uses columns=; default_to_null=False uses defaults."""
    a, b = unique("a"), unique("b")
    rows: list[dict[str, object]] = [{"name": a, "population": 7}, {"name": b}]
    res = (
        client.from_("countries")
        .insert(
            rows,
            default_to_null=False,
            count=CountMethod.exact,
        )
        .execute()
    )
    assert [(r["name"], r["population"]) for r in json_rows(res.data)] == [(a, 7), (b, 0)]
    assert res.count == 2


def test_insert_minimal_returns_nothing(client: SyncPostgrestClient) -> None:
    """returning=minimal answers 201 with an empty body, read as []."""
    res = (
        client.from_("items")
        .insert({"name": unique("rope")}, returning=ReturnMethod.minimal)
        .execute()
    )
    assert res.data == []


def test_upsert_merge_and_ignore(client: SyncPostgrestClient) -> None:
    """upsert() merges on a conflict target; ignore_duplicates keeps the old row."""
    code = uuid.uuid4().hex[:6]
    client.from_("countries").insert({"name": "before", "code": code}).execute()
    res = (
        client.from_("countries")
        .upsert({"name": "after", "code": code}, on_conflict="code")
        .execute()
    )
    assert json_rows(res.data)[0]["name"] == "after"
    res = (
        client.from_("countries")
        .upsert({"name": "ignored", "code": code}, on_conflict="code", ignore_duplicates=True)
        .execute()
    )
    assert res.data == []
    rows = client.from_("countries").select("name").eq("code", code).execute().data
    assert rows == [{"name": "after"}]


def test_update_with_filters(client: SyncPostgrestClient) -> None:
    """update() + eq() patches matching rows and returns them."""
    name = unique("torch")
    client.from_("items").insert({"name": name, "qty": 1}).execute()
    res = client.from_("items").update({"qty": 9}).eq("name", name).execute()
    assert [(r["name"], r["qty"]) for r in json_rows(res.data)] == [(name, 9)]


def test_update_check_violation_is_400(client: SyncPostgrestClient) -> None:
    """A CHECK violation (23514) is a 400 with the constraint in the message."""
    with pytest.raises(APIError) as raised:
        client.from_("items").update({"qty": -1}).eq("name", "rope").execute()
    assert raised.value.code == "23514"


def test_delete_with_filters(client: SyncPostgrestClient) -> None:
    """delete() + eq() removes and returns the rows."""
    name = unique("gone")
    client.from_("items").insert({"name": name}).execute()
    res = client.from_("items").delete().eq("name", name).execute()
    assert [r["name"] for r in json_rows(res.data)] == [name]
    assert client.from_("items").select("id").eq("name", name).execute().data == []


def test_max_affected(client: SyncPostgrestClient) -> None:
    """max_affected() rolls back an update touching more rows (PGRST124)."""
    tag = unique("many")
    client.from_("items").insert([{"name": tag}, {"name": tag}]).execute()
    with pytest.raises(APIError) as raised:
        client.from_("items").update({"qty": 3}).eq("name", tag).max_affected(1).execute()
    assert raised.value.code == "PGRST124"
    rows = client.from_("items").select("qty").eq("name", tag).execute().data
    assert rows == [{"qty": 1}, {"qty": 1}]


def test_unique_violation_is_409(client: SyncPostgrestClient) -> None:
    """Inserting a duplicate key fails with 23505 (HTTP 409)."""
    with pytest.raises(APIError) as raised:
        client.from_("directors").insert({"id": 1, "name": "dup"}).execute()
    assert raised.value.code == "23505"


def test_insert_unknown_column(client: SyncPostgrestClient) -> None:
    """An unknown key in the payload is PGRST204."""
    with pytest.raises(APIError) as raised:
        client.from_("items").insert({"name": "x", "colour": "red"}).execute()
    assert raised.value.code == "PGRST204"


def test_rpc_scalar_post_and_get(client: SyncPostgrestClient) -> None:
    """rpc() posts named arguments; get=True sends them in the query string."""
    assert client.rpc("add", rpc_params({"a": 2, "b": 3})).execute().data == 5
    assert client.rpc("add", rpc_params({"a": 2, "b": 40}), get=True).execute().data == 42


def test_rpc_set_returning_with_filters(client: SyncPostgrestClient) -> None:
    """A SETOF function takes select, filters, order, limit and count."""
    res = (
        client.rpc("films_after", rpc_params({"after_year": 1900}), count=CountMethod.exact)
        .select("id,title")
        .lt("id", 4)
        .order("id", desc=True)
        .limit(2)
        .execute()
    )
    assert res.data == [{"id": 3, "title": "Cleo from 5 to 7"}, {"id": 2, "title": "Seven Samurai"}]
    assert res.count == 3


def test_rpc_single_json_argument(client: SyncPostgrestClient) -> None:
    """A function with one unnamed jsonb parameter receives the whole body."""
    assert client.rpc("echo", rpc_params({"deep": {"x": [1, 2]}})).execute().data == {
        "deep": {"x": [1, 2]}
    }


def test_rpc_variadic_and_head(client: SyncPostgrestClient) -> None:
    """A variadic parameter takes a JSON array; head=True sends HEAD with no body back."""
    assert client.rpc("sum_all", rpc_params({"nums": [1, 2, 3]})).execute().data == 6
    assert client.rpc("numbers", {}, head=True, get=True).execute().data == []


def test_rpc_void_and_errors(client: SyncPostgrestClient) -> None:
    """A void function answers 204; unknown functions 404 PGRST202; PT402 maps to 402."""
    assert client.rpc("bump_items", {}).execute().data == []
    with pytest.raises(APIError) as raised:
        client.rpc("no_such_fn", rpc_params({"x": 1})).execute()
    assert raised.value.code == "PGRST202"
    with pytest.raises(APIError) as raised:
        client.rpc("payment_required", {}).execute()
    assert raised.value.code == "PT402"


def test_rpc_read_only_on_get(client: SyncPostgrestClient) -> None:
    """GET runs in a read-only transaction: a writing function fails with 25006."""
    with pytest.raises(APIError) as raised:
        client.rpc("bump_items", {}, get=True).execute()
    assert raised.value.code == "25006"


def test_auth_select_after_write_and_retry(client: SyncPostgrestClient, rest: RestServer) -> None:
    """auth() sends the bearer (RLS applies); write-then-select and retry work."""
    client.auth(rest.token(role="authenticated", sub="carol"))
    res = (
        client.from_("notes")
        .insert({"body": "mine"}, returning=ReturnMethod.minimal)
        .select("owner, body")
        .retry(False)
        .execute()
    )
    assert res.data == [{"owner": "carol", "body": "mine"}]
    res = client.from_("items").update({"qty": 2}).eq("name", "nobody").select("id").execute()
    assert res.data == []
    assert client.table("notes").select("body").execute().data == [{"body": "mine"}]
