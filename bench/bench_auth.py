"""Auth throughput: sign-in and refresh requests/s over HTTP against the bare SQL functions.

Run with the stack's env file: `RFL_ENV_FILE=.local/<you>/.env .venv/bin/python
bench/bench_auth.py`. It creates its own scratch database (all migrations), serves the auth
API in its own process on a free loopback port and drops the database afterwards. Each figure
is the median rate of several rounds of sequential calls from one client. The SQL baseline runs
the same transaction the server runs (set role + request settings, then the function) on one
`authenticator` connection, so the ratio is the cost of HTTP, JSON and the pool. bcrypt (cost
10) dominates sign-in on purpose; refresh is cheap. Refreshes vary X-Forwarded-For so the
per-address refresh limit (150 per 5 minutes) does not throttle the loop.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg

from native_platform.scratch import migrated_database
from native_platform.settings import StackSettings, load_settings

ROUNDS = 5
SIGN_INS_PER_ROUND = 10
REFRESHES_PER_ROUND = 100
EMAIL = "bench@example.com"
PASSWORD = "bench password 1"
SETUP = (
    "select set_config('role', 'anon', true), set_config('request.jwt.claims', %s, true),"
    " set_config('request.headers', %s, true)"
)

ROOT = Path(__file__).resolve().parents[1]


def address(n: int) -> str:
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


@contextmanager
def serve(database_url: str, stack: StackSettings) -> Iterator[str]:
    """`python -m native_platform.auth` in its own process (no GIL shared with the client)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {
        **os.environ,
        "AUTH_DATABASE_URL": database_url,
        "AUTH_JWT_SECRET": stack.jwt_secret.get_secret_value(),
        "AUTH_TRUST_FORWARDED_FOR": "true",
    }
    command = [sys.executable, "-m", "native_platform.auth", "--port", str(port)]
    server = subprocess.Popen([*command, "--log-level", "warning"], cwd=ROOT, env=environment)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


def wait_healthy(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"{url}/health").status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("the auth server did not start")


def median_rate(calls: int, action: Callable[[int], object]) -> float:
    """Median over ROUNDS of calls/s, each round making `calls` sequential calls."""
    rates, counter = [], 0
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(calls):
            counter += 1
            action(counter)
        rates.append(calls / (time.perf_counter() - start))
    return statistics.median(rates)


def sql_rates(dsn: str) -> tuple[float, float]:
    with psycopg.connect(dsn) as conn:

        def call(function: str, argument: tuple[str, ...], n: int) -> dict[str, str]:
            with conn.transaction():
                headers = json.dumps({"x-forwarded-for": address(n)})
                conn.execute(SETUP, ('{"role": "anon"}', headers))
                row = conn.execute(f"select auth.{function}", argument).fetchone()
            assert row is not None
            result: dict[str, str] = row[0]
            return result

        token = [call("sign_up(%s, %s)", (EMAIL, PASSWORD), 0)["refresh_token"]]
        sign_in = median_rate(
            SIGN_INS_PER_ROUND,
            lambda n: call("sign_in_with_password(%s, %s)", (EMAIL, PASSWORD), n),
        )

        def refresh(n: int) -> None:
            token[0] = call("refresh_session(%s)", (token[0],), n)["refresh_token"]

        return sign_in, median_rate(REFRESHES_PER_ROUND, refresh)


def http_rates(url: str, key: str) -> tuple[float, float]:
    headers = {"apikey": key, "Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=url, headers=headers) as client:

        def post(grant: str, body: dict[str, str], n: int) -> dict[str, str]:
            response = client.post(
                "/token",
                params={"grant_type": grant},
                json=body,
                headers={"X-Forwarded-For": address(n)},
            )
            response.raise_for_status()
            result: dict[str, str] = response.json()
            return result

        credentials = {"email": EMAIL, "password": PASSWORD}
        token = [post("password", credentials, 0)["refresh_token"]]
        sign_in = median_rate(SIGN_INS_PER_ROUND, lambda n: post("password", credentials, n))

        def refresh(n: int) -> None:
            token[0] = post("refresh_token", {"refresh_token": token[0]}, n)["refresh_token"]

        return sign_in, median_rate(REFRESHES_PER_ROUND, refresh)


def main() -> None:
    stack = load_settings()
    with migrated_database(stack, f"rfl_bench_auth_{os.getpid()}") as dsn:
        name = dsn.rsplit("/", 1)[1]
        dsn = stack.authenticator_url(name)
        sql_sign_in, sql_refresh = sql_rates(dsn)
        with serve(dsn, stack) as url:
            http_sign_in, http_refresh = http_rates(url, stack.anon_key.get_secret_value())
    print(f"Auth requests/s, sequential, one client (median of {ROUNDS} rounds)")
    print(f"{'operation':12}{'HTTP':>10}{'SQL':>10}{'HTTP/SQL':>10}")
    for label, http, bare in (
        ("sign-in", http_sign_in, sql_sign_in),
        ("refresh", http_refresh, sql_refresh),
    ):
        print(f"{label:12}{http:10.1f}{bare:10.1f}{http / bare:10.2f}")
    print("sign-in is bound by bcrypt (cost 10) by design; refresh shows the HTTP overhead.")


if __name__ == "__main__":
    main()
