"""Hostile requests: always a PostgREST-shaped 4xx (or a harmless 2xx), never a 5xx or a change."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.native_platform.rest.support import RestServer

INJECTIONS = [
    "'; drop table films; --",
    '") or 1=1 --',
    "1; select pg_sleep(5)",
    "\\",
    '"',
    "'",
    "%",
    "*/",
    "/*",
    "$$",
    "\x00",
    "é",
    "(",
    ")",
    ",",
    ".",
    "::",
    "->",
    "->>",
    "!inner",
    "...",
    "or(",
    "and(",
    "{",
    "}",
    "[",
    "]",
    "null",
    "true",
    "select",
    "films",
    "id",
    "director_id",
]
OPERATORS = [
    "eq",
    "neq",
    "gt",
    "lt",
    "like",
    "ilike",
    "in",
    "is",
    "cs",
    "cd",
    "ov",
    "fts",
    "wfts(english)",
    "eq(any)",
    "sl",
    "adj",
    "isdistinct",
    "match",
    "bogus",
]
PATHS = [
    "/films",
    "/directors",
    "/film_titles",
    "/rpc/add",
    "/rpc/films_after",
    "/rpc/echo",
    "/nope",
    "/rpc/nope",
    "/films/x",
    "/",
]
TABLES = ("films", "directors", "actors", "roles")

text = st.one_of(st.sampled_from(INJECTIONS), st.text(max_size=24))
ascii_text = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=40)
token = st.one_of(
    st.sampled_from(INJECTIONS), st.from_regex(r"[a-z_*.:>!()-]{1,12}", fullmatch=True)
)


def _nest(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda op, items: f"{op}({','.join(items)})",
        st.sampled_from(["or", "and", "not.or", "not.and"]),
        st.lists(children, min_size=1, max_size=3),
    )


condition = st.recursive(
    st.builds(lambda c, o, v: f"{c}.{o}.{v}", token, st.sampled_from(OPERATORS), text),
    _nest,
    max_leaves=12,
)
select_item = st.recursive(
    token,
    lambda inner: st.builds(
        lambda name, items: f"{name}({','.join(items)})", token, st.lists(inner, max_size=3)
    ),
    max_leaves=10,
)


@st.composite
def query(draw: st.DrawFn) -> list[tuple[str, str]]:
    pairs = draw(
        st.lists(
            st.tuples(
                st.one_of(
                    token, st.sampled_from(["id", "title", "films.year", "meta->>lang", "a"])
                ),
                st.builds(
                    lambda n, o, v: f"{n}{o}.{v}",
                    st.sampled_from(["", "not."]),
                    st.sampled_from(OPERATORS),
                    text,
                ),
            ),
            max_size=4,
        )
    )
    if draw(st.booleans()):
        pairs.append(("select", ",".join(draw(st.lists(select_item, min_size=1, max_size=4)))))
    if draw(st.booleans()):
        pairs.append(
            ("or", "(" + ",".join(draw(st.lists(condition, min_size=1, max_size=3))) + ")")
        )
    for key in ("order", "limit", "offset", "columns", "on_conflict"):
        if draw(st.integers(0, 4)) == 0:
            pairs.append((key, draw(text)))
    return pairs


@st.composite
def headers(draw: st.DrawFn) -> dict[str, str]:
    chosen: dict[str, str] = {}
    for name in ("Accept", "Prefer", "Range", "Accept-Profile", "Content-Profile", "Authorization"):
        if draw(st.integers(0, 3)) == 0:
            chosen[name] = draw(
                st.one_of(
                    ascii_text,
                    st.sampled_from(
                        [
                            "application/vnd.pgrst.object+json",
                            "text/csv",
                            "count=exact",
                            "0-",
                            "1-0",
                            "Bearer a.b.c",
                            "Bearer x",
                            "extra",
                            "return=representation,tx=rollback",
                        ]
                    ),
                )
            )
    return chosen


hostile_body = st.one_of(
    st.binary(max_size=64),
    st.sampled_from([b"{", b"[1,2]", b"null", b'{"a":', b'"str"', b"[{}, 1]"]),
    st.dictionaries(st.text(max_size=8), st.one_of(st.none(), st.integers(), text), max_size=3).map(
        lambda d: {**d, "no_such_column": 1}
    ),
)


@pytest.fixture(scope="module")
def http(rest: RestServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=rest.url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def fingerprint(rest: RestServer) -> Iterator[Callable[[], list[Any]]]:
    """A digest of the tables hostile requests could touch."""
    with psycopg.connect(rest.dsn, autocommit=True) as conn:

        def digest() -> list[Any]:
            return [
                conn.execute(
                    f"select md5(coalesce(string_agg(t::text, ',' order by t::text), ''))"
                    f" from public.{table} as t"
                ).fetchone()
                for table in TABLES
            ]

        yield digest


@pytest.fixture(scope="module")
def baseline(fingerprint: Callable[[], list[Any]]) -> list[Any]:
    return fingerprint()


def check(res: httpx.Response, method: str) -> None:
    assert res.status_code < 500, res.text
    if res.status_code >= 400 and method != "HEAD":
        assert set(res.json()) == {"code", "message", "details", "hint"}


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    method=st.sampled_from(["GET", "HEAD", "POST", "PATCH", "DELETE", "PUT"]),
    path=st.sampled_from(PATHS),
    params=query(),
    extra_headers=headers(),
    body=hostile_body,
)
def test_hostile_requests_are_client_errors(
    http: httpx.Client,
    fingerprint: Callable[[], list[Any]],
    baseline: list[Any],
    method: str,
    path: str,
    params: list[tuple[str, str]],
    extra_headers: dict[str, str],
    body: Any,
) -> None:
    """Random malformed parameters, headers and bodies never give 5xx nor touch the data."""
    if method in ("PATCH", "DELETE", "PUT"):
        params = [*params, ("id", "eq.-1")]
    content = body if isinstance(body, bytes) else httpx.Request("POST", "/", json=body).content
    extra_headers.pop("Content-Type", None)
    res = http.request(
        method,
        path,
        params=tuple(params),
        headers={**extra_headers, "Content-Type": "application/json"},
        content=None if method in ("GET", "HEAD") else content,
    )
    check(res, method)
    assert fingerprint() == baseline


@pytest.mark.parametrize("depth", [17, 200, 5000])
def test_deeply_nested_trees_are_rejected(http: httpx.Client, depth: int) -> None:
    """Logic trees and embeds nested beyond the limit are 400 PGRST100, not a crash."""
    tree = "(" + "or(" * depth + "id.eq.1" + ")" * depth + ")"
    res = http.get("/films", params={"or": tree})
    assert res.status_code == 400 and res.json()["code"] == "PGRST100"
    select = "a(" * depth + "id" + ")" * depth
    res = http.get("/films", params={"select": select})
    assert res.status_code == 400 and res.json()["code"] == "PGRST100"


def test_injection_strings_are_values(
    http: httpx.Client, fingerprint: Callable[[], list[Any]], baseline: list[Any]
) -> None:
    """SQL in values and quoted identifiers stays data: no rows, no side effects."""
    for value in INJECTIONS:
        res = http.get("/films", params={"title": f"eq.{value}", "select": "id"})
        assert res.json() == [] if res.status_code == 200 else res.json()["code"] == "22021"
        res = http.get("/films", params={"select": f'"{value}"'})
        assert res.status_code in (200, 400)
    res = http.get("/films", params={"select": 'id,"title; drop table films"'})
    assert res.status_code == 400 and res.json()["code"] == "42703"
    res = http.get("/films", params={"select": "id::text;drop"})
    assert res.status_code == 400
    assert fingerprint() == baseline


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({"limit": "¹"}, {}),
        ({"offset": "٣"}, {}),
        ({"select": "id,meta->²"}, {}),
        ({"meta->²": "eq.1"}, {}),
        ({}, {"Prefer": "max-affected=³"}),
    ],
)
def test_digits_that_are_not_ascii_are_client_errors(
    http: httpx.Client, params: dict[str, str], headers: dict[str, str]
) -> None:
    """`str.isdigit()` takes superscripts and other scripts' digits, which `int()` refuses: a
    limit, offset, JSON array index or max-affected written with them is a 4xx (or ignored, as
    PostgREST ignores a preference it cannot read), never a 500."""
    raw = {name.encode(): value.encode("latin-1") for name, value in headers.items()}
    res = http.get("/films", params=params, headers=raw)
    check(res, "GET")
