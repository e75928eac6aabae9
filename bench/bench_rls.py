"""Cost of RLS + the pre-request rate limit on a typical read: 20 rolls of one campaign.

Run with the stack's env file: `RFL_ENV_FILE=.local/<you>/.env .venv/bin/python
bench/bench_rls.py`. It creates its own scratch database (all migrations), fills it with 40
campaigns of 250 rolls each (mixed visibility), and times one request three ways, each as its
own transaction on one connection, like the REST server does:

- owner: the table owner (superuser, RLS bypassed) runs the query alone;
- rls: `authenticator` switches to `authenticated` with a player's claims and headers, then
  runs the same query (policies filter by membership, gm status and visibility);
- rls+hook (GET): as rls, in a READ ONLY transaction, calling app_private.check_request() first
  (the hook charges the bucket on its own dblink connection, committed apart from the request);
- rls+hook (write tx): as above in a read-write transaction (the global limit is raised for the
  run so the loop is not throttled);
- rls+in-tx hook (GET / write tx): the same with the previous hook (migration ...002800, loaded
  under another name), which charged inside the request's transaction and only checked the
  bucket in read-only ones: the cost of the autonomous charge is the difference.

Variants are interleaved round by round so that machine load affects them alike; the first
round warms up and is dropped. Each variant includes its own round trips (the settings statement,
the hook), as a server would pay them. It prints the median microseconds per request and the
ratios against the owner, then drops the database. Timings vary with the machine; compare the
ratios.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import psycopg

from native_platform.migrations import MIGRATIONS_DIR
from native_platform.scratch import migrated_database
from native_platform.settings import load_settings

ROUNDS = 7
REQUESTS_PER_ROUND = 300
CAMPAIGNS = 40
ROLLS_PER_CAMPAIGN = 250
PLAYER = "00000000-0000-4000-d000-000000000002"
GM = "00000000-0000-4000-d000-000000000001"
TARGET = "10000000-0000-4000-d000-000000000000"
QUERY = (
    "select id, roller_id, expression, total, visibility, created_at from public.dice_rolls"
    f" where campaign_id = '{TARGET}' order by created_at desc limit 20"
)
SETUP = (
    "select set_config('role', 'authenticated', true), set_config('request.jwt.claims', %s, true),"
    " set_config('request.headers', %s, true), set_config('request.method', 'GET', true)"
)
ARRANGE = f"""
insert into auth.users (id, email) values ('{GM}', 'gm@bench.test'), ('{PLAYER}', 'p@bench.test');
insert into public.campaigns (id, owner_id, name, target_language)
select ('10000000-0000-4000-d000-' || lpad(n::text, 12, '0'))::uuid, '{GM}', 'Bench ' || n, 'es'
from generate_series(0, {CAMPAIGNS - 1}) as n;
insert into public.campaign_members (campaign_id, user_id) values ('{TARGET}', '{PLAYER}');
set session_replication_role = replica;
insert into public.dice_rolls (campaign_id, roller_id, expression, total, visibility,
    server_seed_hash, client_seed, nonce, created_at)
select c.id, case when n % 3 = 0 then '{GM}'::uuid else '{PLAYER}'::uuid end, '1d20', n % 20 + 1,
    (array['public', 'gm', 'private'])[n % 3 + 1], repeat('a', 64), 'bench', n,
    now() - make_interval(secs => n)
from public.campaigns as c cross join generate_series(1, {ROLLS_PER_CAMPAIGN}) as n;
set session_replication_role = origin;
update rate_limit.limits set capacity = 1000000, refill_per_second = 1000000
where action = 'request.authenticated';
analyze;
"""
HOOK = "app_private.check_request()"
IN_TRANSACTION_HOOK = "app_private.check_request_in_transaction()"
IN_TRANSACTION_HOOK_SQL = (
    (MIGRATIONS_DIR / "20261126002800_create_check_request_function.sql")
    .read_text()
    .replace("app_private.check_request()", IN_TRANSACTION_HOOK)
)


def owner_request(conn: psycopg.Connection[Any]) -> None:
    with conn.transaction():
        conn.execute(QUERY).fetchall()


def rls_request(hook: str | None, read_only: bool) -> Callable[[psycopg.Connection[Any]], None]:
    claims = json.dumps({"role": "authenticated", "sub": PLAYER})
    headers = json.dumps({"x-forwarded-for": "198.51.100.7"})

    def request(conn: psycopg.Connection[Any]) -> None:
        with conn.transaction():
            if read_only:
                conn.execute("set transaction read only")
            conn.execute(SETUP, (claims, headers))
            if hook:
                conn.execute(f"select {hook}".encode())
            rows = conn.execute(QUERY).fetchall()
            assert len(rows) == 20

    return request


def batch_micros(conn: psycopg.Connection[Any], request: Callable[..., None]) -> float:
    start = time.perf_counter()
    for _ in range(REQUESTS_PER_ROUND):
        request(conn)
    return (time.perf_counter() - start) / REQUESTS_PER_ROUND * 1e6


def main() -> None:
    settings = load_settings()
    with migrated_database(settings, f"rfl_bench_rls_{os.getpid()}") as dsn:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(ARRANGE.encode())
            conn.execute(IN_TRANSACTION_HOOK_SQL.encode())
        name = dsn.rsplit("/", 1)[1]
        admin = settings.database_url.get_secret_value().rsplit("/", 1)[0]
        with (
            psycopg.connect(f"{admin}/{name}") as owner,
            psycopg.connect(settings.authenticator_url(name)) as api,
        ):
            variants = {
                "owner (no RLS)": (owner, owner_request),
                "rls": (api, rls_request(hook=None, read_only=True)),
                "rls+hook (GET)": (api, rls_request(HOOK, read_only=True)),
                "rls+hook (write tx)": (api, rls_request(HOOK, read_only=False)),
                "rls+in-tx hook (GET)": (api, rls_request(IN_TRANSACTION_HOOK, read_only=True)),
                "rls+in-tx hook (write)": (
                    api,
                    rls_request(IN_TRANSACTION_HOOK, read_only=False),
                ),
            }
            samples: dict[str, list[float]] = {label: [] for label in variants}
            for _ in range(ROUNDS + 1):  # round 0 warms up and is dropped
                for label, (conn, request) in variants.items():
                    samples[label].append(batch_micros(conn, request))
    medians = {label: statistics.median(values[1:]) for label, values in samples.items()}
    baseline = medians["owner (no RLS)"]
    print(f"rows: {CAMPAIGNS * ROLLS_PER_CAMPAIGN} rolls; query: 20 newest rolls of one campaign")
    for label, micros in medians.items():
        print(f"{label:<22}{micros:9.1f} us/request  ratio {micros / baseline:.2f}")
    worst = max(medians.values()) / baseline
    print(
        f"verdict: the costliest variant is {worst:.2f}x the table owner's read"
        " (issue 3 sets no numeric aim: informational)"
    )


if __name__ == "__main__":
    main()
