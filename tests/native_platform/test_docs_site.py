"""The API documentation site: built from what the stack serves, every exposed table, column,
function, route and realtime channel described, served by the gateway at /docs."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import psycopg
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from native_platform.docs_descriptions import AUTH_ROUTES, CHANNELS
from native_platform.docs_site import Site, build_site, collect_site, problems, route_spec, site_dir
from native_platform.gateway import create_app
from native_platform.project_config import load_project_config
from native_platform.settings import StackSettings
from tests.helpers.servers import serve


@pytest.fixture
def dbname(db_dsn: str) -> str:
    return db_dsn.rsplit("/", 1)[1]


def test_every_exposed_object_is_described(stack_settings: StackSettings, dbname: str) -> None:
    """The REST views of the three roles, every function, auth, storage and realtime."""
    site = collect_site(stack_settings, dbname)
    assert problems(site) == []
    tables = {role: set(spec["definitions"]) for role, spec in site.rest.items()}
    assert tables["rest-anon"] < tables["rest-authenticated"]
    assert "campaigns" in tables["rest-anon"]
    config = load_project_config()
    assert set(config.enabled_functions()) | {"auth", "storage"} <= set(site.apis)
    assert {channel.topic for channel in CHANNELS} <= set(site.asyncapi["channels"])
    assert "postgres_changes:public.dice_rolls" in site.asyncapi["channels"]


def test_site_files_are_written(stack_settings: StackSettings, dbname: str, tmp_path: Path) -> None:
    site = collect_site(stack_settings, dbname)
    written = {path.name for path in build_site(tmp_path, site)}
    assert {"index.html", "asyncapi.json", "auth.json", "dice.json", "rest-anon.json"} <= written
    page = (tmp_path / "index.html").read_text()
    assert 'supabase.table("campaigns")' in page
    assert 'await supabase.from("campaigns")' in page
    assert "campaign:{campaign_id}" in page
    assert json.loads((tmp_path / "asyncapi.json").read_text())["asyncapi"] == "2.6.0"


def test_undescribed_objects_are_named(
    stack_settings: StackSettings, db_dsn: str, dbname: str
) -> None:
    """A table, column, function or channel policy added without a description is reported."""
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        conn.execute("create table public.scratch (id bigint primary key, note text)")
        conn.execute("comment on column public.scratch.id is 'Identifier.'")
        conn.execute("grant select on public.scratch to anon")
        conn.execute(
            "create function public.scratch_count() returns int language sql as 'select 1'"
        )
        conn.execute("grant execute on function public.scratch_count() to anon")
        conn.execute(
            'create policy "Someone receives a secret channel" on realtime.messages'
            " for select to authenticated using (false)"
        )
    found = problems(collect_site(stack_settings, dbname))
    assert "rest-anon: table scratch has no description" in found
    assert "rest-anon: column scratch.note has no description" in found
    assert "rest-anon: column scratch.id has no description" not in found
    assert "rest-anon: function scratch_count has no description" in found
    assert (
        "realtime: policy 'Someone receives a secret channel' on realtime.messages belongs to"
        " no channel" in found
    )


async def endpoint(_: Request) -> Response:
    return Response()


def test_undescribed_route_is_named() -> None:
    """An auth route missing from the descriptions fails the check."""
    routes = [
        Route("/user", endpoint, methods=["GET"]),
        Route("/undescribed", endpoint, methods=["POST"]),
    ]
    site = Site(apis={"auth": route_spec("Auth", "/auth/v1", routes, AUTH_ROUTES)})
    assert problems(site) == ["auth: route POST /undescribed has no description"]


def test_gateway_serves_the_site_at_docs(stack_settings: StackSettings, tmp_path: Path) -> None:
    """404 until `rfl docs build` wrote it, then the pages and documents, without an API key."""
    settings = stack_settings.model_copy(update={"state_dir": tmp_path})
    with serve(create_app(settings, mounts=[])) as url:
        assert httpx.get(f"{url}/docs/").status_code == 404
        build_site(site_dir(settings), Site(asyncapi={"asyncapi": "2.6.0", "channels": {}}))
        page = httpx.get(f"{url}/docs/")
        document = httpx.get(f"{url}/docs/asyncapi.json")
    assert page.status_code == 200
    assert "Roll for Language API" in page.text
    assert document.json()["asyncapi"] == "2.6.0"
