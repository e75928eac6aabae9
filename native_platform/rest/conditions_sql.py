"""Filters and logic trees as SQL: identifiers quoted, every value a parameter."""

from __future__ import annotations

from collections.abc import Callable

from psycopg import sql

from native_platform.rest.errors import ApiError
from native_platform.rest.query_ast import Condition, Field, Filter, LogicTree
from native_platform.rest.sql_params import Params

__all__ = ["EmbedLookup", "condition_sql", "field_sql"]

_SIMPLE = {
    "eq": "=",
    "neq": "<>",
    "gt": ">",
    "gte": ">=",
    "lt": "<",
    "lte": "<=",
    "like": "like",
    "ilike": "ilike",
    "match": "~",
    "imatch": "~*",
    "cs": "@>",
    "cd": "<@",
    "ov": "&&",
    "sl": "<<",
    "sr": ">>",
    # PostgREST's table: nxr "does not extend to the right of" (&<), nxl "… to the left of" (&>).
    "nxr": "&<",
    "nxl": "&>",
    "adj": "-|-",
}
_FTS = {
    "fts": "to_tsquery",
    "plfts": "plainto_tsquery",
    "phfts": "phraseto_tsquery",
    "wfts": "websearch_to_tsquery",
}
_IS = {
    "null": "is null",
    "not_null": "is not null",
    "true": "is true",
    "false": "is false",
    "unknown": "is unknown",
}

# Given a name in this node, the SQL testing "embedded row(s) present", or None if not an embed.
EmbedLookup = Callable[[str], sql.Composable | None]
# Whether a column of this node is a tsvector (None when unknown).
TsvectorLookup = Callable[[str], bool]


def field_sql(qualifier: sql.Composable, field: Field, params: Params) -> sql.Composable:
    expr: sql.Composable = sql.SQL("{}.{}").format(qualifier, sql.Identifier(field.name))
    for step in field.path:
        arrow = sql.SQL("->>" if step.as_text else "->")
        key = (
            sql.SQL("{}::int").format(params.add(step.key))
            if isinstance(step.key, int)
            else sql.SQL("{}::text").format(params.add(step.key))
        )
        expr = sql.SQL("{}{}{}").format(expr, arrow, key)
    return expr


def condition_sql(
    condition: Condition,
    qualifier: sql.Composable,
    params: Params,
    embeds: EmbedLookup,
    is_tsvector: TsvectorLookup,
) -> sql.Composable:
    body: sql.Composable
    if isinstance(condition, LogicTree):
        joiner = sql.SQL(" and " if condition.conjunction == "and" else " or ")
        parts = [
            condition_sql(child, qualifier, params, embeds, is_tsvector)
            for child in condition.children
        ]
        body = sql.SQL("({})").format(joiner.join(parts))
    else:
        body = _filter_sql(condition, qualifier, params, embeds, is_tsvector)
    return sql.SQL("not {}").format(body) if condition.negated else body


def _filter_sql(
    item: Filter,
    qualifier: sql.Composable,
    params: Params,
    embeds: EmbedLookup,
    is_tsvector: TsvectorLookup,
) -> sql.Composable:
    present = embeds(item.field.name) if not item.field.path else None
    if present is not None:
        return _embed_filter(item, present)
    expr = field_sql(qualifier, item.field, params)
    op = item.operation
    if op.op == "in":
        if not op.values:
            return sql.SQL("false")
        return sql.SQL("({} = any({}))").format(expr, params.add(_array_literal(op.values)))
    if op.op == "is":
        return sql.SQL("({} {})").format(expr, sql.SQL(_IS[op.value]))
    if op.op == "isdistinct":
        return sql.SQL("({} is distinct from {})").format(expr, params.add(op.value))
    if op.op in _FTS:
        return _fts(item, expr, params, is_tsvector)
    operator = sql.SQL(_SIMPLE[op.op])
    if op.quantifier:
        return sql.SQL("({} {} {}({}))").format(
            expr, operator, sql.SQL(op.quantifier), params.add(op.value)
        )
    return sql.SQL("({} {} {})").format(expr, operator, params.add(op.value))


def _embed_filter(item: Filter, present: sql.Composable) -> sql.Composable:
    op = item.operation
    if op.op == "is" and op.value in ("null", "not_null"):
        return sql.SQL("({} is not null)" if op.value == "not_null" else "({} is null)").format(
            present
        )
    raise ApiError(
        400,
        "PGRST120",
        f"Bad operator on the '{item.field.name}' embedded resource",
        "Only is null or not is null filters are allowed on embedded resources",
        None,
    )


def _fts(
    item: Filter, expr: sql.Composable, params: Params, is_tsvector: TsvectorLookup
) -> sql.Composable:
    op = item.operation
    function = sql.SQL(_FTS[op.op])
    if op.config is None:
        query = sql.SQL("{}({})").format(function, params.add(op.value))
        vector = sql.SQL("to_tsvector({})").format(expr)
    else:
        config = params.add(op.config)
        query = sql.SQL("{}({}::regconfig, {})").format(function, config, params.add(op.value))
        vector = sql.SQL("to_tsvector({}::regconfig, {})").format(config, expr)
    if item.field.path or not is_tsvector(item.field.name):
        expr = vector
    return sql.SQL("({} @@ {})").format(expr, query)


def _array_literal(values: tuple[str, ...]) -> str:
    quoted = ('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"' for value in values)
    return "{" + ",".join(quoted) + "}"
