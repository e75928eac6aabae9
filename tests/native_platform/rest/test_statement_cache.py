"""Rendered statements reused across requests that differ only in values."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from psycopg import sql

from native_platform.rest.errors import ApiError
from native_platform.rest.query_params import parse_query
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


_KEYS = st.sampled_from(["id", "name", "films.year", "not", "limit", "a.b.c", "x->y", ""])
_VALUES = st.one_of(
    st.text(max_size=30),
    st.builds(
        lambda op, value: op + value,
        st.sampled_from(["eq.", "not.eq.", "gt.", "cs.", "adj.", "isdistinct.", "in.", "is."]),
        st.text(max_size=20),
    ),
)


@given(st.lists(st.tuples(_KEYS, _VALUES), max_size=4))
def test_the_blanked_shape_parses_as_the_request_does(pairs: list[tuple[str, str]]) -> None:
    """What a read takes from its query's shape (`slot_pairs` with the values blanked) before
    the statement, the errors and the paging, is the request's own whatever its slotted values:
    a slotted value is taken whole."""
    keyed, _ = slot_pairs(pairs)
    outcomes: list[object] = []
    for query in (pairs, keyed):
        try:
            parsed = parse_query(query)
        except ApiError as error:
            outcomes.append((error.status, error.code, error.message))
        else:
            outcomes.append((parsed.limit, parsed.offset, len(parsed.conditions)))
    assert outcomes[0] == outcomes[1]
