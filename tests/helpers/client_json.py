"""JSON to and from the official clients, with the precise types a test reads.

postgrest-py types a response's rows as its recursive `JSON` union, realtime-py a presence as a
TypedDict with only `presence_ref`, and our own renderers return `JsonValue` unions: a test that
indexes a field needs the value as an object first. These helpers check the shape once (a wrong
shape fails the test with the value in the message) and return `dict[str, Any]`, so tests read
fields without casts or ignores.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["json_object", "json_rows", "rpc_params"]


def json_object(value: object) -> dict[str, Any]:
    """`value` (a decoded JSON body or row) as an object."""
    assert isinstance(value, dict), f"expected a JSON object, got {value!r}"
    return value


def json_rows(value: object) -> list[dict[str, Any]]:
    """`value` (a decoded JSON array, e.g. `APIResponse.data`) as a list of objects."""
    assert isinstance(value, list), f"expected a JSON array, got {value!r}"
    return [json_object(row) for row in value]


def rpc_params(params: Mapping[str, object]) -> dict[str, Any]:
    """Arguments for postgrest-py's `rpc()`, which sends any JSON but annotates `dict[str, str]`."""
    return dict(params)
