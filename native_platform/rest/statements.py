"""Whole statements: a read, a write with its representation, an RPC call."""

from __future__ import annotations

from dataclasses import dataclass

from psycopg import sql

from native_platform.rest.node_sql import NodeSql, build_node, subquery, where_clause
from native_platform.rest.read_plan import ReadNode
from native_platform.rest.sql_params import Params

__all__ = ["Shape", "read_statement", "scalar_statement", "write_statement"]

_TAIL = sql.SQL(
    "nullif(current_setting('response.headers', true), '') as response_headers, "
    "nullif(current_setting('response.status', true), '') as response_status"
)
SOURCE = sql.Identifier("pgrst_source")
_NULL = sql.SQL("null::bigint")


@dataclass(frozen=True)
class Shape:
    """What the body looks like: `count` = exact|planned|estimated|None."""

    count: str | None = None
    strip_nulls: bool = False
    scalar_rows: bool = False
    body: bool = True
    max_rows: int | None = None
    relation: str | None = None
    # A scalar call's raw output: "text" (the value as text) or "bytea" (base64 of the bytes).
    raw: str | None = None
    # text/csv as PostgREST writes it: the first row's keys, then each row's record text.
    csv: bool = False
    # application/geo+json as PostgREST writes it: a FeatureCollection of ST_AsGeoJSON (PostGIS,
    # resolved through the search path) of each row.
    geojson: bool = False


_CSV = sql.SQL(
    "(select coalesce(pg_catalog.string_agg(pgrst_k, ','), '') from pg_catalog.json_object_keys("
    "pg_catalog.row_to_json((pg_catalog.array_agg(pgrst_t))[1])) as pgrst_k) || E'\\n' || "
    "coalesce(pg_catalog.string_agg(pg_catalog.substring(pgrst_t::text, 2, "
    "pg_catalog.length(pgrst_t::text) - 2), E'\\n'), '')"
)

_GEOJSON = sql.SQL(
    "pg_catalog.json_build_object('type', 'FeatureCollection', 'features', "
    "coalesce(pg_catalog.json_agg(st_asgeojson(pgrst_t)::json), '[]'))::text"
)


def _body(shape: Shape) -> sql.Composable:
    if not shape.body:
        return sql.SQL("''")
    if shape.csv:
        return _CSV
    if shape.geojson:
        return _GEOJSON
    rows = "pgrst_t.pgrst_source" if shape.scalar_rows else "pgrst_t"
    body = f"coalesce(json_agg({rows}), '[]')"
    if shape.strip_nulls:
        body = f"json_strip_nulls({body})"
    return sql.SQL(body + "::text")


def _wrap(
    total: sql.Composable,
    inner: sql.Composable,
    shape: Shape,
    inserted: sql.Composable = _NULL,
) -> sql.Composable:
    return sql.SQL(
        "select {} as total, pg_catalog.count(pgrst_t) as page_total, {} as body, {}, "
        "{} as inserted from ({}) as pgrst_t"
    ).format(total, _body(shape), _TAIL, inserted, inner)


def _filtered(parts: NodeSql, source: sql.Composable) -> sql.Composable:
    joins = sql.SQL(" ").join(parts.filter_joins)
    return sql.SQL("select 1 from {} {}{}").format(source, joins, where_clause(parts.where))


def _total(parts: NodeSql, source: sql.Composable, shape: Shape, params: Params) -> sql.Composable:
    """Exact counts in SQL; `planned` comes from EXPLAIN, `estimated` is exact up to max-rows."""
    if shape.count is None or (shape.count == "planned" and shape.relation is not None):
        return sql.SQL("null::bigint")
    if shape.count == "estimated" and shape.max_rows is not None and shape.relation is not None:
        return sql.SQL("(select pg_catalog.count(*) from ({} limit {}) as pgrst_c)").format(
            _filtered(parts, source), params.add(shape.max_rows + 1)
        )
    return sql.SQL("(select pg_catalog.count(*) from ({}) as pgrst_c)").format(
        _filtered(parts, source)
    )


def read_statement(
    root: ReadNode,
    source: sql.Composable,
    qualifier: sql.Composable,
    params: Params,
    shape: Shape,
    plans: list[sql.Composable] | None = None,
) -> sql.Composable:
    """The read; for planned/estimated counts the EXPLAIN to run is appended to `plans`."""
    parts = build_node(root, qualifier, params)
    statement = _wrap(_total(parts, source, shape, params), subquery(parts, source), shape)
    if plans is not None and shape.count in ("planned", "estimated"):
        plans.append(sql.SQL("explain (format json) {}").format(_filtered(parts, source)))
    return statement


def write_statement(
    dml: sql.Composable,
    root: ReadNode,
    params: Params,
    shape: Shape,
    tracked_columns: list[str] | None = None,
) -> sql.Composable:
    """`with pgrst_source as (<dml returning *>)` and the representation read over it.

    With `tracked_columns` the DML also returns `pgrst_inserted` (upserts), counted apart.
    """
    prefix = sql.SQL("with pgrst_source as ({})").format(dml)
    inserted: sql.Composable = sql.SQL("null::bigint")
    if tracked_columns is not None:
        columns = sql.SQL(", ").join(sql.Identifier(c) for c in tracked_columns)
        prefix = sql.SQL(
            "with pgrst_dml as ({}), pgrst_source as (select {} from pgrst_dml)"
        ).format(dml, columns)
        inserted = sql.SQL(
            "(select pg_catalog.count(*) filter (where pgrst_inserted) from pgrst_dml)"
        )
    parts = build_node(root, SOURCE, params)
    total = sql.SQL("(select pg_catalog.count(*) from pgrst_source)")
    if shape.count is None:
        total = sql.SQL("null::bigint")
    inner = subquery(parts, SOURCE) if shape.body else sql.SQL("select 1 from pgrst_source")
    return sql.SQL("{} {}").format(prefix, _wrap(total, inner, shape, inserted))


def scalar_statement(
    call: sql.Composable, args_from: sql.Composable | None, shape: Shape
) -> sql.Composable:
    source = sql.SQL(" from {}").format(args_from) if args_from is not None else sql.SQL("")
    body = "(json_agg(pgrst_t.pgrst_scalar) -> 0)"
    if shape.raw == "bytea":
        body = "pg_catalog.encode(pgrst_t.pgrst_scalar, 'base64')"
    elif shape.raw == "text":
        body = "pgrst_t.pgrst_scalar"
    elif shape.strip_nulls:
        body = f"json_strip_nulls({body})"
    return sql.SQL(
        "select null::bigint as total, 1::bigint as page_total, {}::text as body, {}, "
        "null::bigint as inserted from (select {} as pgrst_scalar{}) as pgrst_t"
    ).format(sql.SQL(body), _TAIL, call, source)
