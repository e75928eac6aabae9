"""`/rpc/fn`: overload resolution by argument names, calls, and set-returning results."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import orjson
from psycopg import sql
from starlette.responses import Response

from native_platform.rest.api_request import ApiRequest
from native_platform.rest.errors import ApiError
from native_platform.rest.executor import execute
from native_platform.rest.pages import paged, read_headers
from native_platform.rest.query_params import parse_query
from native_platform.rest.ranges import content_range, range_status
from native_platform.rest.read_plan import build_read_plan
from native_platform.rest.responses import (
    format_body,
    make_response,
    max_affected_check,
    plan_response,
)
from native_platform.rest.rpc_resolve import resolve
from native_platform.rest.schema_cache import Function
from native_platform.rest.sql_params import Params
from native_platform.rest.statements import SOURCE, Shape, read_statement, scalar_statement

__all__ = ["handle_rpc"]

_RAW_KINDS = ("text", "binary", "xml")


def _call(
    function: Function, names: frozenset[str], value: str | None, raw: bool, params: Params
) -> tuple[sql.Composable, sql.Composable | None]:
    """The call expression and, for named arguments, the `jsonb_to_record` they come from."""
    name = sql.SQL("{}.{}").format(sql.Identifier(function.schema), sql.Identifier(function.name))
    if raw:
        cast = sql.SQL("{}::{}").format(params.add(value), sql.SQL(function.params[0].type))
        return sql.SQL("{}({})").format(name, cast), None
    supplied = [p for p in function.params if p.name in names]
    if not supplied:
        return sql.SQL("{}()").format(name), None
    record = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(p.name), sql.SQL(p.type)) for p in supplied
    )
    args_from = sql.SQL("jsonb_to_record({}::jsonb) as pgrst_args({})").format(
        params.add(value), record
    )
    passed = sql.SQL(", ").join(
        sql.SQL("{}{} := pgrst_args.{}").format(
            sql.SQL("variadic " if p.variadic else ""),
            sql.Identifier(p.name),
            sql.Identifier(p.name),
        )
        for p in supplied
    )
    return sql.SQL("{}({})").format(name, passed), args_from


@dataclass(frozen=True)
class _Invocation:
    """A resolved call: the function, the argument names given, whether the body is raw."""

    function: Function
    names: frozenset[str]
    raw: bool
    slots: list[str]
    read_only: bool

    def call(
        self, values: list[str], params: Params
    ) -> tuple[sql.Composable, sql.Composable | None]:
        return _call(self.function, self.names, values[0] if values else None, self.raw, params)


def _invocation(req: ApiRequest, name: str) -> tuple[_Invocation, list[tuple[str, str]]]:
    resolved = resolve(req, name)
    function, args, raw = resolved.function, resolved.args, resolved.raw
    if raw is not None and function.params[0].type == "bytea":
        value: str | None = "\\x" + raw.hex()
    elif raw is not None:
        value = raw.decode("utf-8", errors="replace")
    else:
        value = orjson.dumps(args).decode() if args else None
    read_only = req.method in ("GET", "HEAD") or function.volatility in ("s", "i")
    slots = [] if value is None else [value]
    invocation = _Invocation(function, frozenset(args or ()), raw is not None, slots, read_only)
    return invocation, resolved.rest


async def handle_rpc(req: ApiRequest, name: str) -> Response:
    invocation, rest = _invocation(req, name)
    function = invocation.function
    shape = Shape(
        req.prefs.get("count"),
        req.media.strip_nulls,
        raw=_raw_output(req, function),
        csv=req.media.kind == "csv",
        geojson=req.media.kind == "geojson",
    )
    key = (req.schema, name, function.params, invocation.names, invocation.raw, shape)
    if function.returns_set or function.returns_composite:
        return await _set_returning(req, invocation, rest, key, shape)
    if req.prefs.strict and req.prefs.max_affected is not None:
        raise ApiError(
            400,
            "PGRST128",
            "Function must return SETOF or TABLE when max-affected "
            "preference is used with handling=strict",
            None,
            None,
        )

    def build(values: list[str]) -> tuple[sql.Composable, dict[str, object]]:
        params = Params()
        call, args_from = invocation.call(values, params)
        return scalar_statement(call, args_from, shape), params.values

    statement, values = req.cache.statements.prepare(("scalar", key), invocation.slots, build)
    result = await execute(
        req.db, req.context(), statement, values, invocation.read_only, None, req.rollback
    )
    plan = plan_response(req.media, result)
    if plan is not None:
        return plan
    headers = _headers(req, content_range(0, 1, 1 if shape.count else None))
    if function.is_void:
        return make_response(204, b"", None, headers, result)
    body = _scalar_body(req.media.kind, shape.raw, result.body)
    return make_response(200, body, req.media.content_type, headers, result, req.method == "HEAD")


def _raw_output(req: ApiRequest, function: Function) -> str | None:
    """How a scalar's raw output (Accept: text/plain, octet-stream, text/xml) is read back."""
    if req.media.kind not in _RAW_KINDS:
        return None
    if function.returns_set or function.returns_composite:
        accept = req.header("accept") or ""
        raise ApiError(
            406, "PGRST107", f"None of these media types are available: {accept}", None, None
        )
    return "bytea" if function.return_type == "bytea" else "text"


def _scalar_body(kind: str, raw: str | None, body: str | None) -> bytes:
    if kind == "csv" or body is None:
        return b""
    if raw == "bytea":
        return base64.b64decode(body)
    return body.encode()


def _headers(req: ApiRequest, range_header: str) -> dict[str, str]:
    """Content-Range and the preferences a call honours (count, tx)."""
    headers = {"Content-Range": range_header}
    applied = req.prefs.applied(("count", "tx"))
    if applied:
        headers["Preference-Applied"] = applied
    return headers


async def _set_returning(
    req: ApiRequest,
    invocation: _Invocation,
    rest: list[tuple[str, str]],
    key: tuple[object, ...],
    shape: Shape,
) -> Response:
    function = invocation.function
    query = parse_query(rest)
    offset = paged(req, query, True)
    if not function.returns_composite:
        shape = Shape(
            shape.count, shape.strip_nulls, scalar_rows=True, csv=shape.csv, geojson=shape.geojson
        )

    def build(values: list[str]) -> tuple[sql.Composable, dict[str, object]]:
        params = Params()
        call, args_from = invocation.call(values, params)
        reread = parse_query(rest)
        paged(req, reread, True)
        relation = function.return_relation
        table = req.cache.tables.get(relation) if relation else None
        root = build_read_plan(
            req.cache, table, "pgrst_source", reread, req.db.settings.db_aggregates_enabled
        )
        source = sql.SQL("{} as pgrst_source").format(call)
        if args_from is not None:
            source = sql.SQL("{} cross join lateral {}").format(args_from, source)
        return read_statement(root, source, SOURCE, params, shape), params.values

    cache_key = ("set", key, shape, tuple(rest), req.header("range"))
    statement, values = req.cache.statements.prepare(cache_key, invocation.slots, build)
    limit = req.prefs.max_affected if req.prefs.strict else None
    check = max_affected_check(limit, req.media.kind == "object")
    result = await execute(
        req.db, req.context(), statement, values, invocation.read_only, check, req.rollback
    )
    plan = plan_response(req.media, result)
    if plan is not None:
        return plan
    status = range_status(offset, result.page_total, result.total)
    headers = read_headers(req, offset, result, query.canonical)
    headers.update(_headers(req, headers["Content-Range"]))
    body = format_body(req.media, result.body)
    if not function.returns_set and req.media.kind != "object" and req.media.plan is None:
        body = body[1:-1].strip() if result.page_total == 1 else b"null"
    head = req.method == "HEAD"
    return make_response(status, body, req.media.content_type, headers, result, head)
