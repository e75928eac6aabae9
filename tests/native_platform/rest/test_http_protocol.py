"""Wire-level behaviour: headers, ranges, counts, media types, profiles, verbs and GUCs."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.native_platform.rest.support import RestServer


@pytest.fixture
def http(rest: RestServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=rest.url) as client:
        yield client


def test_content_range_and_location(http: httpx.Client) -> None:
    """Reads carry Content-Range first-last/* and a sorted Content-Location."""
    res = http.get("/films", params={"select": "id", "order": "id", "limit": "2"})
    assert res.status_code == 200
    assert res.headers["content-range"] == "0-1/*"
    assert res.headers["content-location"] == "/films?limit=2&order=id&select=id"
    assert res.headers["content-type"] == "application/json; charset=utf-8"


def test_count_partial_page_is_206(http: httpx.Client) -> None:
    """With Prefer: count=exact a partial page answers 206 and the total."""
    res = http.get("/films?select=id&limit=2&offset=1", headers={"Prefer": "count=exact"})
    assert res.status_code == 206
    assert res.headers["content-range"] == "1-2/5"
    assert res.headers["preference-applied"] == "count=exact"


def test_planned_and_estimated_counts(http: httpx.Client) -> None:
    """count=planned is the planner's estimate; estimated is exact without db-max-rows."""
    res = http.get("/films?select=id&id=gt.2", headers={"Prefer": "count=planned"})
    assert res.headers["content-range"].split("/")[1].isdigit()
    assert res.headers["preference-applied"] == "count=planned"
    res = http.get("/films?select=id&id=gt.2", headers={"Prefer": "count=estimated"})
    assert res.headers["content-range"] == "0-2/3"


def test_range_header(http: httpx.Client) -> None:
    """A Range header pages the result; an unsatisfiable one is 416 PGRST103."""
    res = http.get("/films?select=id&order=id", headers={"Range": "1-2", "Range-Unit": "items"})
    assert [r["id"] for r in res.json()] == [2, 3]
    res = http.get("/films?select=id", headers={"Range": "5-2"})
    assert res.status_code == 416 and res.json()["code"] == "PGRST103"
    res = http.get("/films?select=id&offset=10", headers={"Prefer": "count=exact"})
    assert res.status_code == 416
    assert res.json()["details"] == "An offset of 10 was requested, but there are only 5 rows."


def test_empty_result_range(http: httpx.Client) -> None:
    """An empty result has Content-Range */* (or */0 with a count)."""
    assert http.get("/films?id=eq.0").headers["content-range"] == "*/*"
    res = http.get("/films?id=eq.0", headers={"Prefer": "count=exact"})
    assert res.headers["content-range"] == "*/0"


def test_singular_object(http: httpx.Client) -> None:
    """vnd.pgrst.object+json returns one object, else 406 PGRST116 with the row count."""
    accept = {"Accept": "application/vnd.pgrst.object+json"}
    res = http.get("/films?select=id&id=eq.1", headers=accept)
    assert res.json() == {"id": 1}
    assert res.headers["content-type"].startswith("application/vnd.pgrst.object+json")
    res = http.get("/films?select=id", headers=accept)
    assert res.status_code == 406
    assert res.json()["details"] == "The result contains 5 rows"


def test_singular_write_rolls_back(http: httpx.Client) -> None:
    """A write returning 2 rows under vnd.pgrst.object+json is rolled back."""
    res = http.post(
        "/items",
        json=[{"name": "twin-a"}, {"name": "twin-a"}],
        headers={"Accept": "application/vnd.pgrst.object+json", "Prefer": "return=representation"},
    )
    assert res.status_code == 406 and res.json()["code"] == "PGRST116"
    assert http.get("/items?name=eq.twin-a").json() == []


def test_unavailable_media_type(http: httpx.Client) -> None:
    """An unsatisfiable Accept is 406 PGRST107."""
    res = http.get("/films", headers={"Accept": "image/png"})
    assert res.status_code == 406 and res.json()["code"] == "PGRST107"


def test_profiles(http: httpx.Client) -> None:
    """Accept-Profile picks the schema for reads; an unexposed one is 406 PGRST106."""
    res = http.get("/gadgets", headers={"Accept-Profile": "extra"})
    assert res.json() == [{"id": 1, "label": "spyglass"}]
    assert res.headers["content-profile"] == "extra"
    res = http.get("/films", headers={"Accept-Profile": "secret"})
    assert res.status_code == 406
    assert res.json() == {
        "code": "PGRST106",
        "details": None,
        "message": "Invalid schema: secret",
        "hint": "Only the following schemas are exposed: public, extra",
    }


def test_verbs_and_paths(http: httpx.Client) -> None:
    """OPTIONS lists verbs; unknown verbs are 405 PGRST117; deep paths 404 PGRST125."""
    res = http.options("/films")
    assert res.status_code == 200 and "PATCH" in res.headers["allow"]
    assert http.request("TRACE", "/films").json()["code"] == "PGRST117"
    assert http.delete("/rpc/add").json()["code"] == "PGRST101"
    res = http.get("/films/1/extra")
    assert res.status_code == 404 and res.json()["code"] == "PGRST125"
    assert res.headers["proxy-status"] == "PostgREST; error=PGRST125"


def test_request_gucs(http: httpx.Client, rest: RestServer) -> None:
    """The role, claims, method, path, headers and cookies reach SQL as transaction settings."""
    token = rest.token(role="authenticated", sub="u-1")
    res = http.get(
        "/rpc/whoami",
        headers={"Authorization": f"Bearer {token}", "X-Probe": "p", "Cookie": "flavour=mint"},
    )
    body = res.json()
    assert body["role"] == "authenticated"
    assert body["claims"]["sub"] == "u-1" and body["claims"]["role"] == "authenticated"
    assert (body["method"], body["path"], body["header"]) == ("GET", "/rpc/whoami", "p")
    assert body["cookies"] == {"flavour": "mint"}


def test_response_gucs(http: httpx.Client) -> None:
    """response.headers and response.status set in SQL shape the response."""
    res = http.post("/rpc/with_headers", json={})
    assert res.status_code == 202
    assert res.headers["x-custom"] == "yes" and res.headers["cache-control"] == "no-store"


def test_raise_pgrst_full_control(http: httpx.Client) -> None:
    """RAISE SQLSTATE 'PGRST' sets status, headers and the whole error body."""
    res = http.post("/rpc/full_control", json={})
    assert res.status_code == 429 and res.headers["retry-after"] == "3"
    assert res.json() == {
        "code": "RATE1",
        "message": "Too many",
        "details": "slow down",
        "hint": "wait",
    }


def test_strict_preferences(http: httpx.Client) -> None:
    """handling=strict rejects unknown preferences with PGRST122."""
    res = http.get("/films", headers={"Prefer": "handling=strict, bogus=1"})
    assert res.status_code == 400 and res.json()["code"] == "PGRST122"
    res = http.get("/films?select=id&id=eq.1", headers={"Prefer": "handling=lenient, bogus=1"})
    assert res.status_code == 200


def test_put_upserts_by_primary_key(http: httpx.Client) -> None:
    """PUT with all PK columns inserts (201) or replaces (200); other filters are 405."""
    res = http.put(
        "/actors?id=eq.50",
        json={"id": 50, "name": "Extra"},
        headers={"Prefer": "return=representation"},
    )
    assert res.status_code == 201 and res.json() == [{"id": 50, "name": "Extra"}]
    res = http.put(
        "/actors?id=eq.50",
        json={"id": 50, "name": "Extra 2"},
        headers={"Prefer": "return=representation"},
    )
    assert res.status_code == 200 and res.json() == [{"id": 50, "name": "Extra 2"}]
    assert http.put("/actors?id=eq.50", json={"id": 50, "name": "Extra"}).status_code == 204
    res = http.put("/actors?name=eq.Extra", json={"id": 50, "name": "Extra"})
    assert res.status_code == 405 and res.json()["code"] == "PGRST105"
    res = http.put("/actors?id=eq.50&limit=1", json={"id": 50, "name": "Extra"})
    assert res.json()["code"] == "PGRST114"


def test_post_headers_only_location(http: httpx.Client) -> None:
    """return=headers-only answers 201 with a Location built from the primary key."""
    res = http.post(
        "/actors", json={"id": 60, "name": "Loc"}, headers={"Prefer": "return=headers-only"}
    )
    assert res.status_code == 201 and res.headers["location"] == "/actors?id=eq.60"


def test_csv_body_insert(http: httpx.Client) -> None:
    """POST with text/csv inserts one row per line."""
    res = http.post(
        "/actors",
        content=b"id,name\n70,Csv One\n71,Csv Two",
        headers={"Content-Type": "text/csv", "Prefer": "return=representation"},
    )
    assert res.status_code == 201 and [r["id"] for r in res.json()] == [70, 71]


def test_tx_rollback(http: httpx.Client) -> None:
    """Prefer: tx=rollback answers as usual but keeps nothing."""
    res = http.post(
        "/items", json={"name": "ghost"}, headers={"Prefer": "return=representation,tx=rollback"}
    )
    assert res.status_code == 201 and res.json()[0]["name"] == "ghost"
    assert http.get("/items?name=eq.ghost").json() == []


def test_oversized_body_is_413(http: httpx.Client) -> None:
    """Bodies over the limit (10 MB) are refused with 413."""
    res = http.post(
        "/items",
        content=b"[" + b" " * (11 * 1024 * 1024) + b"]",
        headers={"Content-Type": "application/json"},
    )
    assert res.status_code == 413


def test_merge_upsert_status(http: httpx.Client) -> None:
    """A merge upsert that inserts answers 201; one that only updates answers 200."""
    prefer = {"Prefer": "return=representation,resolution=merge-duplicates"}
    res = http.post("/actors", json={"id": 80, "name": "New"}, headers=prefer)
    assert res.status_code == 201
    res = http.post("/actors", json={"id": 80, "name": "Renamed"}, headers=prefer)
    assert res.status_code == 200 and res.json() == [{"id": 80, "name": "Renamed"}]


def test_cors_preflight_standalone(http: httpx.Client) -> None:
    """Standalone, a browser preflight gets the origin, methods and headers allowed."""
    res = http.options(
        "/films",
        headers={
            "Origin": "https://game.example",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": "authorization,prefer",
        },
    )
    assert res.status_code == 200
    assert res.headers["access-control-allow-origin"] == "https://game.example"
    assert "PATCH" in res.headers["access-control-allow-methods"]
    res = http.get("/films?select=id&id=eq.1", headers={"Origin": "https://game.example"})
    assert "Content-Range" in res.headers["access-control-expose-headers"]


def test_an_answer_to_no_origin_varies_on_it_standalone(http: httpx.Client) -> None:
    """A request naming no Origin gets no CORS headers but `Vary: Origin`, so that a shared
    cache never hands its answer to a browser on another origin."""
    res = http.get("/films?select=id&id=eq.1")
    assert res.status_code == 200
    assert res.headers.get_list("vary") == ["Origin"]
    assert not any(name.startswith("access-control-") for name in res.headers)
