"""Realtime: commit → delivery latency, RLS-checked deliveries/s and broadcast fan-out.

Run from the repository root with a running stack: `RFL_ENV_FILE=... .venv/bin/python
bench/bench_realtime.py [--sizes 10,100,1000]`. It creates a scratch database (all migrations), a
campaign whose N members each hold one websocket subscribed to the campaign's dice_rolls
(`campaign_id=eq.<id>`, RLS-checked; 1 roll in 5 is a whisper only its roller and the GM see),
starts one realtime node as a subprocess, and drives it with bare V1 websocket clients here.
Latency is measured from the moment the inserting COMMIT returned to the moment a client
decoded the frame (same machine, same clock). The baseline is a bare LISTEN/NOTIFY round trip
between two connections in this process; the ratio is realtime p50 / baseline p50.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import jwt  # noqa: E402
import orjson  # noqa: E402
import psycopg  # noqa: E402
import websockets  # noqa: E402

from native_platform.migrations import apply_migrations  # noqa: E402
from native_platform.settings import load_settings  # noqa: E402

DATABASE = "rfl_bench_realtime"
LATENCY_INSERTS = 40
LATENCY_DELIVERY_RATE = 2500  # deliveries/s asked of the node while measuring latency
BURST_DELIVERIES = 15_000
BROADCASTS = 100
ROLL_SQL = """
insert into public.dice_rolls (campaign_id, roller_id, expression, total, visibility,
    server_seed_hash, client_seed, nonce)
values (%s, %s, '1d20', 12, %s, repeat('a', 64), 'seed', 1)
"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else float("nan")


def prepare_database(admin: str, members: int) -> tuple[str, str, str, list[str]]:
    """(dsn, campaign, gm, players) in a fresh database with all migrations applied."""
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"drop database if exists {DATABASE} with (force)")
        conn.execute(f"create database {DATABASE}")
    dsn = admin.rsplit("/", 1)[0] + f"/{DATABASE}"
    apply_migrations(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("update rate_limit.limits set capacity = 1000000, refill_per_second = 1e6")
        users = [
            str(row[0])
            for row in conn.execute(
                "insert into auth.users (email) select 'b' || g || '@bench.test' "
                "from generate_series(0, %s) g returning id",
                (members,),
            ).fetchall()
        ]
        gm, players = users[0], users[1:]
        campaign = str(
            conn.execute(
                "insert into public.campaigns (owner_id, name, target_language) "
                "values (%s, 'Bench', 'es') returning id",
                (gm,),
            ).fetchone()[0]  # type: ignore[index]
        )
        with conn.cursor() as cursor:
            cursor.executemany(
                "insert into public.campaign_members (campaign_id, user_id) values (%s, %s)",
                [(campaign, player) for player in players],
            )
    return dsn, campaign, gm, players


@contextmanager
def realtime_node(dsn: str, settings: Any) -> Iterator[int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    password = settings.authenticator_password.get_secret_value()
    environment = {
        **os.environ,
        "REALTIME_DATABASE_URL": dsn.replace(
            dsn.split("@")[0], f"postgresql://authenticator:{password}"
        ),
        "REALTIME_REPLICATION_DATABASE_URL": dsn,
        "REALTIME_JWT_SECRET": settings.jwt_secret.get_secret_value(),
        "REALTIME_PORT": str(port),
        "REALTIME_MAX_EVENTS_PER_SECOND": "100000",
        "REALTIME_MAX_CHANNELS_PER_CLIENT": "10",
        "REALTIME_OUTBOUND_QUEUE_SIZE": "100000",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "native_platform.realtime"],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=15)


class Client:
    """One subscriber: records (receive time, frame) of every postgres_changes and broadcast."""

    def __init__(self, url: str, token: str, topic: str, campaign: str) -> None:
        self.url, self.token, self.topic, self.campaign = url, token, topic, campaign
        self.changes: list[tuple[float, str]] = []
        self.broadcasts = 0
        self.joined = asyncio.Event()
        self.connection: Any = None

    async def run(self) -> None:
        async with websockets.connect(self.url, max_queue=None) as connection:
            self.connection = connection
            binding = {
                "event": "INSERT",
                "schema": "public",
                "table": "dice_rolls",
                "filter": f"campaign_id=eq.{self.campaign}",
            }
            config = {"broadcast": {"self": False}, "postgres_changes": [binding]}
            await connection.send(
                orjson.dumps(
                    {
                        "topic": self.topic,
                        "event": "phx_join",
                        "ref": "1",
                        "join_ref": "1",
                        "payload": {"config": config, "access_token": self.token},
                    }
                ).decode()
            )
            async for raw in connection:
                now = time.perf_counter()
                frame = orjson.loads(raw)
                event = frame["event"]
                if event == "postgres_changes":
                    self.changes.append((now, frame["payload"]["data"]["record"]["client_seed"]))
                elif event == "broadcast":
                    self.broadcasts += 1
                elif event == "system":
                    self.joined.set()

    async def broadcast(self, number: int) -> None:
        payload = {"type": "broadcast", "event": "b", "payload": {"n": number}}
        await self.connection.send(
            orjson.dumps(
                {
                    "topic": self.topic,
                    "event": "broadcast",
                    "ref": None,
                    "join_ref": "1",
                    "payload": payload,
                }
            ).decode()
        )


async def baseline(dsn: str, rounds: int = 200) -> float:
    """p50 seconds of a LISTEN/NOTIFY round trip."""
    async with (
        await psycopg.AsyncConnection.connect(dsn, autocommit=True) as listener,
        await psycopg.AsyncConnection.connect(dsn, autocommit=True) as sender,
    ):
        arrived: asyncio.Queue[float] = asyncio.Queue()
        listener.add_notify_handler(lambda _: arrived.put_nowait(time.perf_counter()))
        await listener.execute("listen bench")
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            await sender.execute("notify bench, 'x'")
            # A no-op round trip lets the listener's connection read the notification.
            while arrived.empty():
                await listener.execute("select")
            times.append(await arrived.get() - start)
    return statistics.median(times)


async def insert_rolls(
    dsn: str, campaign: str, rollers: list[str], indexes: range, spacing: float, per_commit: int = 1
) -> dict[str, float]:
    """Insert one roll per index (1 in 5 private), `per_commit` per transaction; seed → commit
    time. A transaction that deadlocks on the rate-limit buckets is retried."""
    committed: dict[str, float] = {}
    async with await psycopg.AsyncConnection.connect(dsn) as conn:
        for start in range(0, len(indexes), per_commit):
            batch = indexes[start : start + per_commit]
            while True:
                try:
                    seeds = await _insert_batch(conn, campaign, rollers, batch)
                    break
                except psycopg.errors.DeadlockDetected:
                    await conn.rollback()
            committed.update(dict.fromkeys(seeds, time.perf_counter()))
            if spacing:
                await asyncio.sleep(spacing)
    return committed


async def _insert_batch(
    conn: psycopg.AsyncConnection[Any], campaign: str, rollers: list[str], batch: range
) -> list[str]:
    seeds = []
    await conn.execute("select set_config('app.roll_source', 'dice-service', true)")
    for index in batch:
        seeds.append(uuid.uuid4().hex)
        visibility = "private" if index % 5 == 4 else "public"
        await conn.execute(
            ROLL_SQL.replace("'seed'", "%s"),
            (campaign, rollers[index % len(rollers)], visibility, seeds[-1]),
        )
    await conn.commit()
    return seeds


async def burst_rolls(dsn: str, campaign: str, rollers: list[str], count: int) -> None:
    """`count` rolls from 4 concurrent writers, 10 rolls per transaction."""
    writers = 4  # each with its own rollers: their rate-limit buckets must not deadlock
    await asyncio.gather(
        *(
            insert_rolls(dsn, campaign, rollers[w::writers], range(w, count, writers), 0, 10)
            for w in range(writers)
        )
    )


async def wait_quiet(clients: list[Client], expected: int, limit: float) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if sum(len(c.changes) for c in clients) >= expected:
            return
        await asyncio.sleep(0.05)


def expected_deliveries(count: int, clients: int) -> int:
    """A whisper reaches its roller only (the GM holds no socket here)."""
    private = sum(1 for index in range(count) if index % 5 == 4)
    return (count - private) * clients + private


async def run_size(
    size: int, port: int, dsn: str, campaign: str, players: list[str], secret: str
) -> dict[str, float]:
    url = f"ws://127.0.0.1:{port}/websocket?vsn=1.0.0&apikey="
    members = players[:size]
    clients = []
    for user in members:
        token = jwt.encode(
            {"sub": user, "role": "authenticated", "exp": int(time.time()) + 3600},
            secret,
            algorithm="HS256",
        )
        clients.append(Client(url + token, token, f"realtime:campaign-feed:{campaign}", campaign))
    tasks = [asyncio.create_task(c.run()) for c in clients]
    for start in range(0, size, 100):
        await asyncio.wait_for(
            asyncio.gather(*(c.joined.wait() for c in clients[start : start + 100])), 60
        )
    results: dict[str, float] = {}
    # Spaced so the node is not saturated (the burst below measures saturation).
    spacing = max(0.02, size / LATENCY_DELIVERY_RATE)
    committed = await insert_rolls(dsn, campaign, members, range(LATENCY_INSERTS), spacing)
    await wait_quiet(clients, expected_deliveries(LATENCY_INSERTS, size), 15)
    latencies = [at - committed[seed] for c in clients for at, seed in c.changes]
    results["p50_ms"] = percentile(latencies, 0.5) * 1000
    results["p99_ms"] = percentile(latencies, 0.99) * 1000
    first: dict[str, float] = {}
    for client in clients:
        for at, seed in client.changes:
            first[seed] = min(first.get(seed, at), at)
    # How soon the first subscriber had each change: the rest of the spread is fan-out.
    results["first_p50_ms"] = percentile([at - committed[s] for s, at in first.items()], 0.5) * 1000
    for client in clients:
        client.changes.clear()
    burst = max(20, min(1000, BURST_DELIVERIES // size))
    start = time.perf_counter()
    await burst_rolls(dsn, campaign, members, burst)
    expected = expected_deliveries(burst, size)
    await wait_quiet(clients, expected, 60)
    received = [at for c in clients for at, _ in c.changes]
    results["deliveries"] = len(received)
    results["expected"] = expected
    results["deliveries_per_s"] = len(received) / (max(received) - start) if received else 0.0
    start = time.perf_counter()
    for number in range(BROADCASTS):
        await clients[0].broadcast(number)
    want = BROADCASTS * (size - 1)
    deadline = time.monotonic() + 60
    while sum(c.broadcasts for c in clients) < want and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    results["broadcast_msgs_per_s"] = sum(c.broadcasts for c in clients) / (
        time.perf_counter() - start
    )
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return results


async def main(sizes: list[int]) -> None:
    settings = load_settings()
    admin = settings.database_url.get_secret_value()
    began = time.monotonic()
    dsn, campaign, _, players = prepare_database(admin, max(sizes))
    base = await baseline(dsn)
    print(f"baseline LISTEN/NOTIFY round trip p50: {base * 1000:.2f} ms")
    with realtime_node(dsn, settings) as port:
        for size in sizes:
            figures = await run_size(
                size, port, dsn, campaign, players, settings.jwt_secret.get_secret_value()
            )
            print(
                f"N={size:5d}  commit→delivery p50 {figures['p50_ms']:6.1f} ms  "
                f"(first subscriber p50 {figures['first_p50_ms']:5.1f} ms)  "
                f"p99 {figures['p99_ms']:6.1f} ms  (x{figures['p50_ms'] / (base * 1000):.1f} "
                f"baseline)  burst {figures['deliveries']:.0f}/{figures['expected']:.0f} "
                f"RLS-checked deliveries at {figures['deliveries_per_s']:8.0f}/s  "
                f"broadcast fan-out {figures['broadcast_msgs_per_s']:8.0f} msgs/s"
            )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"drop database if exists {DATABASE} with (force)")
    print(f"total {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    arguments = parser.parse_args()
    asyncio.run(main([int(size) for size in arguments.sizes.split(",")]))
