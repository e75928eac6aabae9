"""Liveness and readiness of the gateway's process.

`GET /health` (liveness): the process answers; it never looks at a dependency, so a database
outage does not get a healthy process restarted. `GET /ready` (readiness): Postgres answers,
its migrations are the tree's, and Typesense (search) answers; 503 with each component's state
otherwise. The supervisor (`rfl up`) and the container health checks wait on `/ready`.
"""

from __future__ import annotations

from typing import Any

import httpx
import psycopg
from psycopg_pool import AsyncConnectionPool
from starlette.requests import Request
from starlette.responses import JSONResponse

from native_platform.migrations import discover_migrations

__all__ = ["health", "ready"]

LATEST_APPLIED = "select max(version) from supabase_migrations.schema_migrations"
Component = dict[str, Any]


async def database_and_migrations(pool: AsyncConnectionPool) -> tuple[Component, Component]:
    expected = max((m.version for m in discover_migrations()), default=None)
    try:
        async with pool.connection(timeout=2.0) as conn:
            row = await (await conn.execute(LATEST_APPLIED)).fetchone()
    except (psycopg.Error, TimeoutError) as error:
        down = {"status": "down", "error": type(error).__name__}
        return down, {"status": "down", "error": "database unreachable"}
    applied = row[0] if row else None
    migrations = {
        "status": "up" if applied == expected else "down",
        "version": applied,
        "expected": expected,
    }
    return {"status": "up"}, migrations


async def typesense(client: httpx.AsyncClient, url: str) -> Component:
    try:
        response = await client.get(f"{url}/health", timeout=2.0)
    except httpx.HTTPError as error:
        return {"status": "down", "error": type(error).__name__}
    healthy = response.status_code == 200 and response.json().get("ok") is True
    return {"status": "up" if healthy else "down"}


async def health(_: Request) -> JSONResponse:
    return JSONResponse({"status": "up"})


async def ready(request: Request) -> JSONResponse:
    state = request.app.state
    database, migrations = await database_and_migrations(state.pool)
    components = {
        "database": database,
        "migrations": migrations,
        "typesense": await typesense(state.http, state.settings.typesense_url),
    }
    all_up = all(component["status"] == "up" for component in components.values())
    body = {"status": "up" if all_up else "down", "components": components}
    return JSONResponse(body, status_code=200 if all_up else 503)
