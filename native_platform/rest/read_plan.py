"""Resolve a parsed select tree against the schema cache into a tree of read nodes."""

from __future__ import annotations

from dataclasses import dataclass, field

from native_platform.rest.errors import ApiError
from native_platform.rest.query_ast import Condition, Embed, OrderTerm, SelectColumn, Star
from native_platform.rest.query_params import EmbedPath, QueryParams
from native_platform.rest.relationships import Relationship, find_relationship
from native_platform.rest.schema_cache import SchemaCache, Table

__all__ = ["EmbedNode", "ReadNode", "build_read_plan"]

QualifiedName = tuple[str, str]


@dataclass
class ReadNode:
    table: Table | None
    alias: str
    items: list[SelectColumn | Star | EmbedNode] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    order: tuple[OrderTerm, ...] = ()
    limit: int | None = None
    offset: int | None = None

    def embed(self, key: str) -> EmbedNode | None:
        return next(
            (item for item in self.items if isinstance(item, EmbedNode) and item.key == key), None
        )


@dataclass
class EmbedNode:
    node: ReadNode
    relationship: Relationship
    key: str
    inner: bool
    spread: bool
    output: bool


class _Aliases:
    def __init__(self, aggregates: bool) -> None:
        self.count = 0
        self.aggregates = aggregates

    def next(self, name: str) -> str:
        self.count += 1
        return f"{name}_{self.count}"


def build_read_plan(
    cache: SchemaCache,
    table: Table | None,
    alias: str,
    params: QueryParams,
    aggregates: bool = False,
) -> ReadNode:
    """`aggregates`: db-aggregates-enabled (else an aggregate in `select` is PGRST123)."""
    aliases = _Aliases(aggregates)
    root = ReadNode(table, alias)
    _fill(cache, root, params.select, aliases)
    for path, condition in params.conditions:
        _find(root, path).conditions.append(condition)
    for path, terms in params.order.items():
        _find(root, path).order = terms
    for path, limit in params.limit.items():
        _find(root, path).limit = limit
    for path, offset in params.offset.items():
        _find(root, path).offset = offset
    return root


def _fill(cache: SchemaCache, node: ReadNode, items: tuple[object, ...], aliases: _Aliases) -> None:
    for item in items:
        if isinstance(item, Embed):
            node.items.append(_embed(cache, node, item, aliases))
        elif isinstance(item, SelectColumn | Star):
            if isinstance(item, SelectColumn) and item.aggregate and not aliases.aggregates:
                raise ApiError(
                    400, "PGRST123", "Use of aggregate functions is not allowed", None, None
                )
            node.items.append(item)


def _embed(cache: SchemaCache, node: ReadNode, item: Embed, aliases: _Aliases) -> EmbedNode:
    if node.table is None:
        raise ApiError(
            400,
            "PGRST200",
            f"Could not find a relationship for '{item.name}' in the schema cache",
            None,
            None,
        )
    source = (node.table.schema, node.table.name)
    relationship = find_relationship(cache, source, item.name, item.hint)
    target = cache.tables[relationship.target]
    child = ReadNode(target, aliases.next(target.name))
    _fill(cache, child, item.items, aliases)
    key = item.alias or item.name
    return EmbedNode(child, relationship, key, item.inner, item.spread, bool(item.items))


def _find(root: ReadNode, path: EmbedPath) -> ReadNode:
    node = root
    for key in path:
        found = node.embed(key)
        if found is None:
            raise ApiError(
                400,
                "PGRST108",
                f"'{key}' is not an embedded resource in this request",
                None,
                f"Verify that '{key}' is included in the 'select' query parameter.",
            )
        node = found.node
    return node
