"""The `select=` and `order=` grammars."""

from __future__ import annotations

from typing import Literal

from native_platform.rest.cursor import MAX_DEPTH, Cursor
from native_platform.rest.query_ast import (
    AGGREGATES,
    Embed,
    Field,
    OrderTerm,
    SelectColumn,
    SelectItem,
    Star,
)

__all__ = ["parse_order", "parse_select"]


def parse_select(text: str) -> tuple[SelectItem, ...]:
    cursor = Cursor(text, "select")
    if not text.strip():
        return (Star(),)
    items = _items(cursor, 0)
    cursor.skip_spaces()
    cursor.expect_eof()
    return items


def _items(cursor: Cursor, depth: int) -> tuple[SelectItem, ...]:
    if depth > MAX_DEPTH:
        raise cursor.error("less nesting")
    items = [_item(cursor, depth)]
    while cursor.take(","):
        items.append(_item(cursor, depth))
    return tuple(items)


def _item(cursor: Cursor, depth: int) -> SelectItem:
    cursor.skip_spaces()
    if cursor.take("*"):
        cursor.skip_spaces()
        return Star()
    if cursor.take("..."):
        return _embed(cursor, cursor.name(), None, depth, spread=True)
    first = cursor.name()
    alias = None
    if cursor.peek() == ":" and cursor.peek(2) != "::":
        cursor.take(":")
        alias, first = first, cursor.name()
    if first == "count" and cursor.take("()"):
        return SelectColumn(Field("*"), alias, None, "count", _cast(cursor))
    if cursor.peek() in ("!", "("):
        return _embed(cursor, first, alias, depth, spread=False)
    path = cursor.json_path()
    cast = _cast(cursor)
    aggregate = None
    aggregate_cast = None
    if cursor.peek() == ".":
        start = cursor.pos
        cursor.take(".")
        word = cursor.word()
        if word not in AGGREGATES or not cursor.take("()"):
            cursor.pos = start
            raise cursor.error("an aggregate: avg(), count(), max(), min() or sum()")
        aggregate = word
        aggregate_cast = _cast(cursor)
    return SelectColumn(Field(first, path), alias, cast, aggregate, aggregate_cast)


def _cast(cursor: Cursor) -> str | None:
    cast = cursor.name() if cursor.take("::") else None
    cursor.skip_spaces()
    return cast


def _embed(cursor: Cursor, name: str, alias: str | None, depth: int, spread: bool) -> Embed:
    hint = None
    inner = False
    while cursor.take("!"):
        word = cursor.name()
        if word in ("inner", "left"):
            inner = word == "inner"
        else:
            hint = word
    cursor.expect("(")
    cursor.skip_spaces()
    items: tuple[SelectItem, ...] = ()
    if cursor.peek() != ")":
        items = _items(cursor, depth + 1)
    cursor.expect(")")
    cursor.skip_spaces()
    return Embed(name, items, alias, hint, inner, spread)


def parse_order(text: str) -> tuple[OrderTerm, ...]:
    cursor = Cursor(text, "order")
    terms = [_order_term(cursor)]
    while cursor.take(","):
        terms.append(_order_term(cursor))
    cursor.expect_eof()
    return tuple(terms)


def _order_term(cursor: Cursor) -> OrderTerm:
    relation = None
    field = cursor.field()
    if not field.path and cursor.take("("):
        relation = field.name
        field = cursor.field()
        cursor.expect(")")
    descending = False
    nulls: Literal["first", "last"] | None = None
    while cursor.take("."):
        word = cursor.word()
        if word in ("asc", "desc"):
            descending = word == "desc"
        elif word in ("nullsfirst", "nullslast"):
            nulls = "first" if word == "nullsfirst" else "last"
        else:
            raise cursor.error("asc, desc, nullsfirst or nullslast")
    return OrderTerm(field, descending, nulls, relation)
