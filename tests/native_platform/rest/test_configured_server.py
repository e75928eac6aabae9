"""Servers configured with a pre-request hook and db-max-rows, and over the real migrations."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from native_platform.settings import StackSettings
from tests.native_platform.rest.support import RestServer, start_server, stop_server


@pytest.fixture(scope="module")
def hooked(rest: RestServer, stack_settings: StackSettings) -> Iterator[RestServer]:
    server = start_server(
        rest.dsn,
        stack_settings,
        {"PGRST_DB_PRE_REQUEST": "extra.pre_request", "PGRST_DB_MAX_ROWS": "2"},
    )
    yield server
    stop_server(server)


def test_pre_request_runs_before_each_request(hooked: RestServer) -> None:
    """The hook sees the request headers, may raise, and may set response headers."""
    res = httpx.get(hooked.url + "/films?select=id&order=id")
    assert res.headers["x-pre-request"] == "ran"
    res = httpx.get(hooked.url + "/films", headers={"X-Block": "1"})
    assert res.status_code == 403 and res.json()["message"] == "Blocked by the pre-request hook"


def test_max_rows_caps_results(hooked: RestServer) -> None:
    """db-max-rows silently caps reads; the count still reports the total."""
    res = httpx.get(hooked.url + "/films?select=id&order=id", headers={"Prefer": "count=exact"})
    assert [r["id"] for r in res.json()] == [1, 2]
    assert res.headers["content-range"] == "0-1/5" and res.status_code == 206


def test_real_migrations_are_served(db_dsn: str, stack_settings: StackSettings) -> None:
    """Over the project's migrations (with app_private.check_request) reads and embeds work."""
    server = start_server(
        db_dsn,
        stack_settings,
        {"PGRST_DB_SCHEMAS": "public", "PGRST_DB_PRE_REQUEST": "app_private.check_request"},
    )
    try:
        doc = httpx.get(server.url + "/").json()
        assert "/campaigns" in doc["paths"]
        res = httpx.get(server.url + "/characters?select=id,campaigns(id)&limit=1")
        assert res.status_code == 200, res.text
        token = server.token(role="authenticated", sub="00000000-0000-0000-0000-000000000000")
        res = httpx.get(
            server.url + "/campaigns?select=id", headers={"Authorization": f"Bearer {token}"}
        )
        assert res.status_code in (200, 401), res.text
    finally:
        stop_server(server)


def test_estimated_count_beyond_max_rows(hooked: RestServer) -> None:
    """count=estimated switches to the planner estimate when more than db-max-rows match."""
    res = httpx.get(hooked.url + "/films?select=id", headers={"Prefer": "count=estimated"})
    total = int(res.headers["content-range"].split("/")[1])
    assert res.status_code in (200, 206) and total >= 2
