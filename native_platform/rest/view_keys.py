"""Foreign keys inherited by views from their base table (columns kept under the same name)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from native_platform.rest.types import ForeignKey, QualifiedName, Table

__all__ = ["view_foreign_keys"]


def view_foreign_keys(
    tables: Mapping[QualifiedName, Table],
    keys: Sequence[ForeignKey],
    view_rows: Sequence[dict[str, Any]],
) -> list[ForeignKey]:
    """Copies of the base tables' FKs for single-table views exposing the key columns."""
    sources: dict[QualifiedName, list[QualifiedName]] = {}
    for row in view_rows:
        view = (row["view_schema"], row["view_name"])
        sources.setdefault(view, []).append((row["base_schema"], row["base_name"]))
    bases = {
        view: found[0]
        for view, found in sources.items()
        if len(found) == 1 and view in tables and found[0] in tables
    }
    derived = _substitute(tables, keys, bases)
    return list(dict.fromkeys(derived + _substitute(tables, derived, bases)))


def _substitute(
    tables: Mapping[QualifiedName, Table],
    keys: Sequence[ForeignKey],
    bases: Mapping[QualifiedName, QualifiedName],
) -> list[ForeignKey]:
    out: list[ForeignKey] = []
    for view, base in bases.items():
        names = {col.name for col in tables[view].columns}
        for key in keys:
            if key.table == base and set(key.columns) <= names:
                out.append(replace(key, table=view))
            if key.target == base and set(key.target_columns) <= names:
                out.append(replace(key, target=view))
    return out
