"""`GET /`: a Swagger 2.0 description of what the caller's role may use."""

from __future__ import annotations

from typing import Any

import orjson
from psycopg import sql
from starlette.responses import Response

from native_platform.rest.api_request import ApiRequest
from native_platform.rest.executor import execute
from native_platform.rest.responses import make_response
from native_platform.rest.schema_cache import Function, Table

__all__ = ["handle_openapi"]

_VISIBLE = sql.SQL("""
select null::bigint, 0::bigint, json_build_object(
    'tables', coalesce((
        select json_agg(c.relname) from pg_catalog.pg_class as c
        join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
        where n.nspname = %(schema)s and c.relkind in ('r', 'v', 'm', 'f', 'p')
          and pg_catalog.has_table_privilege(c.oid, 'SELECT, INSERT, UPDATE, DELETE')
    ), '[]'),
    'functions', coalesce((
        select json_agg(p.proname) from pg_catalog.pg_proc as p
        join pg_catalog.pg_namespace as n on n.oid = p.pronamespace
        where n.nspname = %(schema)s and pg_catalog.has_function_privilege(p.oid, 'EXECUTE')
    ), '[]'))::text, null::text, null::text, null::bigint
""")

_FORMATS = {
    "integer": "integer",
    "bigint": "integer",
    "smallint": "integer",
    "numeric": "number",
    "real": "number",
    "double precision": "number",
    "boolean": "boolean",
    "json": "object",
    "jsonb": "object",
}


def _property(table: Table, name: str, type_: str, description: str | None) -> dict[str, Any]:
    prop: dict[str, Any] = {"format": type_, "type": _FORMATS.get(type_, "string")}
    if type_.endswith("[]"):
        prop = {"format": type_, "type": "array", "items": {"type": "string"}}
    notes = []
    if name in table.primary_key:
        notes.append("Note:\nThis is a Primary Key.<pk/>")
    if description:
        notes.insert(0, description)
    if notes:
        prop["description"] = "\n\n".join(notes)
    return prop


def _definition(table: Table) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "type": "object",
        "properties": {
            c.name: _property(table, c.name, c.type, c.description) for c in table.columns
        },
        "required": [c.name for c in table.columns if not c.nullable and c.default is None],
    }
    if table.description:
        definition["description"] = table.description
    return definition


def _table_path(table: Table) -> dict[str, Any]:
    ref = {"$ref": f"#/definitions/{table.name}"}
    ok = {"200": {"description": "OK", "schema": {"type": "array", "items": ref}}}
    path: dict[str, Any] = {"get": {"tags": [table.name], "responses": ok}}
    for verb in ("post", "patch", "delete"):
        path[verb] = {"tags": [table.name], "responses": {"204": {"description": "No Content"}}}
    if table.description:
        path["get"]["summary"] = table.description
    return path


def _function_path(function: Function) -> dict[str, Any]:
    properties = {
        p.name: {"format": p.type, "type": _FORMATS.get(p.type, "string")}
        for p in function.params
        if p.name
    }
    body = {
        "in": "body",
        "name": "args",
        "required": True,
        "schema": {
            "type": "object",
            "properties": properties,
            "required": sorted(function.required),
        },
    }
    post: dict[str, Any] = {
        "tags": ["(rpc) " + function.name],
        "parameters": [body],
        "responses": {"200": {"description": "OK"}},
    }
    if function.description:
        post["summary"] = function.description
    return {"post": post}


def document(req: ApiRequest, tables: set[str], functions: set[str]) -> dict[str, Any]:
    visible = [
        t
        for (schema, name), t in sorted(req.cache.tables.items())
        if schema == req.schema and name in tables
    ]
    paths: dict[str, Any] = {
        "/": {
            "get": {
                "tags": ["Introspection"],
                "summary": "OpenAPI description (this document)",
                "responses": {"200": {"description": "OK"}},
            }
        }
    }
    paths.update({f"/{t.name}": _table_path(t) for t in visible})
    for (schema, name), overloads in sorted(req.cache.functions.items()):
        if schema == req.schema and name in functions:
            paths[f"/rpc/{name}"] = _function_path(overloads[0])
    host = req.http.headers.get("host", "")
    return {
        "swagger": "2.0",
        "info": {"title": "PostgREST API", "description": "", "version": "13.0.8"},
        "host": host,
        "basePath": req.http.scope.get("root_path") or "/",
        "schemes": [req.http.url.scheme],
        "consumes": [
            "application/json",
            "application/vnd.pgrst.object+json;nulls=stripped",
            "application/vnd.pgrst.object+json",
            "text/csv",
        ],
        "produces": [
            "application/json",
            "application/vnd.pgrst.object+json;nulls=stripped",
            "application/vnd.pgrst.object+json",
            "text/csv",
        ],
        "paths": paths,
        "definitions": {t.name: _definition(t) for t in visible},
        "parameters": {},
    }


async def handle_openapi(req: ApiRequest) -> Response:
    result = await execute(req.db, req.context(), _VISIBLE, {"schema": req.schema}, True)
    visible = orjson.loads(result.body)
    doc = document(req, set(visible["tables"]), set(visible["functions"]))
    return make_response(
        200, orjson.dumps(doc), req.media.content_type, {}, result, req.method == "HEAD"
    )
