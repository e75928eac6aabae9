"""Find the foreign-key relationship an embed names (PGRST200 none, PGRST201 ambiguous)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from native_platform.rest.errors import ApiError
from native_platform.rest.schema_cache import ForeignKey, SchemaCache

__all__ = ["Relationship", "find_relationship"]

QualifiedName = tuple[str, str]


@dataclass(frozen=True)
class Relationship:
    """`source` embeds `target`; `pairs` are (source column, target column) join conditions.

    For many-to-many, `junction` holds the junction table with its (junction column, source
    column) and (junction column, target column) pairs.
    """

    source: QualifiedName
    target: QualifiedName
    cardinality: str
    constraint: str
    pairs: tuple[tuple[str, str], ...]
    junction: QualifiedName | None = None
    junction_source: tuple[tuple[str, str], ...] = ()
    junction_target: tuple[tuple[str, str], ...] = ()
    hints: frozenset[str] = frozenset()
    # A computed relationship: the function called with the source row.
    function: QualifiedName | None = None

    @property
    def to_one(self) -> bool:
        return self.cardinality in ("many-to-one", "one-to-one")


def find_relationship(
    cache: SchemaCache, source: QualifiedName, name: str, hint: str | None
) -> Relationship:
    computed = _computed(cache, source, name)
    if computed is not None:
        return computed
    found = _candidates(cache, source, name)
    if hint is not None:
        found = [rel for rel in found if hint in rel.hints]
        if len(found) > 1 and all(rel.source == rel.target for rel in found):
            # Self-referencing: a column hint picks the rows pointing here (one-to-many), the
            # constraint's name the row this one points to (many-to-one).
            wanted = "many-to-one" if hint in {rel.constraint for rel in found} else "one-to-many"
            found = [rel for rel in found if rel.cardinality == wanted] or found
    if len(found) == 1:
        return found[0]
    if not found:
        raise ApiError(
            400,
            "PGRST200",
            f"Could not find a relationship between '{source[1]}' and '{name}' in the schema cache",
            f"Searched for a foreign key relationship between '{source[1]}' and '{name}'"
            + (f" using the hint '{hint}'" if hint else "")
            + f" in the schema '{source[0]}', but no matches were found.",
            _suggestion(cache, source, name, hint),
        )
    raise _ambiguous(source, name, found)


def _suggestion(
    cache: SchemaCache, source: QualifiedName, name: str, hint: str | None
) -> str | None:
    """PostgREST's fuzzy hint: the closest related name (or hint) to the one asked for."""
    related: set[str] = set()
    hints: set[str] = set()
    for fk in cache.foreign_keys:
        if source in (fk.table, fk.target):
            other = fk.target if fk.table == source else fk.table
            related.add(other[1])
            if other[1] == name:
                hints.update((fk.name, *fk.columns))
    if hint is not None and name in related:
        close = difflib.get_close_matches(hint, sorted(hints), 1)
        return (
            f"Perhaps you meant '{name}!{close[0]}' instead of '{name}!{hint}'." if close else None
        )
    close = difflib.get_close_matches(name, sorted(related), 1)
    return f"Perhaps you meant '{close[0]}' instead of '{name}'." if close else None


def _computed(cache: SchemaCache, source: QualifiedName, name: str) -> Relationship | None:
    """A function of the source's row type returning rows of an exposed table or view."""
    for function in cache.functions.get((source[0], name), []):
        target = function.return_relation
        if (
            function.argument_relation == source
            and len(function.params) == 1
            and target is not None
            and target in cache.tables
        ):
            to_one = not function.returns_set or function.rows == 1
            kind = "many-to-one" if to_one else "one-to-many"
            return Relationship(
                source, target, kind, name, (), function=(function.schema, function.name)
            )
    return None


def _ambiguous(source: QualifiedName, name: str, found: list[Relationship]) -> ApiError:
    details = [
        {
            "cardinality": rel.cardinality,
            "embedding": f"{source[1]} with {rel.target[1]}",
            "relationship": f"{rel.constraint} using {_describe(rel)}",
        }
        for rel in found
    ]
    options = ", ".join(f"'{name}!{rel.constraint}'" for rel in found)
    return ApiError(
        300,
        "PGRST201",
        f"Could not embed because more than one relationship was found for '{source[1]}' and "
        f"'{name}'",
        details,
        f"Try changing '{name}' to one of the following: {options}. Find the desired "
        "relationship in the 'details' key.",
    )


def _describe(rel: Relationship) -> str:
    left = ", ".join(s for s, _ in rel.pairs or rel.junction_source)
    right = ", ".join(t for _, t in rel.pairs or rel.junction_target)
    return f"{rel.source[1]}({left}) and {rel.target[1]}({right})"


def _unique(cache: SchemaCache, table: QualifiedName, columns: tuple[str, ...]) -> bool:
    found = cache.tables.get(table)
    return found is not None and any(set(key) == set(columns) for key in found.unique_keys)


def _candidates(cache: SchemaCache, source: QualifiedName, name: str) -> list[Relationship]:
    out: list[Relationship] = []
    for fk in cache.foreign_keys:
        if fk.table == source and name in (fk.target[1], fk.name, *fk.columns[:1]):
            kind = "one-to-one" if _unique(cache, source, fk.columns) else "many-to-one"
            out.append(
                Relationship(
                    source,
                    fk.target,
                    kind,
                    fk.name,
                    tuple(zip(fk.columns, fk.target_columns, strict=True)),
                    hints=frozenset({fk.name, *fk.columns}),
                )
            )
        if fk.target == source and name in (fk.table[1], fk.name):
            kind = "one-to-one" if _unique(cache, fk.table, fk.columns) else "one-to-many"
            out.append(
                Relationship(
                    source,
                    fk.table,
                    kind,
                    fk.name,
                    tuple(zip(fk.target_columns, fk.columns, strict=True)),
                    hints=frozenset({fk.name, *fk.columns}),
                )
            )
    return out + _many_to_many(cache, source, name)


def _many_to_many(cache: SchemaCache, source: QualifiedName, name: str) -> list[Relationship]:
    out: list[Relationship] = []
    for left in cache.foreign_keys:
        if left.target != source:
            continue
        for right in cache.foreign_keys:
            if right.table != left.table or right is left or right.target[1] != name:
                continue
            if _is_junction(cache, left, right):
                out.append(
                    Relationship(
                        source,
                        right.target,
                        "many-to-many",
                        left.table[1],
                        (),
                        left.table,
                        tuple(zip(left.columns, left.target_columns, strict=True)),
                        tuple(zip(right.columns, right.target_columns, strict=True)),
                        frozenset({left.table[1], left.name, right.name}),
                    )
                )
    return out


def _is_junction(cache: SchemaCache, left: ForeignKey, right: ForeignKey) -> bool:
    table = cache.tables.get(left.table)
    if table is None:
        return False
    key = set(table.primary_key)
    return bool(key) and set(left.columns) <= key and set(right.columns) <= key
