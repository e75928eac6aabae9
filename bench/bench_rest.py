"""Requests/s and p50/p99 latency of the REST server against pgbench running the same SQL.

Run from the repository root with a running stack: `RFL_ENV_FILE=... .venv/bin/python
bench/bench_rest.py`. It creates a scratch database (campaigns, characters and dice_rolls with
claims-based RLS), starts `python -m native_platform.rest` (uvloop + httptools) on a free port,
drives it for a few seconds per scenario with 16 concurrent httpx requests, then runs pgbench
(16 clients) on the exact statements the server sends for the same requests (context settings
and main statement in one transaction), and prints both figures and their ratio.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import orjson
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from native_platform.rest.auth import Identity  # noqa: E402
from native_platform.rest.executor import _CONTEXT, RequestContext, _context_params  # noqa: E402
from native_platform.rest.mutations_sql import insert_sql, table_sql  # noqa: E402
from native_platform.rest.query_params import parse_query  # noqa: E402
from native_platform.rest.read_plan import build_read_plan  # noqa: E402
from native_platform.rest.rpc_handler import _call  # noqa: E402
from native_platform.rest.schema_cache import SchemaCache, load_schema_cache  # noqa: E402
from native_platform.rest.sql_params import Params  # noqa: E402
from native_platform.rest.statements import (  # noqa: E402
    Shape,
    read_statement,
    scalar_statement,
    write_statement,
)
from native_platform.settings import load_settings  # noqa: E402

PGBENCH = "/usr/lib/postgresql/15/bin/pgbench"
SECONDS = 5
CONCURRENCY = 16
CAMPAIGNS = 100
PER_CAMPAIGN = 20
USER = uuid.UUID("00000000-0000-4000-8000-000000000001")

SCHEMA = f"""
create table public.campaigns (
    id integer primary key, name text not null, is_public boolean not null default false,
    gm_id uuid
);
create table public.characters (
    id integer primary key,
    campaign_id integer not null references public.campaigns (id),
    owner_id uuid not null, name text not null, level integer not null default 1
);
create index on public.characters (campaign_id);
create table public.dice_rolls (
    id bigint generated always as identity primary key,
    campaign_id integer not null references public.campaigns (id),
    character_id integer references public.characters (id),
    roller_id uuid not null
        default (current_setting('request.jwt.claims', true)::jsonb ->> 'sub')::uuid,
    expression text not null, total integer not null,
    created_at timestamptz not null default now()
);
create index on public.dice_rolls (campaign_id);
create function public.claims_uid() returns uuid language sql stable as $$
    select (current_setting('request.jwt.claims', true)::jsonb ->> 'sub')::uuid $$;
alter table public.campaigns enable row level security;
alter table public.characters enable row level security;
alter table public.dice_rolls enable row level security;
create policy "members see campaigns" on public.campaigns for select to authenticated
    using (is_public or gm_id = (select public.claims_uid()));
create policy "players see characters" on public.characters for select to authenticated
    using (owner_id = (select public.claims_uid())
           or campaign_id in (select c.id from public.campaigns as c where c.is_public));
create policy "players see rolls" on public.dice_rolls for select to authenticated
    using (roller_id = (select public.claims_uid()));
create policy "players roll as themselves" on public.dice_rolls for insert to authenticated
    with check (roller_id = (select public.claims_uid()));
create function public.campaign_roll_count(cid integer) returns integer language sql stable as $$
    select count(*)::integer from public.dice_rolls where campaign_id = cid $$;
grant usage on schema public to authenticated;
grant select on public.campaigns, public.characters, public.dice_rolls to authenticated;
grant insert on public.dice_rolls to authenticated;
grant execute on function public.campaign_roll_count(integer), public.claims_uid() to authenticated;
insert into public.campaigns select g, 'campaign ' || g, g % 2 = 0, gen_random_uuid()
    from generate_series(1, {CAMPAIGNS}) as g;
insert into public.characters
    select g, (g - 1) / {PER_CAMPAIGN} + 1,
        case when g % 3 = 0 then '{USER}'::uuid else gen_random_uuid() end,
        'hero ' || g, g % 20 + 1
    from generate_series(1, {CAMPAIGNS * PER_CAMPAIGN}) as g;
"""


@dataclass
class Scenario:
    name: str
    method: str
    path: Callable[[int], str]
    body: Callable[[int], bytes] | None
    prefer: str | None
    pick: Callable[[], int]
    statement: Callable[[SchemaCache, Params], Any]
    read_only: bool
    sentinel: str = "987654321"


def _read(
    path_query: list[tuple[str, str]], table: str, limit: int | None = None
) -> Callable[[SchemaCache, Params], Any]:
    def build(cache: SchemaCache, params: Params) -> Any:
        query = parse_query(path_query)
        query.offset[()] = 0
        if limit is not None:
            query.limit[()] = limit
        found = cache.tables[("public", table)]
        root = build_read_plan(cache, found, found.name, query)
        return read_statement(
            root, table_sql(found), table_sql(found), params, Shape(relation=f'"public"."{table}"')
        )

    return build


def _insert(cache: SchemaCache, params: Params) -> Any:
    table = cache.tables[("public", "dice_rolls")]
    row = {"campaign_id": 987654321, "character_id": 3, "expression": "1d20", "total": 12}
    dml = insert_sql(table, list(row), orjson.dumps([row]).decode(), params, False, None)
    root = build_read_plan(cache, table, "pgrst_source", parse_query([]))
    return write_statement(dml, root, params, Shape(body=True))


def _rpc(cache: SchemaCache, params: Params) -> Any:
    function = cache.functions[("public", "campaign_roll_count")][0]
    call, args_from = _call(function, frozenset({"cid"}), '{"cid": 987654321}', False, params)
    return scalar_statement(call, args_from, Shape())


def scenarios() -> list[Scenario]:
    rows = CAMPAIGNS * PER_CAMPAIGN
    return [
        Scenario(
            "row by primary key",
            "GET",
            lambda i: f"/characters?id=eq.{i}",
            None,
            None,
            lambda: random.randrange(1, rows + 1),
            _read([("id", "eq.987654321")], "characters"),
            True,
        ),
        Scenario(
            "20 rows + to-one embed",
            "GET",
            lambda i: (
                f"/characters?select=id,name,level,campaigns(name)&campaign_id=eq.{i}&limit=20"
            ),
            None,
            None,
            lambda: random.randrange(1, CAMPAIGNS + 1) // 2 * 2 or 2,
            _read(
                [("select", "id,name,level,campaigns(name)"), ("campaign_id", "eq.987654321")],
                "characters",
                20,
            ),
            True,
        ),
        Scenario(
            "insert, return=representation",
            "POST",
            lambda _: "/dice_rolls",
            lambda i: orjson.dumps(
                {"campaign_id": i, "character_id": 3, "expression": "1d20", "total": 12}
            ),
            "return=representation",
            lambda: random.randrange(1, CAMPAIGNS + 1),
            _insert,
            False,
        ),
        Scenario(
            "rpc (stable, scalar)",
            "POST",
            lambda _: "/rpc/campaign_roll_count",
            lambda i: orjson.dumps({"cid": i}),
            None,
            lambda: random.randrange(1, CAMPAIGNS + 1),
            _rpc,
            True,
        ),
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


async def drive_http(url: str, token: str, scenario: Scenario) -> tuple[float, list[float]]:
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if scenario.prefer:
        headers["Prefer"] = scenario.prefer
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits) as client:
        deadline = time.perf_counter() + SECONDS

        async def worker() -> None:
            while time.perf_counter() < deadline:
                value = scenario.pick()
                body = scenario.body(value) if scenario.body else None
                start = time.perf_counter()
                res = await client.request(scenario.method, scenario.path(value), content=body)
                latencies.append(time.perf_counter() - start)
                if res.status_code >= 300:
                    raise RuntimeError(f"{scenario.name}: {res.status_code} {res.text}")

        begin = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return len(latencies) / (time.perf_counter() - begin), latencies


def pgbench_script(
    conn: psycopg.Connection[Any],
    cache: SchemaCache,
    scenario: Scenario,
    token_claims: dict[str, Any],
) -> str:
    params = Params()
    statement = scenario.statement(cache, params)
    cursor = psycopg.ClientCursor(conn)
    main = cursor.mogrify(statement, params.values)
    main = re.sub(r"'([^']*)'", lambda m: _variable(m.group(1), scenario.sentinel), main)
    path = scenario.path(0).split("?")[0]
    context = RequestContext(
        Identity("authenticated", token_claims, False),
        ("public", "public"),
        scenario.method,
        path,
        {"host": "127.0.0.1", "content-type": "application/json"},
        {},
    )
    settings = cursor.mogrify(_CONTEXT, _context_params(context))
    begin = "begin read only" if scenario.read_only else "begin"
    rows = CAMPAIGNS * PER_CAMPAIGN if scenario.name.startswith("row") else CAMPAIGNS
    pick = f"\\set v random(1, {rows})\n"
    if scenario.name.startswith("20 rows"):
        pick += f"\\set v 2 * random(1, {CAMPAIGNS // 2})\n"
    return (
        pick
        + f"{begin};\n"
        + " ".join(settings.split())
        + ";\n"
        + " ".join(main.split())
        + ";\ncommit;\n"
    )


def _variable(literal: str, sentinel: str) -> str:
    """A string literal holding the sentinel becomes pgbench's :v (concatenated if embedded)."""
    if sentinel not in literal:
        return f"'{literal}'"
    if literal == sentinel:
        return ":v"
    before, after = literal.split(sentinel, 1)
    return f"('{before}' || :v || '{after}')"


def run_pgbench(dsn: str, script: str, password: str) -> tuple[float, list[float]]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "script.sql"
        path.write_text(script)
        env = {**os.environ, "PGPASSWORD": password}
        out = subprocess.run(
            [
                PGBENCH,
                "-n",
                "-M",
                "prepared",
                "-c",
                str(CONCURRENCY),
                "-j",
                "2",
                "-T",
                str(SECONDS),
                "-l",
                "--log-prefix",
                str(Path(folder) / "log"),
                "-f",
                str(path),
                dsn,
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=folder,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(f"pgbench failed: {out.stderr[-2000:]}\n{script}")
        stdout = out.stdout
        tps = float(re.search(r"tps = ([\d.]+)", stdout).group(1))  # type: ignore[union-attr]
        latencies = [
            int(line.split()[2]) / 1e6
            for log in Path(folder).glob("log*")
            for line in log.read_text().splitlines()
        ]
    return tps, latencies


def start_server(dsn: str, secret: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "PGRST_DB_URI": dsn,
        "PGRST_DB_SCHEMAS": "public",
        "PGRST_DB_ANON_ROLE": "anon",
        "PGRST_JWT_SECRET": secret,
        "PGRST_SERVER_PORT": str(port),
        "PGRST_DB_POOL": str(CONCURRENCY),
    }
    process = subprocess.Popen([sys.executable, "-m", "native_platform.rest"], env=env)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(url + "/").status_code == 200:
                return process, url
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the REST server did not start")


def line(name: str, rps: float, latencies: list[float]) -> str:
    return (
        f"  {name:<9} {rps:9.0f} req/s   p50 {percentile(latencies, 0.5) * 1000:6.2f} ms"
        f"   p99 {percentile(latencies, 0.99) * 1000:6.2f} ms"
    )


def main() -> None:
    stack = load_settings()
    su_password = stack.postgres_password.get_secret_value()
    auth_password = stack.authenticator_password.get_secret_value()
    dbname = "rfl_bench_rest"
    admin = f"postgresql://postgres:{su_password}@127.0.0.1:{stack.postgres_port}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"drop database if exists {dbname} with (force)")  # type: ignore[arg-type]
        conn.execute(f"create database {dbname}")  # type: ignore[arg-type]
    owner_dsn = admin.rsplit("/", 1)[0] + f"/{dbname}"
    api_dsn = f"postgresql://authenticator:{auth_password}@127.0.0.1:{stack.postgres_port}/{dbname}"
    with psycopg.connect(owner_dsn, autocommit=True) as conn:
        conn.execute(SCHEMA)  # type: ignore[arg-type]
    secret = stack.jwt_secret.get_secret_value()
    claims = {"sub": str(USER), "role": "authenticated", "exp": int(time.time()) + 3600}
    token = jwt.encode(claims, secret, algorithm="HS256")
    process, url = start_server(api_dsn, secret)
    try:
        with psycopg.connect(api_dsn) as conn:
            cache = asyncio.run(_load_cache(api_dsn))
            print(f"REST server vs pgbench, {CONCURRENCY} concurrent, {SECONDS}s each")
            for scenario in scenarios():
                server_cpu, client_cpu = cpu_seconds(process.pid), time.process_time()
                rps, http_lat = asyncio.run(drive_http(url, token, scenario))
                server_cpu = cpu_seconds(process.pid) - server_cpu
                client_cpu = time.process_time() - client_cpu
                script = pgbench_script(conn, cache, scenario, claims)
                tps, pg_lat = run_pgbench(
                    api_dsn.replace(f":{auth_password}", ""), script, auth_password
                )
                print(f"{scenario.name}:")
                print(line("server", rps, http_lat))
                print(line("pgbench", tps, pg_lat))
                count = len(http_lat)
                print(
                    f"  cpu/req   server {server_cpu / count * 1000:.2f} ms, httpx client "
                    f"{client_cpu / count * 1000:.2f} ms"
                )
                print(f"  ratio     {rps / tps:9.2f} (server/pgbench requests per second)")
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _load_cache(dsn: str) -> SchemaCache:
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        return await load_schema_cache(conn, ("public",))


if __name__ == "__main__":
    main()
