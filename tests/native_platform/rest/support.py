"""Helpers for the REST tests: the fixture schema and a standalone server subprocess."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import psycopg
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.routing import Mount

from native_platform.rest import RestSettings, create_app
from native_platform.settings import StackSettings
from tests.helpers.servers import serve

FIXTURE_SQL = Path(__file__).with_name("fixture_schema.sql")


@dataclass(frozen=True)
class RestServer:
    url: str
    dsn: str
    jwt_secret: str
    process: subprocess.Popen[bytes]

    def token(self, **claims: Any) -> str:
        payload = {"exp": int(time.time()) + 3600, **claims}
        return jwt.encode(payload, self.jwt_secret, algorithm="HS256")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the REST server exited during start-up")
        try:
            if httpx.get(url + "/", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the REST server did not become ready")


def start_server(
    dsn: str, settings: StackSettings, extra: dict[str, str] | None = None, port: int | None = None
) -> RestServer:
    port = port or free_port()
    password = settings.authenticator_password.get_secret_value()
    dbname = dsn.rsplit("/", 1)[1]
    env = {
        **os.environ,
        "PGRST_DB_URI": f"postgresql://authenticator:{password}@127.0.0.1:"
        f"{settings.postgres_port}/{dbname}",
        "PGRST_DB_SCHEMAS": "public,extra",
        "PGRST_DB_ANON_ROLE": "anon",
        "PGRST_JWT_SECRET": settings.jwt_secret.get_secret_value(),
        "PGRST_SERVER_PORT": str(port),
        "PGRST_DB_POOL": "4",
        # One process: tests count pools, connections and rate-limit nodes.
        "PGRST_SERVER_WORKERS": "1",
        **(extra or {}),
    }
    process = subprocess.Popen([sys.executable, "-m", "native_platform.rest"], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process)
    except RuntimeError:
        process.kill()
        raise
    return RestServer(url, dsn, settings.jwt_secret.get_secret_value(), process)


def stop_server(server: RestServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


def load_fixture(dsn: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(FIXTURE_SQL.read_text(encoding="utf-8"))


@contextmanager
def mounted(dsn: str, settings: StackSettings, **overrides: Any) -> Iterator[str]:
    """The app served in process under /rest/v1 as the gateway mounts it; yields the base URL."""
    password = settings.authenticator_password.get_secret_value()
    dbname = dsn.rsplit("/", 1)[1]
    rest_settings = RestSettings(
        db_uri=SecretStr(
            f"postgresql://authenticator:{password}@127.0.0.1:{settings.postgres_port}/{dbname}"
        ),
        db_anon_role="anon",
        db_pool=2,
        jwt_secret=settings.jwt_secret,
        **overrides,
    )
    rest_app = create_app(rest_settings)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with rest_app.router.lifespan_context(rest_app):
            yield

    with serve(Starlette(routes=[Mount("/rest/v1", app=rest_app)], lifespan=lifespan)) as url:
        wait_for_schema_cache(url + "/rest/v1")
        yield url


def wait_for_schema_cache(api: str, timeout: float = 30.0) -> None:
    """Until the REST app at `api` answers its root with something else than 503: the server
    listens before its schema cache is loaded and answers 503 PGRST002 until then (as PostgREST
    does), so a test's first request must not race the load."""
    deadline = time.monotonic() + timeout
    while httpx.get(api + "/", timeout=5).status_code == 503:
        assert time.monotonic() < deadline, f"the schema cache did not load within {timeout} s"
        time.sleep(0.05)


@contextmanager
def fixture_database(pg_server: Any, prefix: str, fixture: Path) -> Iterator[str]:
    """A fresh database holding `fixture` (SQL), dropped afterwards; yields its DSN."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with pg_server.janitor(name):
        dsn = pg_server.dsn(name)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(fixture.read_text(encoding="utf-8"))
        yield dsn


def run_node(script: Path, url: str, anon_key: str, node_modules_dir: Path) -> Any:
    """A supabase-js script run under Node against `url`; its printed JSON."""
    done = subprocess.run(
        ["node", "--input-type=module", "-", url],
        env={**os.environ, "ANON_KEY": anon_key},
        input=script.read_text(encoding="utf-8"),
        cwd=node_modules_dir,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)
