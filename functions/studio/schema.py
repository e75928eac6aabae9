"""Forms generated from the REST OpenAPI document: columns, types, enums, required, keys."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

__all__ = ["Column", "Table", "tables_of"]

FOREIGN_KEY = re.compile(r"<fk table='([^']+)' column='([^']+)'/>")
# PostgREST appends its key notes to the comment: "<comment>\n\nNote:\n<one line per key>".
NOTES = re.compile(r"(?:\A|\n\n)Note:\n.*\Z", re.DOTALL)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    format: str
    required: bool
    primary_key: bool
    enum: tuple[str, ...]
    references: tuple[str, str] | None
    description: str

    @property
    def input_type(self) -> str:
        if self.type in ("integer", "number"):
            return "number"
        if self.format == "date":
            return "date"
        return "text"

    @property
    def is_json(self) -> bool:
        return self.format in ("json", "jsonb") or self.type in ("object", "array")

    def parse(self, raw: str) -> Any:
        """A form value as the REST API takes it; empty means null."""
        if raw == "":
            return None
        if self.type == "boolean":
            return raw == "true"
        if self.type == "integer":
            return int(raw)
        if self.type == "number":
            return float(raw)
        if self.is_json:
            import json

            return json.loads(raw)
        return raw


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]

    @property
    def key(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.primary_key)

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


def _column(name: str, spec: dict[str, Any], required: set[str]) -> Column:
    description = str(spec.get("description", ""))
    fk = FOREIGN_KEY.search(description)
    items = spec.get("items") or {}
    return Column(
        name=name,
        type=str(spec.get("type", "string")),
        format=str(spec.get("format", "")),
        required=name in required and "default" not in spec,
        primary_key="<pk/>" in description,
        enum=tuple(str(v) for v in spec.get("enum") or items.get("enum") or ()),
        references=(fk.group(1), fk.group(2)) if fk else None,
        description=NOTES.sub("", description),
    )


def tables_of(document: dict[str, Any]) -> dict[str, Table]:
    """The exposed tables and views the caller's OpenAPI document lists (rpc/ paths left out)."""
    definitions = document.get("definitions", {})
    tables = {}
    for path in document.get("paths", {}):
        name = path.strip("/")
        if not name or name.startswith("rpc/") or name not in definitions:
            continue
        spec = definitions[name]
        required = set(spec.get("required", []))
        columns = tuple(
            _column(col, col_spec, required) for col, col_spec in spec.get("properties", {}).items()
        )
        tables[name] = Table(name, str(spec.get("description", "")), columns)
    return dict(sorted(tables.items()))
