"""supabase.create_client against the server mounted under /rest/v1, as the gateway does."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from supabase import Client, create_client
from supabase.lib.client_options import SyncClientOptions

from native_platform.settings import StackSettings
from tests.helpers.client_json import json_rows
from tests.native_platform.rest.support import RestServer, mounted


@pytest.fixture(scope="module")
def supabase_url(rest: RestServer, stack_settings: StackSettings) -> Iterator[str]:
    with mounted(rest.dsn, stack_settings, db_schemas="public,extra") as url:
        yield url


@pytest.fixture
def supabase(supabase_url: str, rest: RestServer) -> Iterator[Client]:
    with httpx.Client(timeout=30) as http:
        options = SyncClientOptions(httpx_client=http)
        yield create_client(supabase_url, rest.token(role="anon", iss="supabase-demo"), options)


def test_select_through_supabase(supabase: Client) -> None:
    """supabase.table().select() with Accept */* and both profile headers reads rows."""
    res = supabase.table("films").select("id, directors(name)").eq("id", 1).execute()
    assert res.data == [{"id": 1, "directors": {"name": "Akira Kurosawa"}}]


def test_insert_update_delete_through_supabase(supabase: Client) -> None:
    """Writes (DELETE with a {} body) round-trip through the mounted app."""
    inserted = supabase.table("items").insert({"name": "sb-item"}).execute()
    item_id = json_rows(inserted.data)[0]["id"]
    updated = supabase.table("items").update({"qty": 4}).eq("id", item_id).execute()
    assert json_rows(updated.data)[0]["qty"] == 4
    deleted = supabase.table("items").delete().eq("id", item_id).execute()
    assert [r["id"] for r in json_rows(deleted.data)] == [item_id]


def test_rpc_and_schema_through_supabase(supabase: Client) -> None:
    """rpc() and schema() work with the client's default headers."""
    assert supabase.rpc("add", {"a": 20, "b": 22}).execute().data == 42
    assert supabase.schema("extra").table("gadgets").select("label").execute().data == [
        {"label": "spyglass"}
    ]


def test_openapi_through_supabase(supabase_url: str) -> None:
    """GET /rest/v1/ answers the OpenAPI document listing visible tables and functions."""
    doc = httpx.get(supabase_url + "/rest/v1/").json()
    assert doc["swagger"] == "2.0" and doc["basePath"] == "/rest/v1"
    assert "/films" in doc["paths"] and "/rpc/add" in doc["paths"]
    assert "/notes" not in doc["paths"]
    assert doc["definitions"]["films"]["description"] == "Films we know"
