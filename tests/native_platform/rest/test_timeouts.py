"""Statement timeouts, cancellation on disconnect and the pool's bounded wait (issue 11, finding 2).

The REST server runs as the stack runs it (authenticator login, pre-request hook) over a fresh
database holding the project's migrations: anon requests stop at anon's 3 s, each role sees its
own `statement_timeout` (PostgREST's role settings), a request whose client left is cancelled in
Postgres, and a request finding every pooled connection busy gets PostgREST's PGRST003.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import psycopg
import pytest
from postgrest.exceptions import APIError
from starlette.applications import Starlette
from starlette.routing import Mount
from supabase import Client, create_client
from supabase.lib.client_options import SyncClientOptions

from native_platform.rest import RestSettings, create_app, settings_for_stack
from native_platform.settings import StackSettings
from tests.helpers.servers import serve
from tests.native_platform.rest.support import wait_for_schema_cache

# Backtracking with back-references: exponential in the subject's length (20+ s at 121 chars).
EVIL_PATTERN = r"^(.*)(.*)(.*)(.*)(.*)\5\4\3\2\1$"
EVIL_SUBJECT = "ab" * 60 + "c"
TIMEOUT_BODY = {
    "code": "57014",
    "details": None,
    "hint": None,
    "message": "canceling statement due to statement timeout",
}
POOL_BODY = {
    "code": "PGRST003",
    "details": None,
    "hint": None,
    "message": "Timed out acquiring connection from connection pool.",
}
# Throwaway functions of this test's database, served through /rpc.
PROBES = """
create function public.probe_sleep(seconds double precision) returns integer
language sql as $$ select 1 from pg_catalog.pg_sleep(seconds) $$;
create function public.probe_statement_timeout() returns text
language sql stable as $$ select pg_catalog.current_setting('statement_timeout') $$;
grant execute on function public.probe_sleep(double precision)
to anon, authenticated, service_role;
grant execute on function public.probe_statement_timeout() to anon, authenticated, service_role;
"""


@dataclass(frozen=True)
class Served:
    base: str  # where supabase-py points (the REST server is mounted at /rest/v1)
    url: str
    dsn: str
    dbname: str
    headers: dict[str, dict[str, str]]


def user_token(conn: psycopg.Connection[Any], secret: str) -> str:
    """An access token of a new user with a live session, shaped like the auth server's."""
    user_id = uuid.uuid4()
    conn.execute("insert into auth.users (id, email) values (%s, %s)", (user_id, f"{user_id}@t.x"))
    row = conn.execute(
        "insert into auth.sessions (user_id) values (%s) returning id", (user_id,)
    ).fetchone()
    assert row is not None
    now = int(time.time())
    claims = {
        "aud": "authenticated",
        "exp": now + 3600,
        "iat": now,
        "sub": str(user_id),
        "role": "authenticated",
        "aal": "aal1",
        "session_id": str(row[0]),
        "is_anonymous": False,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def prepare(dsn: str, settings: StackSettings) -> dict[str, dict[str, str]]:
    """The probes, a public campaign whose description the evil pattern chokes on, and headers."""
    anon_key = settings.anon_key.get_secret_value()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(PROBES)
        owner = uuid.uuid4()
        conn.execute("insert into auth.users (id, email) values (%s, %s)", (owner, f"{owner}@t.x"))
        conn.execute(
            "insert into public.campaigns (owner_id, name, description, target_language,"
            " visibility) values (%s, 'Slow', %s, 'es', 'public')",
            (owner, EVIL_SUBJECT),
        )
        user = user_token(conn, settings.jwt_secret.get_secret_value())
    service = settings.service_role_key.get_secret_value()
    return {
        "anon": {"apikey": anon_key, "Authorization": f"Bearer {anon_key}"},
        "authenticated": {"apikey": anon_key, "Authorization": f"Bearer {user}"},
        "service_role": {"apikey": service, "Authorization": f"Bearer {service}"},
    }


def mounted(settings: RestSettings) -> Starlette:
    """The REST server under /rest/v1, as the gateway mounts it."""
    rest = create_app(settings)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with rest.router.lifespan_context(rest):
            yield

    return Starlette(routes=[Mount("/rest/v1", app=rest)], lifespan=lifespan)


@pytest.fixture
def served(db_dsn: str, stack_settings: StackSettings) -> Iterator[Served]:
    dbname = db_dsn.rsplit("/", 1)[1]
    headers = prepare(db_dsn, stack_settings)
    with serve(mounted(settings_for_stack(stack_settings, dbname))) as base:
        wait_for_schema_cache(base + "/rest/v1")
        yield Served(base, base + "/rest/v1", db_dsn, dbname, headers)


def active_backends(dsn: str, marker: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "select count(*) from pg_stat_activity"
            " where state = 'active' and query like %s and pid <> pg_backend_pid()",
            (f"%{marker}%",),
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_evil_regex_as_anon_stops_at_three_seconds(served: Served) -> None:
    """The issue's request: anon's statement_timeout (3 s) ends it with PostgREST's 57014 (500)."""
    started = time.monotonic()
    with httpx.Client(base_url=served.url, timeout=15) as http:
        res = http.get(
            "/campaigns",
            params={"description": f"match.{EVIL_PATTERN}"},
            headers=served.headers["anon"],
        )
    elapsed = time.monotonic() - started
    assert (res.status_code, res.json()) == (500, TIMEOUT_BODY)
    # 3.0-3.2 s measured; the margin absorbs a loaded machine (without the limit: 20+ s).
    assert 2.5 < elapsed < 4.0, elapsed


def test_evil_regex_through_supabase_client(served: Served, stack_settings: StackSettings) -> None:
    """supabase-py as anon gets the timeout as an APIError, no later than anon's limit."""
    with httpx.Client(timeout=15) as http:
        client: Client = create_client(
            served.base,
            stack_settings.anon_key.get_secret_value(),
            SyncClientOptions(httpx_client=http),
        )
        started = time.monotonic()
        with pytest.raises(APIError) as raised:
            client.table("campaigns").select("id").filter(
                "description", "match", EVIL_PATTERN
            ).execute()
    assert time.monotonic() - started < 4.0
    assert (raised.value.code, raised.value.message) == ("57014", TIMEOUT_BODY["message"])


def test_each_role_runs_with_its_own_statement_timeout(served: Served) -> None:
    """anon 3 s, authenticated 8 s, service_role the login role's 8 s; a role setting changed in
    the database (here for this database only) applies after PostgREST's config reload."""
    with httpx.Client(base_url=served.url, timeout=10) as http:

        def seen(role: str) -> Any:
            res = http.post("/rpc/probe_statement_timeout", headers=served.headers[role])
            assert res.status_code == 200, res.text
            return res.json()

        assert {role: seen(role) for role in served.headers} == {
            "anon": "3s",
            "authenticated": "8s",
            "service_role": "8s",
        }
        with psycopg.connect(served.dsn, autocommit=True) as conn:
            conn.execute(
                f'alter role anon in database "{served.dbname}" set statement_timeout = 1500'
            )
            conn.execute("notify pgrst, 'reload config'")
        deadline = time.monotonic() + 5
        while seen("anon") != "1500ms" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert seen("anon") == "1500ms"
        assert seen("authenticated") == "8s"


def test_client_disconnect_cancels_the_query(served: Served) -> None:
    """A client that gives up takes its query with it: the backend is idle within a second."""
    outcome: list[BaseException] = []

    def give_up() -> None:
        with httpx.Client(base_url=served.url, timeout=1.5) as http:
            try:
                http.post(
                    "/rpc/probe_sleep", json={"seconds": 7}, headers=served.headers["service_role"]
                )
            except httpx.ReadTimeout as error:  # the client closes its connection
                outcome.append(error)

    client = threading.Thread(target=give_up)
    client.start()
    deadline = time.monotonic() + 1.5
    while not active_backends(served.dsn, "probe_sleep") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert active_backends(served.dsn, "probe_sleep") == 1  # running while the client waits
    client.join()
    left = time.monotonic()
    assert outcome, "the client should have timed out"
    while active_backends(served.dsn, "probe_sleep") and time.monotonic() < left + 1.0:
        time.sleep(0.02)
    assert active_backends(served.dsn, "probe_sleep") == 0, "the query outlived its client"


def test_busy_pool_answers_pgrst003(db_dsn: str, stack_settings: StackSettings) -> None:
    """With its one connection busy, the server answers 504 PGRST003 after the acquisition
    timeout instead of queueing the request, and serves again once the connection is free."""
    dbname = db_dsn.rsplit("/", 1)[1]
    headers = prepare(db_dsn, stack_settings)["service_role"]
    settings = settings_for_stack(stack_settings, dbname).model_copy(
        update={"db_pool": 1, "db_pool_acquisition_timeout": 0.5}
    )
    with (
        serve(mounted(settings)) as base,
        httpx.Client(base_url=base + "/rest/v1", timeout=10) as http,
    ):
        wait_for_schema_cache(base + "/rest/v1")
        assert http.post("/rpc/probe_statement_timeout", headers=headers).status_code == 200
        slow: list[httpx.Response] = []
        sleeper = threading.Thread(
            target=lambda: slow.append(
                http.post("/rpc/probe_sleep", json={"seconds": 2.5}, headers=headers)
            )
        )
        sleeper.start()
        deadline = time.monotonic() + 2
        while not active_backends(db_dsn, "probe_sleep") and time.monotonic() < deadline:
            time.sleep(0.02)
        started = time.monotonic()
        res = http.get("/campaigns", params={"select": "id"}, headers=headers)
        waited = time.monotonic() - started
        assert (res.status_code, res.json()) == (504, POOL_BODY)
        assert 0.4 < waited < 1.5, waited
        sleeper.join()
        assert slow[0].status_code == 200, slow[0].text
        res = http.get("/campaigns", params={"select": "id"}, headers=headers)
        assert res.status_code == 200, res.text
