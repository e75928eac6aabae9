"""The parity queries (computed relationships, aggregates, spreads, hints) through
@supabase/supabase-js under Node, against the server mounted under /rest/v1 as the gateway does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from native_platform.settings import StackSettings
from tests.native_platform.rest.support import RestServer, mounted
from tests.native_platform.rest.test_postgrest_parity import parity, parity_dsn  # noqa: F401

SCRIPT = Path(__file__).with_name("js") / "parity.mjs"
# The official client is installed once, beside the realtime checks that also drive it.
NODE_MODULES_DIR = Path(__file__).parents[1] / "realtime" / "js"


@pytest.fixture(scope="module")
def mounted_url(parity_dsn: str, stack_settings: StackSettings) -> Iterator[str]:  # noqa: F811
    with mounted(
        parity_dsn, stack_settings, db_schemas="public", db_aggregates_enabled=True
    ) as url:
        yield url


@pytest.fixture(scope="module")
def results(mounted_url: str, parity: RestServer) -> dict[str, Any]:  # noqa: F811
    if shutil.which("node") is None or not (NODE_MODULES_DIR / "node_modules").is_dir():
        pytest.fail("node and tests/native_platform/realtime/js/node_modules are required")
    anon = parity.token(role="anon", iss="supabase-demo")
    done = subprocess.run(
        ["node", "--input-type=module", "-", mounted_url],
        env={**os.environ, "ANON_KEY": anon},
        input=SCRIPT.read_text(encoding="utf-8"),
        cwd=NODE_MODULES_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    parsed: dict[str, Any] = json.loads(done.stdout)
    return parsed


def ok(result: dict[str, Any]) -> Any:
    assert result["status"] == 200 and result["error"] is None, result
    return result["data"]


def test_computed_fields_and_relationships(results: dict[str, Any]) -> None:
    assert ok(results["computedField"]) == [
        {"id": 1, "full_name": "Akira Kurosawa"},
        {"id": 2, "full_name": "Yasujiro Ozu"},
    ]
    assert ok(results["computedToMany"]) == [
        {"last_name": "Ozu", "top_films": [{"title": "Tokyo Story"}]}
    ]
    assert ok(results["computedToOne"]) == {"title": "Tokyo Story", "maker": {"last_name": "Ozu"}}


def test_aggregates_and_spreads(results: dict[str, Any]) -> None:
    assert ok(results["aggregate"]) == [{"total": 135.75, "count": 4}]
    assert ok(results["grouped"]) == [
        {"order_date": "2026-01-01", "sum": 30.5},
        {"order_date": "2026-01-02", "sum": 105.25},
    ]
    assert ok(results["spreadHoisted"]) == [
        {"city": "Lisbon", "count": 3},
        {"city": "Oslo", "count": 1},
    ]
    assert ok(results["embedAggregate"]) == [{"name": "Ana", "orders": [{"max": 2}]}]


def test_hints_and_relationship_errors(results: dict[str, Any]) -> None:
    assert ok(results["hinted"]) == [{"id": 1, "shipping": {"name": "Office"}}]
    assert ok(results["selfReference"]) == [
        {"last_name": "Chief", "reports": [{"last_name": "Lead"}]}
    ]
    ambiguous = results["ambiguous"]
    assert ambiguous["status"] == 300 and ambiguous["data"] is None
    assert ambiguous["error"]["code"] == "PGRST201"
    assert ambiguous["error"]["hint"] == (
        "Try changing 'addresses' to one of the following: 'addresses!billing', "
        "'addresses!shipping'. Find the desired relationship in the 'details' key."
    )
    assert results["missing"] == {
        "status": 400,
        "data": None,
        "count": None,
        "error": {
            "code": "PGRST200",
            "details": "Searched for a foreign key relationship between 'orders' and 'customer' "
            "in the schema 'public', but no matches were found.",
            "hint": "Perhaps you meant 'customers' instead of 'customer'.",
            "message": "Could not find a relationship between 'orders' and 'customer' in the "
            "schema cache",
        },
    }
