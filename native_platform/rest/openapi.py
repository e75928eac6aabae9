"""`GET /`: a Swagger 2.0 description of what the caller's role may use."""

from __future__ import annotations

from typing import Any

import orjson
from psycopg import sql
from starlette.responses import Response

from native_platform.rest.api_request import ApiRequest
from native_platform.rest.executor import execute
from native_platform.rest.responses import make_response
from native_platform.rest.schema_cache import Column, Function, SchemaCache, Table

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
    ), '[]'),
    'enums', coalesce((
        select json_object_agg(c.relname || '.' || a.attname, (
            select json_agg(e.enumlabel order by e.enumsortorder) from pg_catalog.pg_enum as e
            where e.enumtypid = case when t.typtype = 'd' then t.typbasetype else t.oid end
        ))
        from pg_catalog.pg_class as c
        join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
        join pg_catalog.pg_attribute as a on a.attrelid = c.oid
        join pg_catalog.pg_type as t on t.oid = a.atttypid
        where n.nspname = %(schema)s and c.relkind in ('r', 'v', 'm', 'f', 'p')
          and a.attnum > 0 and not a.attisdropped
          and (t.typtype = 'e' or t.typtype = 'd' and exists (
              select from pg_catalog.pg_type as b where b.oid = t.typbasetype and b.typtype = 'e'
          ))
    ), '{}'))::text, null::text, null::text, null::bigint
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


def _foreign_key_note(table: Table, column: str, cache: SchemaCache) -> str | None:
    """PostgREST's note for a column that alone references a relation of the same schema (a
    table before a view when several qualify): "This is a Foreign Key to `t.c`.<fk table='t'
    column='c'/>". Clients such as Supabase Studio read the tag to offer the target's rows."""
    found = [
        fk
        for fk in cache.foreign_keys
        if fk.table == (table.schema, table.name)
        and fk.columns == (column,)
        and fk.target[0] == table.schema
    ]
    found.sort(key=lambda fk: cache.tables[fk.target].kind in ("v", "m"))
    if not found:
        return None
    target, target_column = found[0].target[1], found[0].target_columns[0]
    return (
        f"This is a Foreign Key to `{target}.{target_column}`."
        f"<fk table='{target}' column='{target_column}'/>"
    )


def _property(
    table: Table, column: Column, cache: SchemaCache, enum: list[str] | None
) -> dict[str, Any]:
    type_ = column.type
    prop: dict[str, Any] = {"format": type_, "type": _FORMATS.get(type_, "string")}
    if type_.endswith("[]"):
        prop = {"format": type_, "type": "array", "items": {"type": "string"}}
    if enum:
        prop["enum"] = enum
    # As PostgREST's makeProperty: the comment, a blank line, then "Note:" and one line per key.
    notes = ["Note:"]
    if column.name in table.primary_key:
        notes.append("This is a Primary Key.<pk/>")
    foreign_key = _foreign_key_note(table, column.name, cache)
    if foreign_key:
        notes.append(foreign_key)
    description = column.description
    if len(notes) > 1:
        description = (f"{description}\n\n" if description else "") + "\n".join(notes)
    if description:
        prop["description"] = description
    return prop


def _definition(table: Table, cache: SchemaCache, enums: dict[str, list[str]]) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "type": "object",
        "properties": {
            c.name: _property(table, c, cache, enums.get(f"{table.name}.{c.name}"))
            for c in table.columns
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


def document(
    req: ApiRequest, tables: set[str], functions: set[str], enums: dict[str, list[str]]
) -> dict[str, Any]:
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
    host = req.header("host") or ""
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
        "definitions": {t.name: _definition(t, req.cache, enums) for t in visible},
        "parameters": {},
    }


async def handle_openapi(req: ApiRequest) -> Response:
    result = await execute(req.db, req.context(), _VISIBLE, {"schema": req.schema}, True)
    visible = orjson.loads(result.body)
    doc = document(req, set(visible["tables"]), set(visible["functions"]), visible["enums"])
    return make_response(
        200, orjson.dumps(doc), req.media.content_type, {}, result, req.method == "HEAD"
    )
