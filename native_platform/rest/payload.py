"""Request bodies of writes: JSON, CSV or form data, as a list of objects and their columns."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import parse_qsl

import orjson

from native_platform.rest.errors import ApiError
from native_platform.rest.media import body_format
from native_platform.rest.schema_cache import Table

__all__ = ["load_rows", "payload_columns"]


def _invalid_json() -> ApiError:
    return ApiError(400, "PGRST102", "Empty or invalid json", None, None)


def load_rows(body: bytes, content_type: str | None) -> tuple[list[dict[str, Any]], bool]:
    """The body's objects and whether it was a JSON array (vs a single object)."""
    kind = body_format(content_type)
    if kind == "csv":
        reader = csv.DictReader(io.StringIO(body.decode("utf-8", errors="replace")))
        return [{k: (None if v == "NULL" else v) for k, v in row.items()} for row in reader], True
    if kind == "form":
        return [
            dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
        ], False
    if kind != "json":
        raise ApiError(400, "PGRST102", f"Content-Type not acceptable: {content_type}", None, None)
    try:
        data = orjson.loads(body) if body.strip() else None
    except orjson.JSONDecodeError as error:
        raise _invalid_json() from error
    if isinstance(data, dict):
        return [data], False
    if isinstance(data, list) and all(isinstance(item, dict) for item in data):
        return data, True
    raise _invalid_json()


def _unknown_column(table: Table, name: str) -> ApiError:
    return ApiError(
        400,
        "PGRST204",
        f"Could not find the '{name}' column of '{table.name}' in the schema cache",
        None,
        None,
    )


def payload_columns(
    table: Table, rows: list[dict[str, Any]], columns: tuple[str, ...] | None
) -> list[str]:
    """`columns=` if given (checked against the table), else the keys all objects share."""
    if columns is not None:
        chosen = list(dict.fromkeys(columns))
    elif rows:
        chosen = list(rows[0])
        keys = set(chosen)
        if any(set(row) != keys for row in rows[1:]):
            raise ApiError(400, "PGRST102", "All object keys must match", None, None)
    else:
        chosen = []
    for name in chosen:
        if table.column(name) is None:
            raise _unknown_column(table, name)
    return chosen
