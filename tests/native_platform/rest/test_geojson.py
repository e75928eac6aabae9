"""PostgREST v14 GeoJSON (issue 18, item 7): `Accept: application/geo+json` on a table or view
with a PostGIS geometry column answers a FeatureCollection of `ST_AsGeoJSON` of each row.

The fixture (fixture_geojson.sql) is the `coverage` example of PostgREST's PostGIS page. The
official `postgrest` client has no GeoJSON call, so it is given the Accept header; bodies are
asserted byte for byte as PostgreSQL renders PostgREST's `json_build_object` expression."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from postgrest import SyncPostgrestClient

from native_platform.settings import StackSettings
from tests.native_platform.rest.support import (
    RestServer,
    fixture_database,
    start_server,
    stop_server,
)

FIXTURE = Path(__file__).with_name("fixture_geojson.sql")
GEOJSON = {"Accept": "application/geo+json"}
CONTENT_TYPE = "application/geo+json; charset=utf-8"
SMALL = (
    '{"type": "Feature", "geometry": {"type":"Polygon","coordinates":'
    '[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}, "properties": {"id": 1, "name": "small"}}'
)
BIG = (
    '{"type": "Feature", "geometry": {"type":"Polygon","coordinates":'
    '[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}, "properties": {"id": 2, "name": "big"}}'
)
# The output shown on PostgREST's PostGIS page (`curl /coverage -H "Accept: application/geo+json"`).
DOCS_OUTPUT: dict[str, Any] = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]],
            },
            "properties": {"id": 1, "name": "small"},
        },
        {
            "type": "Feature",
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]],
            },
            "properties": {"id": 2, "name": "big"},
        },
    ],
}


def collection(*features: str) -> str:
    return '{"type" : "FeatureCollection", "features" : [' + ", ".join(features) + "]}"


def _serve(dsn: str, settings: StackSettings) -> Iterator[RestServer]:
    server = start_server(dsn, settings, {"PGRST_DB_SCHEMAS": "public"})
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def geo(pg_server: Any, stack_settings: StackSettings) -> Iterator[RestServer]:
    with fixture_database(pg_server, "rfl_geo", FIXTURE) as dsn:
        yield from _serve(dsn, stack_settings)


def test_table_as_in_postgrest_docs(geo: RestServer) -> None:
    response = httpx.get(f"{geo.url}/coverage?order=id", headers=GEOJSON)
    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPE
    assert response.text == collection(SMALL, BIG)
    assert response.json() == DOCS_OUTPUT


def test_official_client_with_filters_and_view(geo: RestServer) -> None:
    with SyncPostgrestClient(geo.url, headers=GEOJSON) as client:
        big = client.from_("coverage").select("name,area").eq("id", 2).execute()
        view = client.from_("small_coverage").select("*").execute()
    data: Any = big.data
    assert data == {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": DOCS_OUTPUT["features"][1]["geometry"],
                "properties": {"name": "big"},
            }
        ],
    }
    data = view.data
    assert data == {"type": "FeatureCollection", "features": [DOCS_OUTPUT["features"][0]]}


def test_empty_result_and_head(geo: RestServer) -> None:
    empty = httpx.get(f"{geo.url}/coverage?id=eq.99", headers=GEOJSON)
    assert (empty.status_code, empty.text) == (200, collection())
    head = httpx.head(f"{geo.url}/coverage", headers=GEOJSON)
    assert (head.status_code, head.headers["content-type"], head.content) == (
        200,
        CONTENT_TYPE,
        b"",
    )


def test_writes_return_geojson(geo: RestServer) -> None:
    headers = {**GEOJSON, "Prefer": "return=representation"}
    point = '{"type": "Feature", "geometry": {"type":"Point","coordinates":[1,2]}, '
    created = httpx.post(
        f"{geo.url}/coverage",
        headers=headers,
        json={"id": 3, "name": "dot", "area": "SRID=4326;POINT(1 2)"},
    )
    assert (created.status_code, created.headers["content-type"]) == (201, CONTENT_TYPE)
    assert created.text == collection(point + '"properties": {"id": 3, "name": "dot"}}')
    deleted = httpx.delete(f"{geo.url}/coverage?id=eq.3&select=name,area", headers=headers)
    assert deleted.status_code == 200
    assert deleted.text == collection(point + '"properties": {"name": "dot"}}')


def test_no_geometry_column_is_postgis_error(geo: RestServer) -> None:
    response = httpx.get(f"{geo.url}/plain", headers=GEOJSON)
    assert response.status_code == 400
    assert response.json() == {
        "code": "22023",
        "details": None,
        "hint": None,
        "message": "geometry column is missing",
    }


def test_without_postgis_is_undefined_function(
    pg_server: Any, stack_settings: StackSettings
) -> None:
    with fixture_database(pg_server, "rfl_nogeo", FIXTURE.with_name("fixture_rpc.sql")) as dsn:
        server = start_server(dsn, stack_settings, {"PGRST_DB_SCHEMAS": "public"})
        try:
            response = httpx.get(f"{server.url}/projects", headers=GEOJSON)
        finally:
            stop_server(server)
    assert response.status_code == 404
    assert response.json() == {
        "code": "42883",
        "details": None,
        "hint": "No function matches the given name and argument types. "
        "You might need to add explicit type casts.",
        "message": "function st_asgeojson(record) does not exist",
    }


def test_rpc_returning_rows(geo: RestServer) -> None:
    with SyncPostgrestClient(geo.url, headers=GEOJSON) as client:
        both = client.rpc("coverage_named", {"pattern": "%"}).execute()
    data: Any = both.data
    assert data == DOCS_OUTPUT
    one = httpx.get(f"{geo.url}/rpc/coverage_named?pattern=big", headers=GEOJSON)
    assert (one.status_code, one.headers["content-type"]) == (200, CONTENT_TYPE)
    assert one.text == collection(BIG)
