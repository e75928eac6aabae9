"""The catalog's shapes shared across the REST server: tables, columns, keys and functions.

They live apart from the schema cache that loads them, so the modules that reason about them
(view keys, relationships, statements) do not import the loader.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Column", "ForeignKey", "Function", "Param", "QualifiedName", "Table"]

QualifiedName = tuple[str, str]


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool
    default: str | None
    description: str | None


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    kind: str
    description: str | None
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    unique_keys: tuple[tuple[str, ...], ...]
    base: QualifiedName | None = None

    def column(self, name: str) -> Column | None:
        return next((col for col in self.columns if col.name == name), None)


@dataclass(frozen=True)
class ForeignKey:
    name: str
    table: QualifiedName
    columns: tuple[str, ...]
    target: QualifiedName
    target_columns: tuple[str, ...]


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    has_default: bool
    variadic: bool = False


@dataclass(frozen=True)
class Function:
    schema: str
    name: str
    params: tuple[Param, ...]
    volatility: str
    returns_set: bool
    return_type: str
    return_relation: QualifiedName | None
    returns_composite: bool
    description: str | None
    # The relation whose row type the first argument takes (computed fields and relationships),
    # and the planner's row estimate (`rows 1` makes a set-returning one a to-one relationship).
    argument_relation: QualifiedName | None = None
    rows: float = 0.0

    @property
    def is_void(self) -> bool:
        return self.return_type == "void" and not self.returns_set

    @property
    def required(self) -> frozenset[str]:
        return frozenset(p.name for p in self.params if not p.has_default)

    @property
    def names(self) -> frozenset[str]:
        return frozenset(p.name for p in self.params)
