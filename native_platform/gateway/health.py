"""`GET /health`: whether each component of the stack is up, and why not."""

from __future__ import annotations

from typing import Any

import httpx
import psycopg
from psycopg_pool import AsyncConnectionPool
from starlette.requests import Request
from starlette.responses import JSONResponse

from native_platform.migrations import discover_migrations

__all__ = ["health"]

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


async def health(request: Request) -> JSONResponse:
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
