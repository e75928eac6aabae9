"""Filter values (`[not.]op[(any|all)|(config)].value`) and logic trees (`or=(...)`)."""

from __future__ import annotations

from typing import Literal

from native_platform.rest.cursor import MAX_DEPTH, Cursor
from native_platform.rest.query_ast import Condition, Field, Filter, LogicTree, Operation

__all__ = ["OPERATORS", "parse_filter", "parse_tree"]

OPERATORS = frozenset(
    {
        "eq",
        "neq",
        "gt",
        "gte",
        "lt",
        "lte",
        "like",
        "ilike",
        "match",
        "imatch",
        "in",
        "is",
        "isdistinct",
        "fts",
        "plfts",
        "phfts",
        "wfts",
        "cs",
        "cd",
        "ov",
        "sl",
        "sr",
        "nxl",
        "nxr",
        "adj",
    }
)
QUANTIFIABLE = frozenset({"eq", "gt", "gte", "lt", "lte", "like", "ilike", "match", "imatch"})
FTS = frozenset({"fts", "plfts", "phfts", "wfts"})
IS_VALUES = frozenset({"null", "not_null", "true", "false", "unknown"})
_EXPECTING = "operator (eq, gt, ...)"


def parse_filter(field: Field, embed_path: tuple[str, ...], text: str) -> Filter:
    """The value of a `column=` query parameter."""
    cursor = Cursor(text, "filter")
    negated = cursor.take("not.")
    op, quantifier, config = _operator(cursor)
    cursor.expect(".")
    if op == "in":
        operation = Operation(op, values=_list(cursor))
        cursor.expect_eof()
    else:
        operation = _operation(cursor, op, cursor.text[cursor.pos :], quantifier, config)
    return Filter(field, operation, negated, embed_path)


def parse_tree(conjunction: Literal["and", "or"], negated: bool, text: str) -> LogicTree:
    """The value of an `or=` / `and=` query parameter: `(cond,cond,...)`."""
    cursor = Cursor(text, "logic tree")
    children = _children(cursor, 0)
    cursor.expect_eof()
    return LogicTree(conjunction, children, negated)


def _children(cursor: Cursor, depth: int) -> tuple[Condition, ...]:
    if depth > MAX_DEPTH:
        raise cursor.error("less nesting")
    cursor.expect("(")
    items = [_condition(cursor, depth)]
    while cursor.take(","):
        items.append(_condition(cursor, depth))
    cursor.expect(")")
    return tuple(items)


def _condition(cursor: Cursor, depth: int) -> Condition:
    cursor.skip_spaces()
    negated = cursor.take("not.")
    for conjunction in ("and", "or"):
        if cursor.peek(len(conjunction) + 1) == conjunction + "(":
            cursor.take(conjunction)
            kind: Literal["and", "or"] = "and" if conjunction == "and" else "or"
            return LogicTree(kind, _children(cursor, depth + 1), negated)
    field = cursor.field()
    cursor.expect(".")
    negated = cursor.take("not.") or negated
    op, quantifier, config = _operator(cursor)
    cursor.expect(".")
    if op == "in":
        return Filter(field, Operation(op, values=_list(cursor)), negated)
    return Filter(field, _operation(cursor, op, _tree_value(cursor), quantifier, config), negated)


def _operator(cursor: Cursor) -> tuple[str, Literal["any", "all"] | None, str | None]:
    op = cursor.word()
    if op not in OPERATORS:
        raise cursor.error(_EXPECTING)
    quantifier: Literal["any", "all"] | None = None
    config = None
    if cursor.take("("):
        inner = cursor.name()
        cursor.expect(")")
        if op in FTS:
            config = inner
        elif op in QUANTIFIABLE and inner in ("any", "all"):
            quantifier = "any" if inner == "any" else "all"
        else:
            raise cursor.error('"." after the operator')
    return op, quantifier, config


def _operation(
    cursor: Cursor,
    op: str,
    value: str,
    quantifier: Literal["any", "all"] | None,
    config: str | None,
) -> Operation:
    if op == "is" and value.lower() not in IS_VALUES:
        raise cursor.error("null, not_null, true, false or unknown")
    if op in ("like", "ilike"):
        value = value.replace("*", "%")
    if op == "is":
        value = value.lower()
    return Operation(op, value, (), quantifier, config)


def _list(cursor: Cursor) -> tuple[str, ...]:
    """`(a,"b,c",d)`."""
    cursor.expect("(")
    items: list[str] = []
    if cursor.take(")"):
        return ()
    while True:
        items.append(_element(cursor, ",)"))
        if cursor.take(")"):
            return tuple(items)
        cursor.expect(",")


def _element(cursor: Cursor, stops: str) -> str:
    if cursor.peek() == '"':
        return cursor.quoted()
    start = cursor.pos
    while not cursor.eof() and cursor.peek() not in stops:
        cursor.pos += 1
    return cursor.text[start : cursor.pos].strip()


def _tree_value(cursor: Cursor) -> str:
    """A value inside a logic tree: quoted, a balanced `{..}`/`[..)` literal, or up to `,`/`)`."""
    first = cursor.peek()
    if first == '"':
        return cursor.quoted()
    if first in ("{", "["):
        return _balanced(cursor)
    if first == "(":
        return _balanced(cursor)
    return _element(cursor, ",)")


def _balanced(cursor: Cursor) -> str:
    start = cursor.pos
    depth = 0
    while not cursor.eof():
        char = cursor.peek()
        cursor.pos += 1
        if char in "{[(":
            depth += 1
        elif char in "}])":
            depth -= 1
            if depth == 0:
                return cursor.text[start : cursor.pos]
        elif char == '"':
            cursor.pos -= 1
            cursor.quoted()
    raise cursor.error("closing bracket")
