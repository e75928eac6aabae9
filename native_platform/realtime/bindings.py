"""postgres_changes bindings: what a channel asked for, its filter, and the id echoed back."""

from __future__ import annotations

import re
import weakref
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = ["Binding", "BindingError", "Filter", "Subscription", "parse_binding", "subscribe"]

EVENTS = frozenset({"*", "INSERT", "UPDATE", "DELETE"})
OPERATORS = frozenset({"eq", "neq", "lt", "lte", "gt", "gte", "in"})
FILTER = re.compile(r"^(?P<column>[^=]+)=(?P<op>[a-z]+)\.(?P<value>.*)$", re.DOTALL)


# What each operator but `in` asks of the order of the record's value against the filter's.
_ORDER_TESTS: dict[str, Callable[[int], bool]] = {
    "eq": lambda order: order == 0,
    "neq": lambda order: order != 0,
    "lt": lambda order: order < 0,
    "lte": lambda order: order <= 0,
    "gt": lambda order: order > 0,
    "gte": lambda order: order >= 0,
}


class BindingError(Exception):
    """The binding cannot be subscribed; the message goes into the `system` error reply."""


@dataclass(frozen=True)
class Filter:
    """`column=op.value`; values stay text until compared with a typed record value."""

    column: str
    op: str
    values: tuple[str, ...]

    def matches(self, record: dict[str, Any] | None) -> bool:
        if record is None or self.column not in record:
            return False
        actual = record[self.column]
        if actual is None:
            return False
        if self.op == "in":
            return any(_compare(actual, value) == 0 for value in self.values)
        return _ORDER_TESTS[self.op](_compare(actual, self.values[0]))


def _compare(actual: object, text: str) -> int:
    """Order `actual` against the filter text, read as the type of `actual`."""
    expected: object
    try:
        if isinstance(actual, bool):
            expected = text.lower() in ("true", "t", "1")
        elif isinstance(actual, int | float):
            expected = float(text)
        elif isinstance(actual, str):
            expected = text
        else:
            actual, expected = orjson.dumps(actual).decode(), text
    except ValueError:
        return 1
    return (actual > expected) - (actual < expected)  # type: ignore[operator]


def parse_filter(text: str) -> Filter:
    match = FILTER.match(text)
    if not match or match["op"] not in OPERATORS:
        raise BindingError(f"Error parsing `filter` params: {text}")
    value = match["value"]
    if match["op"] == "in":
        if not (value.startswith("(") and value.endswith(")")):
            raise BindingError(f"Error parsing `filter` params: {text}")
        values = tuple(item.strip().strip('"') for item in value[1:-1].split(","))
    else:
        values = (value,)
    return Filter(match["column"].strip(), match["op"], values)


@dataclass(frozen=True)
class Binding:
    """One entry of the join's `postgres_changes`, with its id and parsed filter."""

    id: int
    event: str
    schema: str
    table: str | None
    filter: Filter | None
    echo: dict[str, Any]

    def wants(self, kind: str, schema: str, table: str) -> bool:
        return (
            self.event in ("*", kind)
            and self.schema == schema
            and (self.table is None or self.table == table)
        )


class Subscription:
    """A channel's bindings, shared by every channel that asked for the same ones (a campaign's
    players subscribing to its rolls): a batch of changes is matched once per subscription, and
    channels are grouped by it through identity, without hashing bindings per channel."""

    __slots__ = ("__weakref__", "bindings")

    def __init__(self, bindings: tuple[Binding, ...]) -> None:
        self.bindings = bindings


# What the bindings ask for (the echo aside) -> the one Subscription of it, while in use.
_SUBSCRIPTIONS: weakref.WeakValueDictionary[tuple[object, ...], Subscription] = (
    weakref.WeakValueDictionary()
)


def subscribe(bindings: Iterable[Binding]) -> Subscription:
    """The shared Subscription of these bindings."""
    chosen = tuple(bindings)
    key = tuple((b.id, b.event, b.schema, b.table, b.filter) for b in chosen)
    found = _SUBSCRIPTIONS.get(key)
    if found is None:
        found = _SUBSCRIPTIONS[key] = Subscription(chosen)
    return found


def binding_id(entry: dict[str, Any]) -> int:
    """Stable non-zero id of an entry (clients ignore callbacks whose id is falsy)."""
    return zlib.crc32(orjson.dumps(entry, option=orjson.OPT_SORT_KEYS)) & 0x7FFFFFF or 1


def parse_binding(entry: object) -> Binding:
    """Validate one entry; the echo is the client's entry verbatim plus `id`."""
    if not isinstance(entry, dict):
        raise BindingError("Error parsing postgres_changes params: entries must be objects")
    event = entry.get("event")
    event = event.upper() if isinstance(event, str) and event.upper() in EVENTS else "*"
    schema, table, text = entry.get("schema"), entry.get("table"), entry.get("filter")
    for name, value in (("schema", schema), ("table", table), ("filter", text)):
        if value is not None and not isinstance(value, str):
            raise BindingError(f"Error parsing postgres_changes params: {name} must be a string")
    if not schema and not table:
        raise BindingError("Error parsing postgres_changes params: schema or table is required")
    the_table = None if table in (None, "", "*") else table
    the_filter = parse_filter(text) if text else None
    ident = binding_id(entry)
    return Binding(ident, event, schema or "public", the_table, the_filter, {**entry, "id": ident})
