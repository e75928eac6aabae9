"""INSERT / upsert / UPDATE / DELETE statements, each ending in `returning <table>.*`."""

from __future__ import annotations

from psycopg import sql

from native_platform.rest.schema_cache import Table
from native_platform.rest.sql_params import Params

__all__ = ["delete_sql", "insert_sql", "table_sql", "update_sql"]


def table_sql(table: Table) -> sql.Composable:
    return sql.SQL("{}.{}").format(sql.Identifier(table.schema), sql.Identifier(table.name))


def _value(table: Table, column: str, params: Params, missing_default: bool) -> sql.Composable:
    value = sql.SQL("pgrst_r.{}").format(sql.Identifier(column))
    found = table.column(column)
    if not missing_default or found is None or found.default is None:
        return value
    return sql.SQL("case when pgrst_e.e ? {} then {} else {} end").format(
        params.add(column), value, sql.SQL(found.default)
    )


def insert_sql(
    table: Table,
    columns: list[str],
    payload: str,
    params: Params,
    missing_default: bool,
    conflict: tuple[tuple[str, ...], bool] | None,
    track_inserts: bool = False,
) -> sql.Composable:
    """`conflict` = (key columns, merge?) for upserts."""
    target = table_sql(table)
    if not columns:
        return sql.SQL("insert into {} default values returning {}.*").format(target, target)
    names = sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    values = sql.SQL(", ").join(_value(table, c, params, missing_default) for c in columns)
    statement = sql.SQL(
        "insert into {} ({}) select {} from jsonb_array_elements({}::jsonb) as pgrst_e(e) "
        "cross join lateral jsonb_populate_record(null::{}, pgrst_e.e) as pgrst_r"
    ).format(target, names, values, params.add(payload), target)
    if conflict is not None:
        keys, merge = conflict
        key_sql = sql.SQL(", ").join(sql.Identifier(c) for c in keys)
        if merge:
            sets = sql.SQL(", ").join(
                sql.SQL("{} = excluded.{}").format(sql.Identifier(c), sql.Identifier(c))
                for c in columns
            )
            statement = sql.SQL("{} on conflict ({}) do update set {}").format(
                statement, key_sql, sets
            )
        else:
            statement = sql.SQL("{} on conflict ({}) do nothing").format(statement, key_sql)
    if track_inserts:
        return sql.SQL("{} returning {}.*, ({}.xmax = 0) as pgrst_inserted").format(
            statement, target, target
        )
    return sql.SQL("{} returning {}.*").format(statement, target)


def update_sql(
    table: Table,
    columns: list[str],
    absent: list[str],
    payload: str,
    where: sql.Composable,
    params: Params,
) -> sql.Composable:
    """`absent` columns (with `missing=default`) are set to DEFAULT."""
    target = table_sql(table)
    sets = [
        sql.SQL("{} = pgrst_r.{}").format(sql.Identifier(c), sql.Identifier(c)) for c in columns
    ]
    sets += [sql.SQL("{} = default").format(sql.Identifier(c)) for c in absent]
    return sql.SQL(
        "update {} set {} from jsonb_populate_record(null::{}, {}::jsonb) as pgrst_r{} "
        "returning {}.*"
    ).format(target, sql.SQL(", ").join(sets), target, params.add(payload), where, target)


def delete_sql(table: Table, where: sql.Composable) -> sql.Composable:
    target = table_sql(table)
    return sql.SQL("delete from {}{} returning {}.*").format(target, where, target)
