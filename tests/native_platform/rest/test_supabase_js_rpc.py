"""Issue 18 items 5-7 (RPC counts, overloads, PGRST202/203, rollback, CSV, plans) through
@supabase/supabase-js under Node, against the server mounted under /rest/v1 as the gateway
does."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest

from native_platform.settings import StackSettings
from tests.native_platform.rest.support import fixture_database, mounted, run_node
from tests.native_platform.rest.test_supabase_js_parity import NODE_MODULES_DIR

SCRIPT = Path(__file__).with_name("js") / "rpc.mjs"
FIXTURE = Path(__file__).with_name("fixture_rpc.sql")


@pytest.fixture(scope="module")
def results(pg_server: Any, stack_settings: StackSettings) -> Iterator[dict[str, Any]]:
    if shutil.which("node") is None or not (NODE_MODULES_DIR / "node_modules").is_dir():
        pytest.fail("node and tests/native_platform/realtime/js/node_modules are required")
    with fixture_database(pg_server, "rfl_rpcjs", FIXTURE) as dsn:
        overrides: dict[str, Any] = {
            "db_schemas": "public",
            "db_tx_end": "commit-allow-override",
            "db_plan_enabled": True,
        }
        with mounted(dsn, stack_settings, **overrides) as url:
            secret = stack_settings.jwt_secret.get_secret_value()
            anon = jwt.encode({"role": "anon"}, secret, algorithm="HS256")
            yield run_node(SCRIPT, url, anon, NODE_MODULES_DIR)


def test_rpc_counts_and_overloads(results: dict[str, Any]) -> None:
    count = results["rpcCount"]
    assert (count["status"], count["count"]) == (200, 4)
    assert [row["id"] for row in count["data"]] == [2, 3, 4, 5]
    assert (results["rpcHead"]["count"], results["rpcHead"]["data"]) == (5, None)
    assert results["rpcGet"]["data"] == 4
    assert results["unnamedJson"]["data"] == {"a": 1, "seen": True}


def test_rpc_errors(results: dict[str, Any]) -> None:
    ambiguous = results["ambiguous"]
    assert (ambiguous["status"], ambiguous["error"]["code"]) == (300, "PGRST203")
    assert ambiguous["error"]["message"] == (
        "Could not choose the best candidate function between: "
        "public.describe(x => integer), public.describe(x => text)"
    )
    missing = results["missing"]
    assert missing["status"] == 404
    assert missing["error"] == {
        "code": "PGRST202",
        "details": "Searched for the function public.add_them with parameters a, c or with a "
        "single unnamed json/jsonb parameter, but no matches were found in the schema cache.",
        "hint": "Perhaps you meant to call the function public.add_them(a, b)",
        "message": "Could not find the function public.add_them(a, c) in the schema cache",
    }


def test_rollback_csv_and_plan(results: dict[str, Any]) -> None:
    assert results["rolledBack"]["data"] == [{"id": 1, "name": "Windows 8", "client_id": 1}]
    assert results["afterRollback"]["data"] == {"name": "Windows 7"}
    assert results["csv"]["data"] == 'id,label\n1,plain\n2,"comma, ""quoted"""\n3,""\n4,'
    plan = results["plan"]
    assert plan["status"] == 200
    assert plan["data"].startswith("Aggregate  (cost=")
