"""Realtime: commit → delivery latency, RLS-checked deliveries/s and broadcast fan-out.

Run from the repository root with a running stack: `RFL_ENV_FILE=... .venv/bin/python
bench/bench_realtime.py [--sizes 10,100,1000]`. It creates a scratch database (all migrations), a
campaign whose N members each hold one websocket subscribed to the campaign's dice_rolls
(`campaign_id=eq.<id>`, RLS-checked; 1 roll in 5 is a whisper only its roller and the GM see),
starts one realtime node as a subprocess, and drives it with bare V1 websocket clients here.
`BENCH_PROFILE=<file>` runs the node under cProfile and prints its top functions.
Latency is measured from the moment the inserting COMMIT returned to the moment a client
decoded the frame (same machine, same clock). The baseline is a bare LISTEN/NOTIFY round trip
between two connections in this process; the ratio is realtime p50 / baseline p50.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pstats
import signal
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
def realtime_node(dsn: str, settings: Any) -> Iterator[tuple[int, int]]:
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
    profile = os.environ.get("BENCH_PROFILE")
    profiler = ["-m", "cProfile", "-o", profile] if profile else []
    process = subprocess.Popen(
        [sys.executable, *profiler, "-m", "native_platform.realtime"],
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
        yield port, process.pid
    finally:
        # uvicorn re-raises the signal after shutdown: SIGINT lets cProfile write its file.
        process.send_signal(signal.SIGINT)
        process.wait(timeout=15)


class Client(asyncio.Protocol):
    """One subscriber on a bare TCP socket speaking just enough websocket to count frames: it
    records (receive time, client_seed) of every postgres_changes frame and counts broadcasts.
    Parsing is a few byte searches per frame, so 1,000 of them cost little next to the server."""

    def __init__(self, port: int, token: str, topic: str, campaign: str) -> None:
        self.port, self.token, self.topic, self.campaign = port, token, topic, campaign
        self.changes: list[tuple[float, str]] = []
        self.broadcasts = 0
        self.joined = asyncio.Event()
        self.closed = asyncio.Event()
        self.transport: Any = None
        self._buffer = bytearray()
        self._upgraded = False

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.create_connection(lambda: self, "127.0.0.1", self.port)
        await self.closed.wait()

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        transport.write(
            (
                f"GET /websocket?vsn=1.0.0&apikey={self.token} HTTP/1.1\r\n"
                f"Host: 127.0.0.1:{self.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: cmZsLWJlbmNoLWNsaWVudA==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )

    def connection_lost(self, _exc: Exception | None) -> None:
        self.closed.set()

    def send(self, message: dict[str, Any], opcode: int = 0x1) -> None:
        self._send_frame(orjson.dumps(message), opcode)

    def _send_frame(self, payload: bytes, opcode: int) -> None:
        """Client frames must be masked; an all-zero mask leaves the payload as it is."""
        size = len(payload)
        if size < 126:
            header = bytes([0x80 | opcode, 0x80 | size])
        elif size < 65536:
            header = bytes([0x80 | opcode, 0x80 | 126]) + size.to_bytes(2, "big")
        else:
            header = bytes([0x80 | opcode, 0x80 | 127]) + size.to_bytes(8, "big")
        self.transport.write(header + b"\0\0\0\0" + payload)

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        self._buffer += data
        if not self._upgraded:
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            del self._buffer[: end + 4]
            self._upgraded = True
            self._join()
        while (frame := self._next_frame()) is not None:
            self._on_frame(frame[0], frame[1], now)

    def _next_frame(self) -> tuple[int, bytes] | None:
        buffer = self._buffer
        if len(buffer) < 2:
            return None
        size, start = buffer[1] & 0x7F, 2
        if size == 126:
            size, start = int.from_bytes(buffer[2:4], "big"), 4
        elif size == 127:
            size, start = int.from_bytes(buffer[2:10], "big"), 10
        if len(buffer) < start + size:
            return None
        payload = bytes(buffer[start : start + size])
        opcode = buffer[0] & 0x0F
        del buffer[: start + size]
        return opcode, payload

    def _on_frame(self, opcode: int, payload: bytes, now: float) -> None:
        if opcode == 0x9:
            self._send_frame(payload, 0xA)
        elif opcode == 0x8:
            self.transport.close()
        elif (at := payload.find(b'"client_seed":"')) >= 0:
            self.changes.append((now, payload[at + 15 : at + 47].decode()))
        elif payload.find(b'"event":"broadcast"') >= 0:
            self.broadcasts += 1
        elif payload.find(b'"event":"system"') >= 0:
            self.joined.set()

    def _join(self) -> None:
        binding = {
            "event": "INSERT",
            "schema": "public",
            "table": "dice_rolls",
            "filter": f"campaign_id=eq.{self.campaign}",
        }
        config = {"broadcast": {"self": False}, "postgres_changes": [binding]}
        self.send(
            {
                "topic": self.topic,
                "event": "phx_join",
                "ref": "1",
                "join_ref": "1",
                "payload": {"config": config, "access_token": self.token},
            }
        )

    async def broadcast(self, number: int) -> None:
        payload = {"type": "broadcast", "event": "b", "payload": {"n": number}}
        self.send(
            {
                "topic": self.topic,
                "event": "broadcast",
                "ref": None,
                "join_ref": "1",
                "payload": payload,
            }
        )

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


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


def node_cpu(pid: int) -> float:
    """CPU seconds (user + system) the node process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def run_size(
    size: int, node: tuple[int, int], dsn: str, campaign: str, players: list[str], secret: str
) -> dict[str, float]:
    port, pid = node
    members = players[:size]
    clients = []
    for user in members:
        token = jwt.encode(
            {"sub": user, "role": "authenticated", "exp": int(time.time()) + 3600},
            secret,
            algorithm="HS256",
        )
        clients.append(Client(port, token, f"realtime:campaign-feed:{campaign}", campaign))
    tasks = [asyncio.create_task(c.run()) for c in clients]
    for batch in range(0, size, 100):
        await asyncio.wait_for(
            asyncio.gather(*(c.joined.wait() for c in clients[batch : batch + 100])), 60
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
    cpu = node_cpu(pid)
    start = time.perf_counter()
    await burst_rolls(dsn, campaign, members, burst)
    expected = expected_deliveries(burst, size)
    await wait_quiet(clients, expected, 60)
    received = [at for c in clients for at, _ in c.changes]
    results["deliveries"] = len(received)
    results["expected"] = expected
    results["deliveries_per_s"] = len(received) / (max(received) - start) if received else 0.0
    # The node's own CPU per delivery: unlike latency, hardly moved by other load on the machine.
    results["cpu_us_per_delivery"] = (node_cpu(pid) - cpu) / max(1, len(received)) * 1e6
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
    for client in clients:
        client.close()
    await asyncio.gather(*tasks, return_exceptions=True)
    return results


async def main(sizes: list[int]) -> None:
    settings = load_settings()
    admin = settings.database_url.get_secret_value()
    began = time.monotonic()
    dsn, campaign, _, players = prepare_database(admin, max(sizes))
    base = await baseline(dsn)
    print(f"baseline LISTEN/NOTIFY round trip p50: {base * 1000:.2f} ms")
    with realtime_node(dsn, settings) as node:
        for size in sizes:
            figures = await run_size(
                size, node, dsn, campaign, players, settings.jwt_secret.get_secret_value()
            )
            print(
                f"N={size:5d}  commit→delivery p50 {figures['p50_ms']:6.1f} ms  "
                f"(first subscriber p50 {figures['first_p50_ms']:5.1f} ms)  "
                f"p99 {figures['p99_ms']:6.1f} ms  (x{figures['p50_ms'] / (base * 1000):.1f} "
                f"baseline)  burst {figures['deliveries']:.0f}/{figures['expected']:.0f} "
                f"RLS-checked deliveries at {figures['deliveries_per_s']:8.0f}/s "
                f"({figures['cpu_us_per_delivery']:.0f} µs node CPU each)  "
                f"broadcast fan-out {figures['broadcast_msgs_per_s']:8.0f} msgs/s"
            )
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"drop database if exists {DATABASE} with (force)")
    print(f"total {time.monotonic() - began:.0f} s")
    if profile := os.environ.get("BENCH_PROFILE"):
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    arguments = parser.parse_args()
    asyncio.run(main([int(size) for size in arguments.sizes.split(",")]))
