"""The schema cache: tables, views, columns, keys, foreign keys and functions from the catalogs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from native_platform.rest import catalog_sql
from native_platform.rest.statement_cache import StatementCache
from native_platform.rest.types import Column, ForeignKey, Function, Param, QualifiedName, Table
from native_platform.rest.view_keys import view_foreign_keys

__all__ = ["Column", "ForeignKey", "Function", "Param", "SchemaCache", "Table", "load_schema_cache"]


@dataclass
class SchemaCache:
    schemas: tuple[str, ...]
    tables: dict[QualifiedName, Table] = field(default_factory=dict)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    functions: dict[QualifiedName, list[Function]] = field(default_factory=dict)
    statements: StatementCache = field(default_factory=StatementCache)
    # role -> ((setting, value), ...): applied in each transaction switched to that role.
    role_settings: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)


async def load_schema_cache(conn: AsyncConnection[Any], schemas: tuple[str, ...]) -> SchemaCache:
    """Read the catalogs once (a read-only transaction) and build the cache."""
    cache = SchemaCache(schemas)
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(catalog_sql.TABLES, (list(schemas),))
        for row in await cur.fetchall():
            table = _table(row)
            cache.tables[(table.schema, table.name)] = table
        await cur.execute(catalog_sql.FOREIGN_KEYS)
        for row in await cur.fetchall():
            fk = ForeignKey(
                row["name"],
                (row["schema"], row["table"]),
                tuple(row["columns"]),
                (row["target_schema"], row["target_table"]),
                tuple(row["target_columns"]),
            )
            if fk.table in cache.tables and fk.target in cache.tables:
                cache.foreign_keys.append(fk)
        await cur.execute(catalog_sql.VIEW_SOURCES, (list(schemas),))
        view_rows = await cur.fetchall()
        await cur.execute(catalog_sql.FUNCTIONS, (list(schemas),))
        for row in await cur.fetchall():
            function = _function(row)
            cache.functions.setdefault((function.schema, function.name), []).append(function)
        await cur.execute(catalog_sql.ROLE_SETTINGS)
        settings: dict[str, list[tuple[str, str]]] = {}
        for row in await cur.fetchall():
            settings.setdefault(row["role"], []).append((row["name"], row["value"]))
        cache.role_settings = {role: tuple(pairs) for role, pairs in settings.items()}
    cache.foreign_keys.extend(view_foreign_keys(cache.tables, cache.foreign_keys, view_rows))
    return cache


def _table(row: dict[str, Any]) -> Table:
    columns = tuple(
        Column(c["name"], c["type"], c["nullable"], c["default"], c["description"])
        for c in row["columns"]
    )
    return Table(
        row["schema"],
        row["name"],
        row["kind"],
        row["description"],
        columns,
        tuple(row["primary_key"] or ()),
        tuple(tuple(key) for key in row["unique_keys"] or ()),
    )


def _function(row: dict[str, Any]) -> Function:
    names: list[str] = row["arg_names"] or []
    modes: list[str] = row["arg_modes"] or ["i"] * len(row["all_types"])
    types: list[str] = row["all_types"]
    inputs = [
        (n, t, m)
        for n, t, m in zip(names + [""] * len(types), types, modes, strict=False)
        if m in ("i", "b", "v")
    ]
    first_default = len(inputs) - row["default_count"]
    params = tuple(
        Param(name, type_, index >= first_default, mode == "v")
        for index, (name, type_, mode) in enumerate(inputs)
    )
    relation = (row["rel_schema"], row["rel_name"]) if row["rel_name"] else None
    return Function(
        row["schema"],
        row["name"],
        params,
        row["volatility"],
        row["returns_set"],
        row["return_type"],
        relation,
        row["returns_composite"],
        row["description"],
        (row["arg_rel_schema"], row["arg_rel_name"]) if row["arg_rel_name"] else None,
        row["rows"] or 0.0,
    )
