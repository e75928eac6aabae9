"""One read node (a table and its embeds) as SQL: select list, lateral joins, where, order."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from psycopg import sql

from native_platform.rest.conditions_sql import condition_sql, field_sql
from native_platform.rest.errors import ApiError
from native_platform.rest.query_ast import Field, OrderTerm, SelectColumn, Star
from native_platform.rest.read_plan import EmbedNode, ReadNode
from native_platform.rest.relationships import Relationship
from native_platform.rest.sql_params import Params

__all__ = ["NodeSql", "build_node", "subquery"]

_TYPE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[\])?$")


@dataclass
class NodeSql:
    select: list[sql.Composable] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    joins: list[sql.Composable] = field(default_factory=list)
    filter_joins: list[sql.Composable] = field(default_factory=list)
    where: list[sql.Composable] = field(default_factory=list)
    order: list[sql.Composable] = field(default_factory=list)
    limit: sql.Composable | None = None
    offset: sql.Composable | None = None
    join_index: dict[str, int] = field(default_factory=dict)
    # Aggregates: the non-aggregated expressions of the select list become the `group by`.
    group_by: list[sql.Composable] = field(default_factory=list)
    aggregated: bool = False


def subquery(parts: NodeSql, source: sql.Composable, with_paging: bool = True) -> sql.Composable:
    query = sql.SQL("select {} from {}").format(sql.SQL(", ").join(parts.select), source)
    if parts.joins:
        query = sql.SQL("{} {}").format(query, sql.SQL(" ").join(parts.joins))
    query = sql.SQL("{}{}").format(query, where_clause(parts.where))
    if parts.aggregated and parts.group_by:
        query = sql.SQL("{} group by {}").format(query, sql.SQL(", ").join(parts.group_by))
    if parts.order:
        query = sql.SQL("{} order by {}").format(query, sql.SQL(", ").join(parts.order))
    if with_paging and parts.limit is not None:
        query = sql.SQL("{} limit {}").format(query, parts.limit)
    if with_paging and parts.offset is not None:
        query = sql.SQL("{} offset {}").format(query, parts.offset)
    return query


def where_clause(conditions: list[sql.Composable]) -> sql.Composable:
    if not conditions:
        return sql.SQL("")
    return sql.SQL(" where {}").format(sql.SQL(" and ").join(conditions))


def build_node(
    node: ReadNode,
    qualifier: sql.Composable,
    params: Params,
    extra_where: list[sql.Composable] | None = None,
) -> NodeSql:
    parts = NodeSql(where=list(extra_where or []), aggregated=_aggregates(node))
    laterals: dict[str, sql.Composable] = {}
    for item in node.items:
        if isinstance(item, EmbedNode):
            laterals[item.key] = _embed(parts, item, qualifier, params)
        else:
            _column(parts, node, item, qualifier, params)
    used = _conditions(parts, node, qualifier, params, laterals)
    for item in node.items:
        if isinstance(item, EmbedNode) and (item.inner or item.key in used):
            parts.filter_joins.append(parts.joins[parts.join_index[item.key]])
            if item.inner and not item.spread:
                parts.where.append(sql.SQL("{} is not null").format(laterals[item.key]))
    parts.order = [_order(term, node, qualifier, params, parts) for term in node.order]
    if node.limit is not None:
        parts.limit = params.add(node.limit)
    if node.offset is not None:
        parts.offset = params.add(node.offset)
    return parts


def _aggregates(node: ReadNode) -> bool:
    """Whether the node aggregates: an aggregate of its own or one hoisted from a to-one spread."""
    for item in node.items:
        if isinstance(item, SelectColumn) and item.aggregate is not None:
            return True
        if isinstance(item, EmbedNode) and item.spread and item.relationship.to_one:
            if _aggregates(item.node):
                return True
    return False


def _grouped_json(parts: NodeSql, expr: sql.Composable) -> sql.Composable:
    """In an aggregated node a json column is grouped by its text (json has no equality)."""
    if not parts.aggregated:
        return expr
    text = sql.SQL("cast({} as text)").format(expr)
    parts.group_by.append(text)
    return sql.SQL("cast({} as json)").format(text)


def _conditions(
    parts: NodeSql,
    node: ReadNode,
    qualifier: sql.Composable,
    params: Params,
    laterals: dict[str, sql.Composable],
) -> set[str]:
    """Add the node's filters to `parts.where`; return the embeds they test."""
    used: set[str] = set()

    def lookup(name: str) -> sql.Composable | None:
        embed = node.embed(name)
        if embed is None or embed.spread:
            return None
        used.add(name)
        return laterals[name]

    def is_tsvector(name: str) -> bool:
        column = node.table.column(name) if node.table else None
        return column is None or column.type == "tsvector"

    for condition in node.conditions:
        parts.where.append(condition_sql(condition, qualifier, params, lookup, is_tsvector))
    return used


def _column(
    parts: NodeSql,
    node: ReadNode,
    item: SelectColumn | Star,
    qualifier: sql.Composable,
    params: Params,
) -> None:
    if isinstance(item, Star):
        parts.select.append(sql.Composed([qualifier, sql.SQL(".*")]))
        if node.table is None:
            parts.keys.append("*")
        else:
            parts.keys.extend(column.name for column in node.table.columns)
            parts.group_by.extend(
                sql.SQL("{}.{}").format(qualifier, sql.Identifier(column.name))
                for column in node.table.columns
            )
        return
    if item.field.name == "*":
        # `count()`; a hoisted one (see `_hoist`) leaves a constant behind in its spread.
        expr: sql.Composable = sql.SQL("*" if item.aggregate else "1")
    else:
        expr = _cast(field_sql(qualifier, item.field, params), item.cast)
    if item.aggregate is None:
        if item.field.name != "*":
            parts.group_by.append(expr)
    else:
        parts.aggregated = True
        expr = sql.SQL("pg_catalog.{}({})").format(sql.SQL(item.aggregate), expr)
        expr = _cast(expr, item.aggregate_cast)
    key = item.output_key
    parts.select.append(sql.SQL("{} as {}").format(expr, sql.Identifier(key)))
    parts.keys.append(key)


def _cast(expr: sql.Composable, cast: str | None) -> sql.Composable:
    if cast is None:
        return expr
    if not _TYPE_NAME.match(cast):
        raise ApiError(400, "PGRST100", f"Invalid cast type '{cast}'", None, None)
    return sql.SQL("cast({} as {})").format(expr, sql.SQL(cast))


def join_conditions(
    rel: Relationship,
    child: sql.Composable,
    parent: sql.Composable,
    junction: sql.Composable | None = None,
) -> list[sql.Composable]:
    if junction is None:
        return [
            sql.SQL("{}.{} = {}.{}").format(child, sql.Identifier(t), parent, sql.Identifier(s))
            for s, t in rel.pairs
        ]
    return [
        sql.SQL("{}.{} = {}.{}").format(junction, sql.Identifier(j), parent, sql.Identifier(s))
        for j, s in rel.junction_source
    ]


def _embed(
    parts: NodeSql, item: EmbedNode, parent: sql.Composable, params: Params
) -> sql.Composable:
    child = item.node
    assert child.table is not None
    alias = sql.Identifier(child.alias)
    lateral = sql.Identifier(child.alias + "_l")
    rel = item.relationship
    source: sql.Composable = sql.SQL("{}.{} as {}").format(
        sql.Identifier(child.table.schema), sql.Identifier(child.table.name), alias
    )
    if rel.function is not None:
        source = sql.SQL("{}.{}({}.*) as {}").format(
            sql.Identifier(rel.function[0]), sql.Identifier(rel.function[1]), parent, alias
        )
    hoisted = _hoist(child) if item.spread and rel.to_one else []
    junction = None
    if rel.junction is not None:
        junction = sql.Identifier(child.alias + "_j")
        on = sql.SQL(" and ").join(
            sql.SQL("{}.{} = {}.{}").format(junction, sql.Identifier(j), alias, sql.Identifier(t))
            for j, t in rel.junction_target
        )
        source = sql.SQL("{} join {}.{} as {} on {}").format(
            source, sql.Identifier(rel.junction[0]), sql.Identifier(rel.junction[1]), junction, on
        )
    inner = build_node(child, alias, params, join_conditions(rel, alias, parent, junction))
    if not inner.select:
        inner.select.append(sql.SQL("1 as pgrst_dummy"))
    if rel.function is not None and rel.to_one and inner.limit is None:
        inner.limit = sql.SQL("1")
    body = subquery(inner, source, with_paging=not rel.to_one or rel.function is not None)
    parts.join_index[item.key] = len(parts.joins)
    if item.spread:
        return _spread(parts, item, inner.keys, body, lateral, hoisted)
    aggregate = "row_to_json(pgrst_r)" if rel.to_one else "json_agg(pgrst_r)"
    parts.joins.append(
        sql.SQL("left join lateral (select {} as body from ({}) as pgrst_r) as {} on true").format(
            sql.SQL(aggregate), body, lateral
        )
    )
    present: sql.Composable = sql.SQL("{}.body").format(lateral)
    if item.output:
        output: sql.Composable = (
            present if rel.to_one else sql.SQL("coalesce({}, '[]')").format(present)
        )
        output = _grouped_json(parts, output)
        parts.select.append(sql.SQL("{} as {}").format(output, sql.Identifier(item.key)))
        parts.keys.append(item.key)
    return present


_HOISTED = "pgrst_hoisted_"


def _hoist(child: ReadNode) -> list[SelectColumn]:
    """A to-one spread's aggregates run over the parent's rows: the child selects their input
    (as `pgrst_hoisted_<n>`) and the parent aggregates it, grouped by its other columns."""
    hoisted: list[SelectColumn] = []
    for index, item in enumerate(child.items):
        if isinstance(item, SelectColumn) and item.aggregate is not None:
            hoisted.append(item)
            if item.field.name == "*":
                child.items[index] = SelectColumn(Field("*"), f"{_HOISTED}{len(hoisted)}")
            else:
                raw = SelectColumn(item.field, f"{_HOISTED}{len(hoisted)}", item.cast)
                child.items[index] = raw
    return hoisted


def _spread(
    parts: NodeSql,
    item: EmbedNode,
    keys: list[str],
    body: sql.Composable,
    lateral: sql.Composable,
    hoisted: list[SelectColumn],
) -> sql.Composable:
    if item.relationship.to_one:
        parts.joins.append(sql.SQL("left join lateral ({}) as {} on true").format(body, lateral))
        columns: list[sql.Composable] = []
        for key in list(keys):
            column: sql.Composable = sql.SQL("{}.{}").format(lateral, sql.Identifier(key))
            if key.startswith(_HOISTED):
                aggregate = hoisted[int(key[len(_HOISTED) :]) - 1]
                inner = sql.SQL("*") if aggregate.field.name == "*" else column
                column = sql.SQL("pg_catalog.{}({})").format(
                    sql.SQL(aggregate.aggregate or ""), inner
                )
                column = _cast(column, aggregate.aggregate_cast)
                keys[keys.index(key)] = aggregate.output_key
                parts.aggregated = True
            else:
                parts.group_by.append(column)
            columns.append(column)
    else:
        aggregates = sql.SQL(", ").join(
            sql.SQL("coalesce(json_agg(pgrst_r.{}), '[]') as {}").format(
                sql.Identifier(key), sql.Identifier(key)
            )
            for key in keys
        )
        parts.joins.append(
            sql.SQL("left join lateral (select {} from ({}) as pgrst_r) as {} on true").format(
                aggregates, body, lateral
            )
        )
        columns = [
            _grouped_json(parts, sql.SQL("{}.{}").format(lateral, sql.Identifier(key)))
            for key in keys
        ]
    for key, column in zip(keys, columns, strict=True):
        parts.select.append(sql.SQL("{} as {}").format(column, sql.Identifier(key)))
        parts.keys.append(key)
    return lateral


def _order(
    term: OrderTerm, node: ReadNode, qualifier: sql.Composable, params: Params, parts: NodeSql
) -> sql.Composable:
    if term.relation is None:
        expr = field_sql(qualifier, term.field, params)
    else:
        expr = _related_order(term, node, qualifier, params)
        if parts.aggregated and expr not in parts.group_by:
            parts.group_by.append(expr)  # a to-one embed's column: one value per group
    direction = sql.SQL(" desc" if term.descending else " asc")
    nulls = sql.SQL(f" nulls {term.nulls}" if term.nulls else "")
    return sql.SQL("{}{}{}").format(expr, direction, nulls)


def _related_order(
    term: OrderTerm, node: ReadNode, qualifier: sql.Composable, params: Params
) -> sql.Composable:
    embed = node.embed(term.relation or "")
    if embed is None:
        raise ApiError(
            400,
            "PGRST108",
            f"'{term.relation}' is not an embedded resource in this request",
            None,
            None,
        )
    rel = embed.relationship
    if not rel.to_one or embed.node.table is None:
        raise ApiError(
            400,
            "PGRST118",
            f"A related order on '{embed.key}' is not possible",
            f"'{embed.key}' is not a to-one relationship",
            None,
        )
    spread = {item.output_key for item in embed.node.items if isinstance(item, SelectColumn)}
    if embed.spread and not term.field.path and term.field.name in spread:
        # The spread's own column (also what an aggregated parent groups by).
        return sql.SQL("{}.{}").format(
            sql.Identifier(embed.node.alias + "_l"), sql.Identifier(term.field.name)
        )
    alias = sql.Identifier(embed.node.alias + "_o")
    table = embed.node.table
    if rel.function is not None:
        return sql.SQL("(select {} from {}.{}({}.*) as {} limit 1)").format(
            field_sql(alias, term.field, params),
            sql.Identifier(rel.function[0]),
            sql.Identifier(rel.function[1]),
            qualifier,
            alias,
        )
    return sql.SQL("(select {} from {}.{} as {} where {})").format(
        field_sql(alias, term.field, params),
        sql.Identifier(table.schema),
        sql.Identifier(table.name),
        alias,
        sql.SQL(" and ").join(join_conditions(rel, alias, qualifier)),
    )
