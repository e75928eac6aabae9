"""Turning wal2json values into the JSON shapes clients receive."""

from __future__ import annotations

import pytest

from native_platform.realtime.records import commit_time, typed_value


@pytest.mark.parametrize(
    ("value", "typname", "expected"),
    [
        ('{a,"b c",NULL}', "_text", ["a", "b c", None]),
        ("{1,2}", "_int4", [1, 2]),
        ("{}", "_text", []),
        ('{"k": [1]}', "jsonb", {"k": [1]}),
        (5, "int4", 5),
        ("plain", "text", "plain"),
    ],
)
def test_typed_value(value: object, typname: str, expected: object) -> None:
    """Arrays become lists, json becomes objects, other values pass through."""
    assert typed_value(value, typname) == expected


def test_commit_time_is_utc_milliseconds() -> None:
    """Commit timestamps are `YYYY-MM-DDTHH:MI:SS.mmmZ` in UTC."""
    assert commit_time("2026-11-26 09:01:51.807872+02") == "2026-11-26T07:01:51.807Z"
