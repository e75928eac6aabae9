"""Classify a request's query string into select, filters, logic trees, order and paging."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

from native_platform.digits import is_ascii_digits
from native_platform.rest.cursor import Cursor
from native_platform.rest.errors import ApiError
from native_platform.rest.filter_parser import parse_filter, parse_tree
from native_platform.rest.query_ast import Condition, Field, OrderTerm, SelectItem, Star
from native_platform.rest.select_parser import parse_order, parse_select

__all__ = ["EmbedPath", "QueryParams", "canonical_query", "parse_query"]

EmbedPath = tuple[str, ...]


@dataclass
class QueryParams:
    select: tuple[SelectItem, ...] = (Star(),)
    columns: tuple[str, ...] | None = None
    on_conflict: tuple[str, ...] | None = None
    conditions: list[tuple[EmbedPath, Condition]] = field(default_factory=list)
    order: dict[EmbedPath, tuple[OrderTerm, ...]] = field(default_factory=dict)
    limit: dict[EmbedPath, int] = field(default_factory=dict)
    offset: dict[EmbedPath, int] = field(default_factory=dict)
    canonical: str = ""

    def root_conditions(self) -> list[Condition]:
        return [cond for path, cond in self.conditions if not path]


def parse_query(pairs: Iterable[tuple[str, str]]) -> QueryParams:
    """Parse every parameter (function arguments are taken out before, by the RPC handler)."""
    params = QueryParams()
    items = [(key, value) for key, value in pairs if key]
    params.canonical = canonical_query(items)
    for key, value in items:
        _classify(params, key, value)
    return params


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    """The query string as PostgREST's Content-Location writes it: sorted, re-encoded."""
    return "&".join(f"{quote(k, safe='')}={quote(v, safe=',.:()*')}" for k, v in sorted(pairs) if k)


def _classify(params: QueryParams, key: str, value: str) -> None:
    if key == "select":
        params.select = parse_select(value)
    elif key == "columns":
        params.columns = _name_list(value, "columns")
    elif key == "on_conflict":
        params.on_conflict = _name_list(value, "on_conflict")
    else:
        path, target = _key(key)
        _keyed(params, path, target, value)


def _keyed(params: QueryParams, path: tuple[str, ...], target: Field, value: str) -> None:
    last = target.name if not target.path else ""
    if last in ("order", "limit", "offset"):
        if last == "order":
            params.order[path] = parse_order(value)
        else:
            getattr(params, last)[path] = _non_negative(value, last)
    elif last in ("or", "and"):
        negated = bool(path) and path[-1] == "not"
        scope = path[:-1] if negated else path
        params.conditions.append((scope, parse_tree(last, negated, value)))  # type: ignore[arg-type]
    else:
        params.conditions.append((path, parse_filter(target, path, value)))


def _key(key: str) -> tuple[tuple[str, ...], Field]:
    cursor = Cursor(key, "filter key")
    names = [cursor.name()]
    while cursor.take("."):
        names.append(cursor.name())
    target = Field(names.pop(), cursor.json_path())
    cursor.expect_eof()
    return tuple(names), target


def _name_list(value: str, what: str) -> tuple[str, ...]:
    cursor = Cursor(value, what)
    names = [cursor.name()]
    while cursor.take(","):
        names.append(cursor.name())
    cursor.expect_eof()
    return tuple(names)


def _non_negative(value: str, what: str) -> int:
    if not is_ascii_digits(value) or len(value) > 18:
        raise ApiError(
            400,
            "PGRST100",
            f'"failed to parse {what} ({value})" (line 1, column 1)',
            "unexpected input expecting a non-negative integer",
        )
    return int(value)
