"""Issue 18 item 7 (GeoJSON) through @supabase/supabase-js under Node: its `geojson()` modifier
against the server mounted under /rest/v1 as the gateway does."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from native_platform.settings import StackSettings
from tests.native_platform.rest.support import fixture_database, mounted, run_node
from tests.native_platform.rest.test_geojson import DOCS_OUTPUT
from tests.native_platform.rest.test_supabase_js_parity import NODE_MODULES_DIR

SCRIPT = Path(__file__).with_name("js") / "geojson.mjs"
FIXTURE = Path(__file__).with_name("fixture_geojson.sql")


@pytest.fixture(scope="module")
def results(pg_server: Any, stack_settings: StackSettings) -> Iterator[dict[str, Any]]:
    if shutil.which("node") is None or not (NODE_MODULES_DIR / "node_modules").is_dir():
        pytest.fail("node and tests/native_platform/realtime/js/node_modules are required")
    with fixture_database(pg_server, "rfl_geojs", FIXTURE) as dsn:
        with mounted(dsn, stack_settings, db_schemas="public") as url:
            secret = stack_settings.jwt_secret.get_secret_value()
            anon = jwt.encode({"role": "anon"}, secret, algorithm="HS256")
            yield run_node(SCRIPT, url, anon, NODE_MODULES_DIR)


def test_geojson_feature_collections(results: dict[str, Any]) -> None:
    big = results["big"]
    assert big["status"] == 200
    assert big["data"] == {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": DOCS_OUTPUT["features"][1]["geometry"],
                "properties": {"name": "big"},
            }
        ],
    }
    assert results["view"]["data"] == {
        "type": "FeatureCollection",
        "features": [DOCS_OUTPUT["features"][0]],
    }
    assert results["none"]["data"] == {"type": "FeatureCollection", "features": []}


def test_geojson_without_a_geometry_column(results: dict[str, Any]) -> None:
    failed = results["noGeometry"]
    assert failed["status"] == 400
    assert failed["error"] == {
        "code": "22023",
        "details": None,
        "hint": None,
        "message": "geometry column is missing",
    }
