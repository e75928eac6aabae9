"""wal2json (format 2) changes turned into the `postgres_changes` data clients expect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from native_platform.realtime.catalog import TableInfo

__all__ = ["Change", "read_change"]

KINDS = {"I": "INSERT", "U": "UPDATE", "D": "DELETE"}
INTEGERS = frozenset({"int2", "int4", "int8", "oid"})
FLOATS = frozenset({"float4", "float8", "numeric"})


@dataclass(frozen=True)
class Change:
    kind: str
    table: TableInfo
    commit_timestamp: str
    record: dict[str, Any] | None
    old_record: dict[str, Any] | None
    # The W3C traceparent of the statement that wrote the row, when it was traced.
    traceparent: str | None = None

    @property
    def committed_at(self) -> float | None:
        """The commit's epoch seconds (the delivery lag's start), None when unreadable."""
        try:
            return datetime.fromisoformat(self.commit_timestamp).timestamp()
        except ValueError:
            return None

    @property
    def key(self) -> dict[str, Any] | None:
        """Primary-key values, or None when the table has no primary key."""
        source = self.record if self.record is not None else self.old_record
        if not self.table.key_columns or source is None:
            return None
        return {name: source.get(name) for name in self.table.key_columns}

    def data(self, visible_old: bool, columns: frozenset[str] | None = None) -> dict[str, Any]:
        """The `data` member of the frame; `visible_old` False trims old_record to the key (a
        DELETE on an RLS table: the row is gone, RLS cannot be applied to it). `columns`: the
        only columns the subscriber may select (column privileges), None for all."""
        body: dict[str, Any] = {
            "schema": self.table.schema,
            "table": self.table.name,
            "commit_timestamp": self.commit_timestamp,
            "type": self.kind,
            "columns": [
                {"name": n, "type": t}
                for n, t in self.table.column_types.items()
                if columns is None or n in columns
            ],
            "errors": None
            if self.table.key_columns
            else ["Error 400: Bad Request, no primary key"],
        }
        if self.table.rls and not self.table.key_columns:
            # RLS cannot be checked without a key to select the row by: like upstream, the
            # change is announced with the error and without its values.
            return body
        if self.record is not None:
            body["record"] = _only(self.record, columns)
        if self.kind != "INSERT":
            old = self.old_record or {}
            body["old_record"] = _only(
                old if visible_old else {k: old.get(k) for k in self.table.key_columns}, columns
            )
        return body


def _only(values: dict[str, Any], columns: frozenset[str] | None) -> dict[str, Any]:
    return values if columns is None else {k: v for k, v in values.items() if k in columns}


def commit_time(text: str) -> str:
    """`2026-11-26 07:01:51.807872+00` → `2026-11-26T07:01:51.807Z`."""
    moment = datetime.fromisoformat(text).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _element(text: str | None, typname: str) -> Any:
    if text is None:
        return None
    if typname in INTEGERS:
        return int(text)
    if typname in FLOATS:
        return float(text)
    if typname == "bool":
        return text == "t"
    if typname in ("json", "jsonb"):
        return orjson.loads(text)
    return text


def _array_items(text: str) -> list[str | None]:
    """Items of a one-dimensional array literal such as `{a,"b c",NULL}`."""
    items: list[str | None] = []
    current, quoted, was_quoted, escaped = "", False, False, False
    for char in text[1:-1]:
        if escaped:
            current, escaped = current + char, False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted, was_quoted = not quoted, True
        elif char == "," and not quoted:
            items.append(None if current == "NULL" and not was_quoted else current)
            current, was_quoted = "", False
        else:
            current += char
    if text[1:-1]:
        items.append(None if current == "NULL" and not was_quoted else current)
    return items


def typed_value(value: Any, typname: str) -> Any:
    """wal2json sends most values as text; give json, arrays and numbers their JSON shape."""
    if not isinstance(value, str):
        return value
    if typname.startswith("_") and value.startswith("{") and "{" not in value[1:]:
        return [_element(item, typname[1:]) for item in _array_items(value)]
    if typname in ("json", "jsonb"):
        return orjson.loads(value)
    return value


def _tuple(columns: list[dict[str, Any]] | None, table: TableInfo) -> dict[str, Any] | None:
    if columns is None:
        return None
    return {
        column["name"]: typed_value(column.get("value"), table.column_types.get(column["name"], ""))
        for column in columns
    }


def read_change(raw: dict[str, Any], table: TableInfo) -> Change | None:
    """The change of one wal2json message, or None for messages we do not deliver."""
    kind = KINDS.get(raw.get("action", ""))
    if kind is None:
        return None
    record = _tuple(raw.get("columns"), table) if kind != "DELETE" else None
    old = _tuple(raw.get("identity"), table)
    if kind == "UPDATE" and old is None and record is not None:
        old = {name: record.get(name) for name in table.key_columns}
    return Change(kind, table, commit_time(raw["timestamp"]), record, old)
