"""The query-string grammar: select trees, filters, logic trees, order and paging."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from native_platform.rest.errors import ApiError
from native_platform.rest.query_ast import (
    Embed,
    Field,
    Filter,
    JsonStep,
    LogicTree,
    Operation,
    OrderTerm,
    SelectColumn,
    Star,
)
from native_platform.rest.query_params import parse_query


def test_parse_select_tree() -> None:
    """Aliases, casts, JSON paths, hinted/inner embeds and spreads parse into items."""
    query = parse_query(
        [("select", 'id, n:name, data->a->>b::text, p:parent!fk!inner(*), ...spr(a), "odd,name"')]
    )
    assert query.select == (
        SelectColumn(Field("id")),
        SelectColumn(Field("name"), "n"),
        SelectColumn(Field("data", (JsonStep(False, "a"), JsonStep(True, "b"))), None, "text"),
        Embed("parent", (Star(),), "p", "fk", True),
        Embed("spr", (SelectColumn(Field("a")),), spread=True),
        SelectColumn(Field("odd,name")),
    )


def test_parse_filters_with_embed_paths() -> None:
    """`rel.col=not.in.(...)` keeps its embed path, negation and quoted list items."""
    query = parse_query([("films.year", 'not.in.(1,"2,3")'), ("tags", "like(any).{a*,b}")])
    assert query.conditions == [
        (("films",), Filter(Field("year"), Operation("in", values=("1", "2,3")), True, ("films",))),
        ((), Filter(Field("tags"), Operation("like", "{a%,b}", quantifier="any"))),
    ]


def test_parse_logic_tree() -> None:
    """`not.or=(a.eq.1,and(b.gt.2,c.is.null))` nests trees."""
    query = parse_query([("not.or", '(a.eq.1,and(b.gt.2,c.not.is.null),d.eq."x,y")')])
    assert query.conditions == [
        (
            (),
            LogicTree(
                "or",
                (
                    Filter(Field("a"), Operation("eq", "1")),
                    LogicTree(
                        "and",
                        (
                            Filter(Field("b"), Operation("gt", "2")),
                            Filter(Field("c"), Operation("is", "null"), True),
                        ),
                    ),
                    Filter(Field("d"), Operation("eq", "x,y")),
                ),
                True,
            ),
        )
    ]


def test_parse_order_limit_offset() -> None:
    """order terms with directions, nulls and related columns; limits per embed."""
    query = parse_query(
        [("order", "a.desc.nullslast,rel(b),c->>k.asc"), ("films.limit", "3"), ("offset", "2")]
    )
    assert query.order[()] == (
        OrderTerm(Field("a"), True, "last"),
        OrderTerm(Field("b"), relation="rel"),
        OrderTerm(Field("c", (JsonStep(True, "k"),))),
    )
    assert query.limit == {("films",): 3} and query.offset == {(): 2}


@pytest.mark.parametrize(
    "pair",
    [
        ("id", "eq"),
        ("id", "bogus.1"),
        ("id", "is.maybe"),
        ("or", "(a.eq.1"),
        ("or", "a.eq.1"),
        ("select", "a(b"),
        ("select", "a,,b"),
        ("order", "a.sideways"),
        ("limit", "-1"),
        ("limit", "x"),
        ("id", "ov(any).{1}"),
        ("select", "a::"),
        ("columns", ""),
    ],
)
def test_malformed_parameters_are_pgrst100(pair: tuple[str, str]) -> None:
    """Malformed values fail with 400 PGRST100 naming the position."""
    with pytest.raises(ApiError) as raised:
        parse_query([pair])
    assert (raised.value.status, raised.value.code) == (400, "PGRST100")


@given(st.lists(st.tuples(st.text(max_size=12), st.text(max_size=40)), max_size=4))
def test_any_input_parses_or_fails_cleanly(pairs: list[tuple[str, str]]) -> None:
    """Arbitrary query strings either parse or raise ApiError, nothing else."""
    try:
        parse_query(pairs)
    except ApiError as error:
        assert error.status == 400
