"""Collect statement parameters behind named placeholders, so fragments compose in any order."""

from __future__ import annotations

from psycopg import sql

__all__ = ["Params"]


class Params:
    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def add(self, value: object) -> sql.Placeholder:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return sql.Placeholder(name)
