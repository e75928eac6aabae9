"""GET/HEAD on a table or view."""

from __future__ import annotations

import functools
from dataclasses import replace

from psycopg import sql
from starlette.responses import Response

from native_platform.rest.api_request import ApiRequest
from native_platform.rest.executor import StatementResult, execute
from native_platform.rest.mutations_sql import table_sql
from native_platform.rest.pages import first_row, paged, read_headers
from native_platform.rest.query_params import QueryParams, canonical_query, parse_query
from native_platform.rest.ranges import range_status
from native_platform.rest.read_plan import build_read_plan
from native_platform.rest.responses import format_body, make_response, plan_response, singular_check
from native_platform.rest.schema_cache import Table
from native_platform.rest.sql_params import Params
from native_platform.rest.statement_cache import slot_pairs, with_values
from native_platform.rest.statements import Shape, read_statement
from native_platform.rest.tables import find_table

__all__ = ["find_table", "handle_read", "paged", "read_headers"]


def quoted_name(table: Table) -> str:
    return _quoted(table.schema, table.name)


@functools.lru_cache(maxsize=1024)
def _quoted(schema: str, name: str) -> str:
    return ".".join('"' + part.replace('"', '""') + '"' for part in (schema, name))


@functools.lru_cache(maxsize=1024)
def _parsed_shape(keyed: tuple[tuple[str, str], ...]) -> QueryParams:
    """The query parsed with its slotted filter values blanked (`slot_pairs`), shared by every
    request of that shape; never to be changed. A slotted value (`eq.`, `gt.`, ...) is taken
    whole and never fails to parse, so the shape's errors and paging are the request's own."""
    return parse_query(keyed)


async def handle_read(req: ApiRequest, name: str) -> Response:
    table = find_table(req, name)
    pairs = req.query_pairs
    keyed, values = slot_pairs(pairs)
    params = _parsed_shape(keyed)
    honour_range = req.method in ("GET", "HEAD")
    offset = first_row(req, params, honour_range)
    shape = Shape(
        req.prefs.get("count"),
        req.media.strip_nulls,
        max_rows=req.db.settings.db_max_rows,
        relation=quoted_name(table),
        csv=req.media.kind == "csv",
        geojson=req.media.kind == "geojson",
    )

    def build(values: list[str]) -> tuple[sql.Composable, dict[str, object]]:
        query = parse_query(with_values(pairs, values))
        paged(req, query, honour_range)
        root = build_read_plan(
            req.cache, table, table.name, query, req.db.settings.db_aggregates_enabled
        )
        sql_params = Params()
        source = table_sql(table)
        return read_statement(root, source, source, sql_params, shape), sql_params.values

    if shape.count in ("planned", "estimated"):
        result = await _estimated_read(req, table, pairs, honour_range, shape)
    else:
        key = (
            "read",
            req.schema,
            name,
            keyed,
            req.header("range") if honour_range else None,
            shape,
        )
        statement, values_by_name = req.cache.statements.prepare(key, values, build)
        check = singular_check if req.media.kind == "object" else None
        result = await execute(req.db, req.context(), statement, values_by_name, True, check)
    plan = plan_response(req.media, result)
    if plan is not None:
        return plan
    status = range_status(offset, result.page_total, result.total)
    headers = read_headers(req, offset, result, canonical_query(pairs))
    return make_response(
        status,
        format_body(req.media, result.body),
        req.media.content_type,
        headers,
        result,
        head=req.method == "HEAD",
    )


async def _estimated_read(
    req: ApiRequest, table: Table, pairs: list[tuple[str, str]], honour_range: bool, shape: Shape
) -> StatementResult:
    """A read whose total is the planner's estimate (planned, or estimated beyond max-rows)."""
    query = parse_query(pairs)
    paged(req, query, honour_range)
    root = build_read_plan(
        req.cache, table, table.name, query, req.db.settings.db_aggregates_enabled
    )
    sql_params = Params()
    source = table_sql(table)
    plans: list[sql.Composable] = []
    statement = read_statement(root, source, source, sql_params, shape, plans)
    check = singular_check if req.media.kind == "object" else None
    result = await execute(
        req.db, req.context(), statement, sql_params.values, True, check, explain=plans[0]
    )
    exact = result.total
    if shape.count == "planned" or (
        exact is not None and shape.max_rows is not None and exact > shape.max_rows
    ):
        return replace(result, total=max(result.estimate or 0, result.page_total))
    return result
