"""The parsed shape of a PostgREST query string: select trees, filters, logic trees, order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "AGGREGATES",
    "Condition",
    "Embed",
    "Field",
    "Filter",
    "JsonStep",
    "LogicTree",
    "Operation",
    "OrderTerm",
    "SelectColumn",
    "SelectItem",
    "Star",
]


@dataclass(frozen=True)
class JsonStep:
    """One `->key` / `->>key` / `->N` step of a JSON path."""

    as_text: bool
    key: str | int


@dataclass(frozen=True)
class Field:
    """A column name with an optional JSON path."""

    name: str
    path: tuple[JsonStep, ...] = ()

    @property
    def output_key(self) -> str:
        """The key an unaliased select item gets: the last JSON key, else the column name."""
        for step in reversed(self.path):
            if isinstance(step.key, str):
                return step.key
        return self.name


@dataclass(frozen=True)
class Star:
    """`*`: every column."""


AGGREGATES = ("avg", "count", "max", "min", "sum")


@dataclass(frozen=True)
class SelectColumn:
    """`alias:field::cast`, or an aggregate `alias:field::cast.sum()::cast` / `count()`.

    For `count()` alone the field name is `*`; `cast` applies to the aggregate's input and
    `aggregate_cast` to its result.
    """

    field: Field
    alias: str | None = None
    cast: str | None = None
    aggregate: str | None = None
    aggregate_cast: str | None = None

    @property
    def output_key(self) -> str:
        if self.alias is not None:
            return self.alias
        return self.aggregate or self.field.output_key


@dataclass(frozen=True)
class Embed:
    """`alias:rel!hint!inner(items)` or `...rel(items)`."""

    name: str
    items: tuple[SelectItem, ...]
    alias: str | None = None
    hint: str | None = None
    inner: bool = False
    spread: bool = False


SelectItem = Star | SelectColumn | Embed


@dataclass(frozen=True)
class Operation:
    """`op[(any|all)|(config)].value`; `values` is set for `in` and quantified operators."""

    op: str
    value: str = ""
    values: tuple[str, ...] = ()
    quantifier: Literal["any", "all"] | None = None
    config: str | None = None


@dataclass(frozen=True)
class Filter:
    field: Field
    operation: Operation
    negated: bool = False
    embed_path: tuple[str, ...] = ()


@dataclass(frozen=True)
class LogicTree:
    conjunction: Literal["and", "or"]
    children: tuple[Condition, ...]
    negated: bool = False


Condition = Filter | LogicTree


@dataclass(frozen=True)
class OrderTerm:
    field: Field
    descending: bool = False
    nulls: Literal["first", "last"] | None = None
    relation: str | None = None
