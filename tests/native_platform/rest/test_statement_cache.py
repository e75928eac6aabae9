"""Rendered statements reused across requests that differ only in values."""

from __future__ import annotations

from psycopg import sql

from native_platform.rest.sql_params import Params
from native_platform.rest.statement_cache import StatementCache, slot_pairs, with_values


def test_slot_pairs_blank_simple_filter_values() -> None:
    """Simple operator values become slots; trees, paging and json paths stay in the key."""
    pairs = [
        ("id", "eq.5"),
        ("name", "not.ilike.a*"),
        ("or", "(a.eq.1)"),
        ("limit", "2"),
        ("meta->>k", "eq.x"),
        ("films.year", "gt.1950"),
        ("b", "eq."),
    ]
    keyed, values = slot_pairs(pairs)
    assert keyed == (
        ("id", "eq."),
        ("name", "not.ilike.a*"),
        ("or", "(a.eq.1)"),
        ("limit", "2"),
        ("meta->>k", "eq.x"),
        ("films.year", "gt."),
        ("b", "eq."),
    )
    assert values == ["5", "1950", ""]
    assert with_values(pairs, ["7", "2000", "z"])[0] == ("id", "eq.7")
    assert with_values(pairs, ["7", "2000", "z"])[-1] == ("b", "eq.z")


def test_cache_fills_slots_on_hits() -> None:
    """A hit reuses the rendered bytes and fills every parameter holding a slot."""
    cache = StatementCache()
    builds: list[list[str]] = []

    def build(values: list[str]) -> tuple[sql.Composable, dict[str, object]]:
        builds.append(values)
        params = Params()
        query = sql.SQL("select {} where {} and {}").format(
            params.add(values[0]), params.add(values[0]), params.add("const")
        )
        return query, params.values

    first = cache.prepare("k", ["a"], build)
    second = cache.prepare("k", ["b"], build)
    assert len(builds) == 1
    assert first[0] == second[0] == b"select %(p0)s where %(p1)s and %(p2)s"
    assert second[1] == {"p0": "b", "p1": "b", "p2": "const"}


def test_transformed_values_are_not_cached() -> None:
    """A builder that changes a value (so no parameter equals the slot) is built every time."""
    cache = StatementCache()

    def build(values: list[str]) -> tuple[sql.Composable, dict[str, object]]:
        params = Params()
        return sql.SQL("select {}").format(params.add(values[0].upper())), params.values

    assert cache.prepare("k", ["a"], build)[1] == {"p0": "A"}
    assert not cache.entries
