"""POST (insert/upsert), PATCH, PUT and DELETE on a table or view."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import orjson
from psycopg import sql
from starlette.responses import Response

from native_platform.rest.api_request import ApiRequest
from native_platform.rest.errors import ApiError
from native_platform.rest.executor import Statement, StatementResult, execute
from native_platform.rest.mutations_sql import delete_sql, insert_sql, table_sql, update_sql
from native_platform.rest.node_sql import build_node, where_clause
from native_platform.rest.payload import load_rows, payload_columns
from native_platform.rest.query_ast import Filter
from native_platform.rest.query_params import QueryParams, parse_query
from native_platform.rest.ranges import content_range
from native_platform.rest.read_plan import ReadNode, build_read_plan
from native_platform.rest.responses import (
    format_body,
    make_response,
    max_affected_check,
    plan_response,
)
from native_platform.rest.schema_cache import Table
from native_platform.rest.sql_params import Params
from native_platform.rest.statements import Shape, write_statement
from native_platform.rest.tables import find_table

__all__ = ["handle_write"]


async def handle_write(req: ApiRequest, name: str) -> Response:
    table = find_table(req, name)
    params = parse_query(req.query_pairs)
    sql_params = Params()
    if req.method == "POST":
        return await _cached_insert(req, table, params)
    if req.method == "PUT":
        dml = _put(req, table, params, sql_params)
        tracked = _tracked_columns(table, _trackable(table))
        return await _run(req, table, params, dml, sql_params, tracked)
    if req.method == "PATCH":
        dml = _update(req, table, params, sql_params)
    else:
        dml = delete_sql(table, _where(table, params, sql_params))
    return await _run(req, table, params, dml, sql_params)


def _where(table: Table, params: QueryParams, sql_params: Params) -> sql.Composable:
    node = ReadNode(table, table.name, conditions=params.root_conditions())
    return where_clause(build_node(node, table_sql(table), sql_params).where)


def _conflict(
    req: ApiRequest, table: Table, params: QueryParams
) -> tuple[tuple[str, ...], bool] | None:
    resolution = req.prefs.get("resolution")
    if resolution is None:
        return None
    keys = params.on_conflict or table.primary_key
    if not keys:
        raise ApiError(
            400,
            "PGRST100",
            "An on_conflict column list is needed for upserts "
            f"on '{table.name}', which has no primary key",
            None,
            None,
        )
    return keys, resolution == "merge-duplicates"


def _single_object(req: ApiRequest) -> dict[str, Any]:
    rows, is_array = load_rows(req.body, req.header("content-type"))
    if len(rows) != 1 or (is_array and req.method == "PATCH"):
        raise ApiError(400, "PGRST102", "Empty or invalid json", None, None)
    return rows[0]


def _update(
    req: ApiRequest, table: Table, params: QueryParams, sql_params: Params
) -> sql.Composable:
    row = _single_object(req)
    columns = payload_columns(table, [row], params.columns)
    present = [c for c in columns if c in row]
    absent = [c for c in columns if c not in row] if req.prefs.get("missing") == "default" else []
    if params.columns is None or req.prefs.get("missing") != "default":
        present = columns
    if not present and not absent:
        return _nothing(table)
    return update_sql(
        table,
        present,
        absent,
        orjson.dumps(row).decode(),
        _where(table, params, sql_params),
        sql_params,
    )


def _put(req: ApiRequest, table: Table, params: QueryParams, sql_params: Params) -> sql.Composable:
    if () in params.limit or () in params.offset:
        raise ApiError(
            400,
            "PGRST114",
            "limit/offset querystring parameters are not allowed for PUT",
            None,
            None,
        )
    filters = {
        c.field.name: c
        for c in params.root_conditions()
        if isinstance(c, Filter) and c.operation.op == "eq" and not c.negated
    }
    pk = table.primary_key
    if not pk or set(filters) != set(pk) or len(params.root_conditions()) != len(pk):
        raise ApiError(
            405,
            "PGRST105",
            "Filters must include all and only primary key columns with 'eq' operators",
            None,
            None,
        )
    row = _single_object(req)
    if any(str(_text(row.get(col))) != filters[col].operation.value for col in pk):
        raise ApiError(
            400, "PGRST115", "Payload values do not match URL in primary key column(s)", None, None
        )
    columns = payload_columns(table, [row], params.columns)
    return insert_sql(
        table,
        columns,
        orjson.dumps([row]).decode(),
        sql_params,
        False,
        (pk, True),
        track_inserts=_trackable(table),
    )


def _trackable(table: Table) -> bool:
    """Whether `xmax` can tell inserted from updated rows (plain and partitioned tables)."""
    return table.kind in ("r", "p")


def _tracked_columns(table: Table, track: bool) -> list[str] | None:
    return [column.name for column in table.columns] if track else None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _location(table: Table, result: StatementResult) -> str | None:
    rows = orjson.loads(result.body) if result.body else []
    if not rows or not table.primary_key or not isinstance(rows[0], dict):
        return None
    query = "&".join(
        f"{quote(col, safe='')}=eq.{quote(_text(rows[0].get(col)), safe='')}"
        for col in table.primary_key
    )
    return f"/{table.name}?{query}"


def _representation(
    req: ApiRequest,
    table: Table,
    params: QueryParams,
    dml: sql.Composable,
    sql_params: Params,
    tracked: list[str] | None = None,
) -> sql.Composable:
    """The write wrapped in a CTE and read back through `select=` (shape per `Prefer`)."""
    returning = req.prefs.get("return") or "minimal"
    root = build_read_plan(
        req.cache, table, "pgrst_source", params, req.db.settings.db_aggregates_enabled
    )
    root.conditions = []
    root.limit = root.offset = None
    shape = Shape(
        req.prefs.get("count"),
        req.media.strip_nulls,
        body=returning == "representation"
        or (returning == "headers-only" and req.method == "POST"),
        csv=req.media.kind == "csv",
        geojson=req.media.kind == "geojson",
    )
    return write_statement(dml, root, sql_params, shape, tracked)


async def _run(
    req: ApiRequest,
    table: Table,
    params: QueryParams,
    dml: sql.Composable,
    sql_params: Params,
    tracked: list[str] | None = None,
) -> Response:
    statement = _representation(req, table, params, dml, sql_params, tracked)
    return await _execute(req, table, statement, sql_params.values)


async def _execute(
    req: ApiRequest, table: Table, statement: Statement, values: dict[str, object]
) -> Response:
    returning = req.prefs.get("return") or "minimal"
    representation = returning == "representation"
    limit = req.prefs.max_affected if req.prefs.strict and req.method != "POST" else None
    check = max_affected_check(limit, req.media.kind == "object" and representation)
    result = await execute(req.db, req.context(), statement, values, False, check, req.rollback)
    plan = plan_response(req.media, result)
    if plan is not None:
        return plan
    return _respond(req, table, result, representation, returning)


async def _cached_insert(req: ApiRequest, table: Table, params: QueryParams) -> Response:
    """POST, with the rendered statement reused for payloads of the same columns."""
    rows, _ = load_rows(req.body, req.header("content-type"))
    columns = payload_columns(table, rows, params.columns)
    if not rows:
        return await _run(req, table, params, _nothing(table), Params())
    missing_default = req.prefs.get("missing") == "default"
    conflict = _conflict(req, table, params)

    track = conflict is not None and conflict[1] and _trackable(table)

    def build(values: list[str]) -> tuple[sql.Composable, dict[str, object]]:
        sql_params = Params()
        dml = insert_sql(table, columns, values[0], sql_params, missing_default, conflict, track)
        tracked = _tracked_columns(table, track)
        return _representation(req, table, params, dml, sql_params, tracked), sql_params.values

    prefs = tuple(sorted(req.prefs.values.items()))
    key = (
        "insert",
        req.schema,
        table.name,
        tuple(columns),
        missing_default,
        conflict,
        tuple(req.query_pairs),
        prefs,
        req.media,
    )
    statement, values = req.cache.statements.prepare(key, [orjson.dumps(rows).decode()], build)
    return await _execute(req, table, statement, values)


def _nothing(table: Table) -> sql.Composable:
    return sql.SQL("select {}.* from {} where false").format(table_sql(table), table_sql(table))


def _respond(
    req: ApiRequest, table: Table, result: StatementResult, representation: bool, returning: str
) -> Response:
    headers = {
        "Content-Range": content_range(0, result.page_total, result.total)
        if req.method != "POST"
        else f"*/{'*' if result.total is None else result.total}"
    }
    applied = req.prefs.applied(("return", "count", "resolution", "missing", "tx", "handling"))
    if applied:
        headers["Preference-Applied"] = applied
    if req.method == "POST" and returning == "headers-only" and req.media.plan is None:
        location = _location(table, result)
        if location:
            headers["Location"] = location
    if len(req.db.settings.schemas) > 1:
        headers["Content-Profile"] = req.schema
    status = _status(req.method, result, representation)
    if not representation:
        return make_response(status, b"", None, headers, result)
    body = format_body(req.media, result.body)
    return make_response(status, body, req.media.content_type, headers, result)


def _status(method: str, result: StatementResult, representation: bool) -> int:
    """201 for inserts (200 when an upsert only updated), else 200 or 204 without a body."""
    if (
        method in ("POST", "PUT")
        and result.inserted != 0
        and (method == "POST" or result.inserted is not None)
    ):
        return 201
    if method == "POST":
        return 200
    return 200 if representation else 204
