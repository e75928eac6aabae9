"""Type aliases shared across the engine."""

from __future__ import annotations

from typing import TypeAlias

__all__ = ["JsonDict", "JsonValue"]

JsonValue: TypeAlias = "None | bool | int | str | list[JsonValue] | dict[str, JsonValue]"
JsonDict: TypeAlias = "dict[str, JsonValue]"
