"""PostgREST v14 parity through the official `postgrest` client: computed fields and computed
relationships, aggregates (db-aggregates-enabled), spreads and relationship disambiguation.

The fixture (fixture_parity.sql) follows the examples of PostgREST's documentation."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from postgrest import APIError, SyncPostgrestClient

from native_platform.settings import StackSettings
from tests.native_platform.rest.support import RestServer, start_server, stop_server

FIXTURE = Path(__file__).with_name("fixture_parity.sql")


@pytest.fixture(scope="module")
def parity_dsn(pg_server: Any) -> Iterator[str]:
    name = f"rfl_parity_{uuid.uuid4().hex[:12]}"
    with pg_server.janitor(name):
        dsn = pg_server.dsn(name)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(FIXTURE.read_text(encoding="utf-8"))
        yield dsn


@pytest.fixture(scope="module")
def parity(parity_dsn: str, stack_settings: StackSettings) -> Iterator[RestServer]:
    """Aggregates enabled, as a project turns them on."""
    server = start_server(
        parity_dsn,
        stack_settings,
        {"PGRST_DB_SCHEMAS": "public", "PGRST_DB_AGGREGATES_ENABLED": "true"},
    )
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def plain(parity_dsn: str, stack_settings: StackSettings) -> Iterator[RestServer]:
    """PostgREST's default: aggregates disabled."""
    server = start_server(parity_dsn, stack_settings, {"PGRST_DB_SCHEMAS": "public"})
    yield server
    stop_server(server)


@pytest.fixture
def client(parity: RestServer) -> Iterator[SyncPostgrestClient]:
    with SyncPostgrestClient(parity.url) as postgrest:
        yield postgrest


def api_error(call: Any) -> dict[str, Any]:
    with pytest.raises(APIError) as caught:
        call()
    return {
        k: v for k, v in caught.value.json().items() if k in ("code", "details", "hint", "message")
    }


# --- Computed fields and computed relationships ------------------------------------------------


def test_computed_field_selected_filtered_and_ordered(client: SyncPostgrestClient) -> None:
    """A function of the row type is a column: in select, filters and order."""
    res: Any = client.from_("directors").select("id,full_name").order("id").execute()
    assert res.data == [
        {"id": 1, "full_name": "Akira Kurosawa"},
        {"id": 2, "full_name": "Yasujiro Ozu"},
        {"id": 3, "full_name": "Teinosuke Kurosawa"},
    ]
    res = (
        client.from_("directors")
        .select("name:full_name")
        .like("full_name", "*Kurosawa")
        .order("full_name", desc=True)
        .execute()
    )
    assert res.data == [{"name": "Teinosuke Kurosawa"}, {"name": "Akira Kurosawa"}]


def test_computed_one_to_many_with_filters_order_and_limit(client: SyncPostgrestClient) -> None:
    """`setof films` is one-to-many; the embed takes filters, order and limit of its own."""
    res: Any = client.from_("directors").select("last_name,top_films(title,box_office)").eq("id", 1)
    assert res.execute().data == [
        {
            "last_name": "Kurosawa",
            "top_films": [
                {"title": "Ran", "box_office": 410.0},
                {"title": "Seven Samurai", "box_office": 271.8},
                {"title": "Rashomon", "box_office": 96.5},
            ],
        }
    ]
    res = (
        client.from_("directors")
        .select("last_name,top_films(title)")
        .eq("id", 1)
        .gt("top_films.year", 1951)
        .order("year", foreign_table="top_films")
        .limit(1, foreign_table="top_films")
        .execute()
    )
    assert res.data == [{"last_name": "Kurosawa", "top_films": [{"title": "Seven Samurai"}]}]


def test_computed_to_one_relationships(client: SyncPostgrestClient) -> None:
    """`returns films` and `setof directors rows 1` embed as objects (or null), orderable."""
    res: Any = (
        client.from_("directors").select("last_name,latest_film(title)").order("id").execute()
    )
    assert res.data == [
        {"last_name": "Kurosawa", "latest_film": {"title": "Ran"}},
        {"last_name": "Ozu", "latest_film": {"title": "Tokyo Story"}},
        {"last_name": "Kurosawa", "latest_film": {"title": "Ran"}},
    ]
    res = httpx.get(
        client.session.base_url.join("films"),
        params={
            "select": "title,maker(last_name)",
            "order": "maker(last_name).desc,id",
            "limit": 2,
        },
    )
    assert res.json() == [
        {"title": "Tokyo Story", "maker": {"last_name": "Ozu"}},
        {"title": "Rashomon", "maker": {"last_name": "Kurosawa"}},
    ]
    assert res.headers["content-range"] == "0-1/*"


def test_computed_relationship_inner_and_spread(client: SyncPostgrestClient) -> None:
    """`!inner` filters parents by the computed embed; a to-one one spreads and hoists."""
    res: Any = (
        client.from_("films").select("title,maker!inner(last_name)").eq("maker.last_name", "Ozu")
    )
    assert res.execute().data == [{"title": "Tokyo Story", "maker": {"last_name": "Ozu"}}]
    res = client.from_("films").select("title,...maker(last_name)").eq("id", 3).execute()
    assert res.data == [{"title": "Tokyo Story", "last_name": "Ozu"}]
    res = (
        client.from_("films").select("...maker(last_name,films:count())").order("maker(last_name)")
    )
    assert res.execute().data == [
        {"last_name": "Kurosawa", "films": 4},
        {"last_name": "Ozu", "films": 1},
    ]


def test_computed_relationship_of_a_view_and_overloads(client: SyncPostgrestClient) -> None:
    """A function taking a view's row, and one name overloaded for two row types."""
    res: Any = (
        client.from_("film_summaries").select("title,maker(first_name)").eq("id", 3).execute()
    )
    assert res.data == [{"title": "Tokyo Story", "maker": {"first_name": "Yasujiro"}}]
    assert client.from_("films").select("id,namesakes(id)").eq("id", 4).execute().data == [
        {"id": 4, "namesakes": [{"id": 5}]}
    ]
    assert client.from_("directors").select("id,namesakes(id)").eq("id", 1).execute().data == [
        {"id": 1, "namesakes": [{"id": 3}]}
    ]


def test_computed_relationship_nesting_and_partitioned_target(
    client: SyncPostgrestClient,
) -> None:
    """Embeds nest below a computed relationship; a partitioned table is a target."""
    res: Any = client.from_("directors").select("last_name,top_films(title,maker(last_name))")
    assert res.eq("id", 2).execute().data == [
        {"last_name": "Ozu", "top_films": [{"title": "Tokyo Story", "maker": {"last_name": "Ozu"}}]}
    ]
    res = client.from_("films").select("title,screenings(shown_on,seats)").eq("id", 2)
    assert res.order("shown_on", foreign_table="screenings").execute().data == [
        {
            "title": "Seven Samurai",
            "screenings": [
                {"shown_on": "1954-04-26", "seats": 120},
                {"shown_on": "1955-01-10", "seats": 80},
            ],
        }
    ]


def test_unknown_computed_field_is_postgres_error(client: SyncPostgrestClient) -> None:
    """No column or function of that name: PostgreSQL's 42703, as PostgREST forwards it."""
    error = api_error(lambda: client.from_("directors").select("id,nope").execute())
    assert error == {
        "code": "42703",
        "details": None,
        "hint": None,
        "message": "column directors.nope does not exist",
    }


# --- Aggregates ------------------------------------------------------------------------------


def test_aggregates_disabled_by_default(plain: RestServer) -> None:
    """db-aggregates-enabled off: 400 PGRST123, also for count()."""
    for select in ("amount.sum()", "count()", "name,orders(count())"):
        table = "customers" if "orders(" in select else "orders"
        res = httpx.get(f"{plain.url}/{table}", params={"select": select})
        assert res.status_code == 400
        assert res.json() == {
            "code": "PGRST123",
            "details": None,
            "hint": None,
            "message": "Use of aggregate functions is not allowed",
        }


def test_aggregates_with_aliases(client: SyncPostgrestClient) -> None:
    """One row of aggregates; aliases rename them."""
    assert client.from_("orders").select("amount.sum()").execute().data == [{"sum": 135.75}]
    res: Any = client.from_("orders").select(
        "total_amount:amount.sum(),max_amount:amount.max(),min_q:quantity.min(),total_quantity:quantity.sum()"
    )
    assert res.execute().data == [
        {"total_amount": 135.75, "max_amount": 100.0, "min_q": 1, "total_quantity": 10}
    ]
    avg = client.from_("orders").select("quantity.avg()").execute().data
    assert avg == [{"avg": 2.5}]


def test_aggregates_group_by_the_other_columns(client: SyncPostgrestClient) -> None:
    """Selected plain columns are the GROUP BY; filters apply before aggregating."""
    res: Any = (
        client.from_("orders").select("amount.sum(),order_date").order("order_date").execute()
    )
    assert res.data == [
        {"sum": 30.5, "order_date": "2026-01-01"},
        {"sum": 105.25, "order_date": "2026-01-02"},
    ]
    res = client.from_("orders").select("order_date,count()").gt("amount", 6).order("order_date")
    assert res.execute().data == [
        {"order_date": "2026-01-01", "count": 2},
        {"order_date": "2026-01-02", "count": 1},
    ]


def test_aggregate_casts(client: SyncPostgrestClient) -> None:
    """A cast before the aggregate applies to its input, after it to its result."""
    assert client.from_("orders").select("amount.sum()::int").execute().data == [{"sum": 136}]
    assert client.from_("orders").select("amount::int.max()").execute().data == [{"max": 100}]
    res: Any = client.from_("orders").select("tax:details->tax::numeric.sum()").execute()
    assert res.data == [{"tax": 14.0}]
    assert client.from_("orders").select("amount.sum()::text").execute().data == [{"sum": "135.75"}]


def test_aggregates_inside_embeds(client: SyncPostgrestClient) -> None:
    """In an embedded resource the aggregate runs per parent row."""
    res: Any = client.from_("customers").select("name,orders(amount.sum(),count())").order("id")
    assert res.execute().data == [
        {"name": "Ana", "orders": [{"sum": 30.5, "count": 2}]},
        {"name": "Bo", "orders": [{"sum": 5.25, "count": 1}]},
        {"name": "Cy", "orders": [{"sum": 100.0, "count": 1}]},
    ]


def test_aggregates_grouped_by_an_embed(parity: RestServer) -> None:
    """A to-one embed beside aggregates is part of the GROUP BY, and orders the groups."""
    res = httpx.get(
        parity.url + "/orders",
        params={"select": "amount.sum(),customers(name)", "order": "customers(name).desc"},
    )
    assert res.json() == [
        {"sum": 100.0, "customers": {"name": "Cy"}},
        {"sum": 5.25, "customers": {"name": "Bo"}},
        {"sum": 30.5, "customers": {"name": "Ana"}},
    ]


def test_bad_aggregate_is_a_parse_error(client: SyncPostgrestClient) -> None:
    error = api_error(lambda: client.from_("orders").select("amount.median()").execute())
    assert error["code"] == "PGRST100"
    assert error["message"] == '"failed to parse select (amount.median())" (line 1, column 7)'


# --- Spreads ---------------------------------------------------------------------------------


def test_to_one_spread_groups_aggregates(client: SyncPostgrestClient) -> None:
    """Spread columns join the GROUP BY; aggregates inside a to-one spread are hoisted."""
    res: Any = (
        client.from_("orders")
        .select("amount.sum(),...customers(city)")
        .order("city", foreign_table="customers")
    )
    assert res.execute().data == [{"sum": 130.5, "city": "Lisbon"}, {"sum": 5.25, "city": "Oslo"}]
    res = httpx.get(
        client.session.base_url.join("orders"),
        params={"select": "...customers(city,orders:count())", "order": "customers(city)"},
    )
    assert res.json() == [{"city": "Lisbon", "orders": 3}, {"city": "Oslo", "orders": 1}]


def test_spreads_to_one_and_to_many(client: SyncPostgrestClient) -> None:
    """To-one spreads flatten an object; to-many spreads give one array per column."""
    res: Any = client.from_("orders").select("id,...customers(name,city)").eq("id", 3).execute()
    assert res.data == [{"id": 3, "name": "Bo", "city": "Oslo"}]
    res = client.from_("customers").select("name,...orders(ids:id,amount)").eq("id", 1)
    assert res.order("id", foreign_table="orders").execute().data == [
        {"name": "Ana", "ids": [1, 2], "amount": [10.5, 20.0]}
    ]
    res = client.from_("customers").select("name,...orders(order_date,total:amount.sum())")
    assert res.eq("id", 1).execute().data == [
        {"name": "Ana", "order_date": ["2026-01-01"], "total": [30.5]}
    ]


# --- Relationship corner cases ---------------------------------------------------------------


def test_two_foreign_keys_disambiguated_by_hints(client: SyncPostgrestClient) -> None:
    """Constraint name or column as the hint; !inner combines with a hint."""
    res: Any = client.from_("orders").select(
        "id,billing:addresses!billing(name),shipping:addresses!shipping_address_id(name)"
    )
    assert res.eq("id", 1).execute().data == [
        {"id": 1, "billing": {"name": "Home"}, "shipping": {"name": "Office"}}
    ]
    res = client.from_("orders").select("id,addresses!billing!inner(name)").order("id").execute()
    assert [row["id"] for row in res.data] == [1, 2, 3]
    res = client.from_("addresses").select("id,orders!billing(id)").order("id").execute()
    assert res.data == [
        {"id": 1, "orders": [{"id": 1}, {"id": 2}]},
        {"id": 2, "orders": [{"id": 3}]},
    ]


def test_self_reference_both_directions(client: SyncPostgrestClient) -> None:
    """Many-to-one by the column or the constraint name, one-to-many by a column hint."""
    res: Any = client.from_("employees").select("last_name,supervisor_id(last_name)").order("id")
    assert res.limit(2).execute().data == [
        {"last_name": "Chief", "supervisor_id": None},
        {"last_name": "Lead", "supervisor_id": {"last_name": "Chief"}},
    ]
    res = client.from_("employees").select(
        "last_name,boss:employees!employees_supervisor_id_fkey(last_name)"
    )
    assert res.eq("id", 3).execute().data == [{"last_name": "Dev", "boss": {"last_name": "Lead"}}]
    res = client.from_("employees").select("last_name,reports:employees!supervisor_id(last_name)")
    assert res.eq("id", 2).order("id", foreign_table="reports").execute().data == [
        {"last_name": "Lead", "reports": [{"last_name": "Dev"}, {"last_name": "Ops"}]}
    ]


def test_ambiguous_embed_is_pgrst201(parity: RestServer) -> None:
    res: Any = httpx.get(parity.url + "/orders", params={"select": "id,addresses(name)"})
    assert res.status_code == 300
    assert res.json() == {
        "code": "PGRST201",
        "details": [
            {
                "cardinality": "many-to-one",
                "embedding": "orders with addresses",
                "relationship": "billing using orders(billing_address_id) and addresses(id)",
            },
            {
                "cardinality": "many-to-one",
                "embedding": "orders with addresses",
                "relationship": "shipping using orders(shipping_address_id) and addresses(id)",
            },
        ],
        "hint": "Try changing 'addresses' to one of the following: 'addresses!billing', "
        "'addresses!shipping'. Find the desired relationship in the 'details' key.",
        "message": "Could not embed because more than one relationship was found for 'orders' "
        "and 'addresses'",
    }


def test_missing_relationship_is_pgrst200_with_suggestion(parity: RestServer) -> None:
    res: Any = httpx.get(parity.url + "/orders", params={"select": "id,customer(name)"})
    assert res.status_code == 400
    assert res.json() == {
        "code": "PGRST200",
        "details": "Searched for a foreign key relationship between 'orders' and 'customer' in "
        "the schema 'public', but no matches were found.",
        "hint": "Perhaps you meant 'customers' instead of 'customer'.",
        "message": "Could not find a relationship between 'orders' and 'customer' in the schema "
        "cache",
    }
    res = httpx.get(parity.url + "/orders", params={"select": "id,addresses!bililng(name)"})
    assert res.json() == {
        "code": "PGRST200",
        "details": "Searched for a foreign key relationship between 'orders' and 'addresses' "
        "using the hint 'bililng' in the schema 'public', but no matches were found.",
        "hint": "Perhaps you meant 'addresses!billing' instead of 'addresses!bililng'.",
        "message": "Could not find a relationship between 'orders' and 'addresses' in the "
        "schema cache",
    }
    res = httpx.get(parity.url + "/orders", params={"select": "id,nothing(name)"})
    assert res.json()["hint"] is None
