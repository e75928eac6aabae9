"""The official `postgrest` client's select, filter and transform builders against our server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from postgrest import APIError, SyncPostgrestClient

from tests.helpers.client_json import json_rows
from tests.native_platform.rest.support import RestServer


@pytest.fixture
def client(rest: RestServer) -> Iterator[SyncPostgrestClient]:
    with SyncPostgrestClient(rest.url) as postgrest:
        yield postgrest


def ids(rows: object) -> list[int]:
    return sorted(row["id"] for row in json_rows(rows))


def test_select_columns_and_eq(client: SyncPostgrestClient) -> None:
    """select() with columns plus eq() returns just those columns of the matching row."""
    res = client.from_("films").select("id, title").eq("id", 1).execute()
    assert res.data == [{"id": 1, "title": "Rashomon"}]


def test_select_alias_cast_and_json_paths(client: SyncPostgrestClient) -> None:
    """Aliases, ::casts and ->/->> paths shape the output keys like PostgREST."""
    res = (
        client.table("films")
        .select("id,name:title,year::text,meta->>lang,meta->awards->count")
        .eq("id", 2)
        .execute()
    )
    assert res.data == [
        {"id": 2, "name": "Seven Samurai", "year": "1954", "lang": "ja", "count": 5}
    ]


def test_select_count_exact_and_head(client: SyncPostgrestClient) -> None:
    """count='exact' with head=True returns the total from Content-Range and no rows."""
    res = client.from_("films").select("*", count="exact", head=True).execute()  # type: ignore[arg-type]
    assert res.count == 5
    assert res.data == []


def test_comparison_filters(client: SyncPostgrestClient) -> None:
    """neq, gt, gte, lt and lte filter rows as SQL comparisons."""
    films = client.from_("films").select("id")
    assert ids(films.neq("id", 1).lt("id", 4).execute().data) == [2, 3]
    assert ids(client.from_("films").select("id").gt("year", 1954).execute().data) == [3, 4]
    assert ids(
        client.from_("films").select("id").gte("year", 1954).lte("year", 1962).execute().data
    ) == [2, 3]


def test_is_filter(client: SyncPostgrestClient) -> None:
    """is_(col, None) matches NULLs and not_.is_ the others."""
    assert ids(client.from_("films").select("id").is_("year", None).execute().data) == [5]
    assert ids(client.from_("films").select("id").not_.is_("rating", None).execute().data) == [
        1,
        2,
        3,
    ]


def test_like_and_ilike(client: SyncPostgrestClient) -> None:
    """like/ilike translate * to %."""
    assert ids(client.from_("films").select("id").like("title", "*Samurai").execute().data) == [2]
    assert ids(client.from_("films").select("id").ilike("title", "%the%").execute().data) == [4]


def test_like_and_ilike_any_all(client: SyncPostgrestClient) -> None:
    """like_any_of/like_all_of/ilike_* use like(any)/like(all) with an array."""
    q = client.from_("films").select("id")
    assert ids(q.like_any_of("title", "Rash*,Cleo*").execute().data) == [1, 3]
    q = client.from_("films").select("id")
    assert ids(q.like_all_of("title", "*a*,*n*").execute().data) == [1, 2, 4]
    q = client.from_("films").select("id")
    assert ids(q.ilike_any_of("title", "rash*,CLEO*").execute().data) == [1, 3]
    q = client.from_("films").select("id")
    assert ids(q.ilike_all_of("title", "s*,*I").execute().data) == [2]


def test_in_filter(client: SyncPostgrestClient) -> None:
    """in_ builds in.(…) with quoting for values holding commas."""
    res = client.from_("films").select("id").in_("title", ["Rashomon", "a,b", "Untitled"]).execute()
    assert ids(res.data) == [1, 5]


def test_array_containment(client: SyncPostgrestClient) -> None:
    """contains/cs, contained_by/cd and ov/overlaps on text[] columns."""
    assert ids(client.from_("films").select("id").contains("tags", ["drama"]).execute().data) == [
        1,
        2,
        3,
    ]
    assert ids(
        client.from_("films").select("id").cs("tags", ["drama", "action"]).execute().data
    ) == [2]
    assert ids(
        client.from_("films").select("id").contained_by("tags", ["drama", "mystery"]).execute().data
    ) == [1, 3, 5]
    assert ids(client.from_("films").select("id").cd("tags", ["documentary"]).execute().data) == [
        4,
        5,
    ]
    assert ids(
        client.from_("films").select("id").ov("tags", ["action", "documentary"]).execute().data
    ) == [2, 4]
    assert ids(client.from_("films").select("id").overlaps("tags", ["mystery"]).execute().data) == [
        1
    ]


def test_jsonb_containment(client: SyncPostgrestClient) -> None:
    """contains with a dict sends JSON and tests jsonb @>."""
    res = client.from_("films").select("id").contains("meta", {"lang": "ja"}).execute()
    assert ids(res.data) == [1, 2]


def test_range_operators(client: SyncPostgrestClient) -> None:
    """sl, sr, nxl, nxr, adj and their range_* aliases work on int4range columns."""

    def run(method: str, bounds: tuple[int, int]) -> list[int]:
        builder = client.from_("films").select("id")
        return ids(getattr(builder, method)("runtime", bounds).execute().data)

    assert run("sl", (100, 300)) == [1, 3]
    assert run("range_lt", (100, 300)) == [1, 3]
    assert run("sr", (0, 100)) == [2]
    assert run("range_gt", (0, 100)) == [2]
    # nxl is &> (does not extend to the left of), nxr is &< (… to the right of), as PostgREST.
    assert run("nxl", (89, 300)) == [2, 3]
    assert run("range_gte", (89, 300)) == [2, 3]
    assert run("nxr", (0, 100)) == [1, 3]
    assert run("range_lte", (0, 100)) == [1, 3]
    assert run("adj", (88, 90)) == [1, 3]
    assert run("range_adjacent", (88, 90)) == [1, 3]


def test_full_text_search(client: SyncPostgrestClient) -> None:
    """fts/plfts/phfts/wfts and text_search query a text column through to_tsvector."""
    assert ids(client.from_("films").select("id").fts("summary", "samurai").execute().data) == [
        1,
        2,
    ]
    assert ids(
        client.from_("films").select("id").plfts("summary", "medical results").execute().data
    ) == [3]
    assert ids(
        client.from_("films").select("id").phfts("summary", "hire samurai").execute().data
    ) == [2]
    assert ids(
        client.from_("films").select("id").wfts("summary", "samurai -village").execute().data
    ) == [1]
    res = (
        client.from_("films")
        .select("id")
        .text_search("summary", "glean", options={"type": "websearch", "config": "english"})
        .execute()
    )
    assert ids(res.data) == [4]


def test_or_and_not(client: SyncPostgrestClient) -> None:
    """or_ with a nested and(), and not_ negating an operator."""
    res = client.from_("films").select("id").or_("id.eq.5,and(year.gt.1950,year.lt.1960)").execute()
    assert ids(res.data) == [2, 5]
    res = client.from_("films").select("id").not_.in_("id", [1, 2, 3]).execute()
    assert ids(res.data) == [4, 5]


def test_filter_and_match(client: SyncPostgrestClient) -> None:
    """filter() passes a raw operator; match() ANDs equalities."""
    assert ids(
        client.from_("films").select("id").filter("title", "imatch", "^cleo").execute().data
    ) == [3]
    assert ids(
        client.from_("films").select("id").match({"director_id": 1, "year": 1954}).execute().data
    ) == [2]


def test_order_limit_offset_range(client: SyncPostgrestClient) -> None:
    """order (desc, nullsfirst), limit, offset and range page through rows."""
    res = (
        client.from_("films")
        .select("id")
        .order("year", desc=True, nullsfirst=True)
        .limit(3)
        .execute()
    )
    assert [r["id"] for r in json_rows(res.data)] == [5, 4, 3]
    res = client.from_("films").select("id").order("id").offset(1).limit(2).execute()
    assert [r["id"] for r in json_rows(res.data)] == [2, 3]
    res = client.from_("films").select("id", count="exact").order("id").range(1, 2).execute()  # type: ignore[arg-type]
    assert [r["id"] for r in json_rows(res.data)] == [2, 3]
    assert res.count == 5


def test_embedding(client: SyncPostgrestClient) -> None:
    """Many-to-one, one-to-many and many-to-many embeds with embedded order and limit."""
    res = (
        client.from_("directors")
        .select("name, films(title), films_count:films(id)")
        .eq("id", 2)
        .order("id", foreign_table="films")
        .limit(1, foreign_table="films")
        .execute()
    )
    assert res.data == [
        {
            "name": "Agnes Varda",
            "films": [{"title": "Cleo from 5 to 7"}],
            "films_count": [{"id": 3}, {"id": 4}],
        }
    ]
    res = client.from_("films").select("title, directors(name), actors(name)").eq("id", 3).execute()
    assert res.data == [
        {
            "title": "Cleo from 5 to 7",
            "directors": {"name": "Agnes Varda"},
            "actors": [{"name": "Corinne Marchand"}],
        }
    ]


def test_embedded_filters_and_inner(client: SyncPostgrestClient) -> None:
    """Filters on an embed filter the embed; !inner also filters the parent rows."""
    res = (
        client.from_("directors")
        .select("id, films(id)")
        .eq("films.year", 1950)
        .order("id")
        .execute()
    )
    assert res.data == [
        {"id": 1, "films": [{"id": 1}]},
        {"id": 2, "films": []},
        {"id": 3, "films": []},
    ]
    res = client.from_("directors").select("id, films!inner(id)").eq("films.year", 1950).execute()
    assert res.data == [{"id": 1, "films": [{"id": 1}]}]
    res = (
        client.from_("directors")
        .select("id, films(id)")
        .or_("year.eq.1962,year.eq.2000", reference_table="films")
        .eq("id", 2)
        .execute()
    )
    assert res.data == [{"id": 2, "films": [{"id": 3}, {"id": 4}]}]


def test_single_and_maybe_single(client: SyncPostgrestClient) -> None:
    """single() returns an object; more rows fail with PGRST116; maybe_single() may be None."""
    assert client.from_("films").select("id").eq("id", 4).single().execute().data == {"id": 4}
    with pytest.raises(APIError) as raised:
        client.from_("films").select("id").single().execute()
    assert raised.value.code == "PGRST116"
    assert client.from_("films").select("id").eq("id", 99).maybe_single().execute() is None
    found = client.from_("films").select("id").eq("id", 3).maybe_single().execute()
    assert found is not None and found.data == {"id": 3}


def test_csv(client: SyncPostgrestClient) -> None:
    """csv() returns a header line and rows; as in PostgREST, a value with a space is quoted."""
    text = client.from_("films").select("id,title").lte("id", 2).order("id").csv().execute()
    assert text.data == 'id,title\n1,Rashomon\n2,"Seven Samurai"'


def test_strip_nulls(client: SyncPostgrestClient) -> None:
    """strip_nulls() drops null-valued keys."""
    res = client.from_("films").select("id,year,rating").eq("id", 4).strip_nulls().execute()
    assert res.data == [{"id": 4, "year": 2000}]


def test_explain_is_not_available(client: SyncPostgrestClient) -> None:
    """explain() asks for a plan media type that is disabled, so 406 PGRST107."""
    with pytest.raises(APIError) as raised:
        client.from_("films").select("id").explain().execute()
    assert raised.value.code == "PGRST107"


def test_schema_switch(client: SyncPostgrestClient) -> None:
    """schema('extra') sends the profile headers and reads that schema."""
    res = client.schema("extra").from_("gadgets").select("label").execute()
    assert res.data == [{"label": "spyglass"}]


def test_errors_carry_postgrest_codes(client: SyncPostgrestClient) -> None:
    """Unknown tables, columns and ambiguous embeds fail with PostgREST's codes."""
    with pytest.raises(APIError) as raised:
        client.from_("nope").select("*").execute()
    assert raised.value.code == "PGRST205"
    with pytest.raises(APIError) as raised:
        client.from_("films").select("nope").execute()
    assert raised.value.code == "42703"
    with pytest.raises(APIError) as raised:
        client.from_("orders").select("addresses(city)").execute()
    assert raised.value.code == "PGRST201"
    assert raised.value.hint is not None and "orders_billing_fkey" in raised.value.hint
    with pytest.raises(APIError) as raised:
        client.from_("films").select("actors(roles(nope(*)))").execute()
    assert raised.value.code == "PGRST200"


def test_disambiguated_embeds(client: SyncPostgrestClient) -> None:
    """!constraint and !column hints pick one of several foreign keys."""
    res = (
        client.from_("orders")
        .select(
            "id, billing:addresses!orders_billing_fkey(city), "
            "shipping:addresses!shipping_address_id(city)"
        )
        .eq("id", 1)
        .execute()
    )
    assert res.data == [{"id": 1, "billing": {"city": "Lyon"}, "shipping": {"city": "Nice"}}]


def test_spread_embed(client: SyncPostgrestClient) -> None:
    """...rel(cols) lifts a to-one embed's columns into the parent."""
    res = client.from_("films").select("id, ...directors(director:name)").eq("id", 3).execute()
    assert res.data == [{"id": 3, "director": "Agnes Varda"}]


def test_order_by_embedded_column(client: SyncPostgrestClient) -> None:
    """order=rel(col) sorts parents by a to-one embed's column."""
    res = (
        client.from_("films")
        .select("id, directors(name)")
        .not_.is_("director_id", None)
        .order("directors(name)")
        .order("id")
        .execute()
    )
    assert [r["id"] for r in json_rows(res.data)] == [3, 4, 1, 2]


def test_view_embeds_through_base_table(client: SyncPostgrestClient) -> None:
    """A view keeps its base table's foreign keys for embedding."""
    res = client.from_("film_titles").select("title, directors(name)").eq("id", 1).execute()
    assert res.data == [{"title": "Rashomon", "directors": {"name": "Akira Kurosawa"}}]


def test_embed_null_filters(client: SyncPostgrestClient) -> None:
    """`rel=not.is.null` keeps parents with embedded rows; `rel=is.null` is an anti-join."""
    res = client.from_("directors").select("id, films!inner(id)").eq("films.year", 1962).execute()
    assert ids(res.data) == [2]
    res = (
        client.from_("directors")
        .select("id, films(id)")
        .not_.is_("films", "null")
        .order("id")
        .execute()
    )
    assert ids(res.data) == [1, 2]
    res = client.from_("directors").select("id, films()").is_("films", "null").execute()
    assert res.data == [{"id": 3}]


def test_aggregates_are_disabled(client: SyncPostgrestClient) -> None:
    """count() in select is refused with PGRST123, as with db-aggregates-enabled off."""
    with pytest.raises(APIError) as raised:
        client.from_("films").select("count()").execute()
    assert raised.value.code == "PGRST123"
