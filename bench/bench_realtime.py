"""Realtime: commit → delivery latency, RLS-checked deliveries/s, broadcast fan-out, scaling.

Run from the repository root with a running stack: `RFL_ENV_FILE=... .venv/bin/python
bench/bench_realtime.py [--sizes 10,100,1000] [--runs 3]`. It starts a private Postgres cluster
(port 26510, so other work on the shared cluster neither loads its WAL decoding nor is loaded by
it; `--cluster stack` uses the stack's), creates a database (all migrations), a campaign whose N
members each hold one websocket subscribed to the campaign's dice_rolls (`campaign_id=eq.<id>`,
RLS-checked; 1 roll in 5 is a whisper only its roller and the GM see), starts realtime nodes as
subprocesses (ports 26520+) and drives them with bare V1 websocket clients here.
Latency is measured from the moment the inserting COMMIT returned to the moment a client
decoded the frame (same machine, same clock). The baseline is a bare LISTEN/NOTIFY round trip
between two connections in this process; the ratio is realtime p50 / baseline p50. The last
line is the verdict against issue 19's aim at 1,000 subscribers (medians of the runs).

`--scale 1000,2500,5000,10000 [--nodes 1,2]` prints the scaling table instead: per number of
subscribed sockets (spread over 1 or 2 nodes), node memory per socket, p50/p99 and deliveries/s.
`--py-spy FILE` samples the node with py-spy (raw collapsed stacks in FILE) and prints where its
time goes; `BENCH_PROFILE=<file>` runs it under cProfile instead.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import pstats
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import jwt  # noqa: E402
import orjson  # noqa: E402
import psycopg  # noqa: E402
import uvloop  # noqa: E402

from native_platform.database import configure_secrets  # noqa: E402
from native_platform.migrations import apply_migrations  # noqa: E402
from native_platform.postgres import PostgresCluster  # noqa: E402
from native_platform.settings import StackSettings, load_settings  # noqa: E402

DATABASE = "rfl_bench_realtime"
CLUSTER_PORT = 26510
NODE_PORTS = (26520, 26521)
AIM_P50_MS, AIM_P99_MS = 20.0, 50.0
BENCH_USERS_WITH_TRIGGERS = 1000
HEARTBEAT_SECONDS = 20
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


@contextmanager
def database_server(kind: str, settings: StackSettings) -> Iterator[str]:
    """The admin DSN (database `postgres`) of a private cluster, or of the stack's."""
    if kind == "stack":
        yield settings.database_url.get_secret_value().rsplit("/", 1)[0] + "/postgres"
        return
    password = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory(prefix="rfl-bench-realtime-") as root:
        os.chmod(root, 0o755)  # noqa: S103  (the cluster may run as the service user)
        cluster = PostgresCluster(Path(root) / "postgres", CLUSTER_PORT, durable=False)
        cluster.initialize(password)
        cluster.start()
        try:
            yield f"postgresql://postgres:{password}@127.0.0.1:{CLUSTER_PORT}/postgres"
        finally:
            cluster.stop()


def prepare_database(
    admin: str, members: int, settings: StackSettings
) -> tuple[str, str, str, list[str]]:
    """(dsn, campaign, gm, players) in a fresh database with all migrations applied."""
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"drop database if exists {DATABASE} with (force)")
        conn.execute(f"create database {DATABASE}")
        # As in production: a test cluster commits asynchronously, and logical decoding reads
        # only flushed WAL, so a change would wait for the WAL writer (up to 200 ms and more).
        conn.execute(f"alter database {DATABASE} set synchronous_commit = on")
    dsn = admin.rsplit("/", 1)[0] + f"/{DATABASE}"
    apply_migrations(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        configure_secrets(conn, settings)
        conn.execute("update rate_limit.limits set capacity = 1000000, refill_per_second = 1e6")
        users = [
            str(row[0])
            for row in conn.execute(
                "insert into auth.users (email) select 'b' || g || '@bench.test' "
                "from generate_series(0, %s::int) g returning id",
                (min(members, BENCH_USERS_WITH_TRIGGERS),),
            ).fetchall()
        ]
        if members > BENCH_USERS_WITH_TRIGGERS:
            # Users past the first thousand need only their row (no profile, identity or
            # audit): the per-row triggers would take minutes for the scaling table.
            conn.execute("set session_replication_role = replica")
            users += [
                str(row[0])
                for row in conn.execute(
                    "insert into auth.users (email) select 'b' || g || '@bench.test' "
                    "from generate_series(%s::int, %s::int) g returning id",
                    (BENCH_USERS_WITH_TRIGGERS + 1, members),
                ).fetchall()
            ]
            conn.execute("reset session_replication_role")
        gm, players = users[0], users[1:]
        campaign = str(
            conn.execute(
                "insert into public.campaigns (owner_id, name, target_language) "
                "values (%s, 'Bench', 'es') returning id",
                (gm,),
            ).fetchone()[0]  # type: ignore[index]
        )
        for start in range(0, len(players), BENCH_USERS_WITH_TRIGGERS):
            if start:
                conn.execute("set session_replication_role = replica")
            conn.execute(
                "insert into public.campaign_members (campaign_id, user_id) "
                "select %s, unnest(%s::uuid[])",
                (campaign, players[start : start + BENCH_USERS_WITH_TRIGGERS]),
            )
        conn.execute("reset session_replication_role")
    return dsn, campaign, gm, players


@contextmanager
def realtime_node(dsn: str, settings: Any, port: int, spy: str | None = None) -> Iterator[int]:
    """A realtime node subprocess on `port`; yields its pid."""
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
    }
    profile = os.environ.get("BENCH_PROFILE")
    profiler = ["-m", "cProfile", "-o", profile] if profile else []
    command = [sys.executable, *profiler, "-m", "native_platform.realtime"]
    if spy:
        spy_bin = str(Path(sys.executable).parent / "py-spy")
        command = [spy_bin, "record", "-f", "raw", "-r", "200", "-o", spy, "--", *command]
    process = subprocess.Popen(
        command, env=environment, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        yield _python_pid(process.pid) if spy else process.pid
    finally:
        # uvicorn re-raises the signal after shutdown: SIGINT lets cProfile write its file.
        target = _python_pid(process.pid) if spy else process.pid
        os.kill(target, signal.SIGINT)
        process.wait(timeout=30)


def _python_pid(parent: int) -> int:
    """The node under py-spy is py-spy's child."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return int(children[0]) if children else parent


def node_rss(pid: int) -> int:
    """Resident bytes of a process."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def spy_summary(path: str, top: int = 20) -> str:
    """Share of samples per function (own time) and per realtime function (inclusive)."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in Path(path).read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [frame.split(" (")[0] + " (" + frame.split(" (")[-1] for frame in stack.split(";")]
        if any("select" in frame or "epoll" in frame for frame in frames[-1:]):
            continue  # idle in the event loop's poll
        total += count
        own[frames[-1]] += count
        for frame in set(frames):
            if "native_platform/realtime/" in frame:
                inclusive[frame] += count
    lines = [f"py-spy: {total} busy samples (idle poll excluded)", "own time:"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    lines.append("inclusive, realtime functions:")
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    return "\n".join(lines)


class Client(asyncio.Protocol):
    """One subscriber on a bare TCP socket speaking just enough websocket to count frames: it
    records (receive time, client_seed) of every postgres_changes frame and counts broadcasts.
    Parsing is a few byte searches per frame, so 1,000 of them cost little next to the server."""

    def __init__(self, port: int, token: str, topic: str, campaign: str, user: str) -> None:
        self.port, self.token, self.topic, self.campaign = port, token, topic, campaign
        self.user = user
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
        # A socket silent for 60 s is closed by the node (as by Phoenix): with 10,000 of them
        # connecting takes long enough for the first ones to be dropped before the burst.
        while not self.closed.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.closed.wait(), HEARTBEAT_SECONDS)
            if not self.closed.is_set() and self._upgraded:
                self.send({"topic": "phoenix", "event": "heartbeat", "payload": {}, "ref": "hb"})

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


def raise_file_limit() -> None:
    """Every client socket is a descriptor here (and every server socket one in a node, which
    inherits the limit): raise the soft limit to the hard one."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def connect_clients(
    ports: list[int], campaign: str, members: list[str], secret: str
) -> tuple[list[Client], list[asyncio.Task[None]]]:
    """One subscribed socket per member, spread round-robin over the nodes' ports."""
    clients = []
    for number, user in enumerate(members):
        token = jwt.encode(
            {"sub": user, "role": "authenticated", "exp": int(time.time()) + 3600},
            secret,
            algorithm="HS256",
        )
        port = ports[number % len(ports)]
        topic = f"realtime:campaign-feed:{campaign}"
        clients.append(Client(port, token, topic, campaign, user))
    tasks = []
    for batch in range(0, len(clients), 100):
        tasks += [asyncio.create_task(c.run()) for c in clients[batch : batch + 100]]
        await asyncio.wait_for(
            asyncio.gather(*(c.joined.wait() for c in clients[batch : batch + 100])), 120
        )
    return clients, tasks


async def measure(
    clients: list[Client],
    pids: list[int],
    dsn: str,
    campaign: str,
    inserts: int,
    burst: int,
) -> dict[str, float]:
    """Latency over `inserts` spaced rolls, then deliveries/s over a burst of `burst` rolls."""
    size = len(clients)
    rollers = [c.user for c in clients]
    results: dict[str, float] = {}
    for client in clients:
        client.changes.clear()
    # Spaced so the node is not saturated (the burst below measures saturation).
    spacing = max(0.02, size / LATENCY_DELIVERY_RATE)
    committed = await insert_rolls(dsn, campaign, rollers, range(inserts), spacing)
    await wait_quiet(clients, expected_deliveries(inserts, size), 15 + size / 1000)
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
    cpu = sum(node_cpu(pid) for pid in pids)
    start = time.perf_counter()
    await burst_rolls(dsn, campaign, rollers, burst)
    expected = expected_deliveries(burst, size)
    await wait_quiet(clients, expected, 60)
    received = [at for c in clients for at, _ in c.changes]
    results["deliveries"] = len(received)
    results["expected"] = expected
    results["deliveries_per_s"] = len(received) / (max(received) - start) if received else 0.0
    # The nodes' own CPU per delivery: unlike latency, hardly moved by other load on the machine.
    cpu_used = sum(node_cpu(pid) for pid in pids) - cpu
    results["cpu_us_per_delivery"] = cpu_used / max(1, len(received)) * 1e6
    return results


async def broadcast_rate(clients: list[Client]) -> float:
    start = time.perf_counter()
    for number in range(BROADCASTS):
        await clients[0].broadcast(number)
    want = BROADCASTS * (len(clients) - 1)
    deadline = time.monotonic() + 60
    while sum(c.broadcasts for c in clients) < want and time.monotonic() < deadline:
        await asyncio.sleep(0.01)
    return sum(c.broadcasts for c in clients) / (time.perf_counter() - start)


async def close_clients(clients: list[Client], tasks: list[asyncio.Task[None]]) -> None:
    for client in clients:
        client.close()
    await asyncio.gather(*tasks, return_exceptions=True)


def median_of(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def describe(size: int, figures: dict[str, float], base: float) -> str:
    return (
        f"N={size:5d}  commit→delivery p50 {figures['p50_ms']:6.1f} ms  "
        f"(first subscriber p50 {figures['first_p50_ms']:5.1f} ms)  "
        f"p99 {figures['p99_ms']:6.1f} ms  (x{figures['p50_ms'] / (base * 1000):.1f} "
        f"baseline)  burst {figures['deliveries']:.0f}/{figures['expected']:.0f} "
        f"RLS-checked deliveries at {figures['deliveries_per_s']:8.0f}/s "
        f"({figures['cpu_us_per_delivery']:.0f} µs node CPU each)"
    )


async def standard(
    sizes: list[int],
    runs: int,
    dsn: str,
    campaign: str,
    players: list[str],
    settings: Any,
    base: float,
) -> dict[int, dict[str, float]]:
    """Each size on one node, `runs` times; prints every run and the medians."""
    medians: dict[int, dict[str, float]] = {}
    spy = os.environ.get("BENCH_PYSPY")
    with realtime_node(dsn, settings, NODE_PORTS[0], spy) as pid:
        for size in sizes:
            clients, tasks = await connect_clients(
                [NODE_PORTS[0]], campaign, players[:size], settings.jwt_secret.get_secret_value()
            )
            measured = []
            for run in range(runs):
                burst = max(20, min(1000, BURST_DELIVERIES // size))
                figures = await measure(clients, [pid], dsn, campaign, LATENCY_INSERTS, burst)
                measured.append(figures)
                print(f"run {run + 1}: {describe(size, figures, base)}", flush=True)
            medians[size] = median_of(measured)
            fan_out = await broadcast_rate(clients)
            print(
                f"median of {runs}: {describe(size, medians[size], base)}  "
                f"broadcast fan-out {fan_out:8.0f} msgs/s",
                flush=True,
            )
            await close_clients(clients, tasks)
    if spy:
        print(spy_summary(spy))
    return medians


async def scaling(
    sizes: list[int],
    node_counts: list[int],
    dsn: str,
    campaign: str,
    players: list[str],
    settings: Any,
) -> None:
    """The scaling table: fresh nodes per row, sockets spread over them."""
    print(
        "nodes  sockets  node RSS MiB  KiB/socket  p50 ms  p99 ms  first p50 ms  "
        "deliveries/s  µs CPU/delivery  delivered",
        flush=True,
    )
    secret = settings.jwt_secret.get_secret_value()
    for count in node_counts:
        for size in sizes:
            with ExitStack() as stack:
                ports = list(NODE_PORTS[:count])
                pids = [stack.enter_context(realtime_node(dsn, settings, port)) for port in ports]
                await asyncio.sleep(1)
                before = sum(node_rss(pid) for pid in pids)
                clients, tasks = await connect_clients(ports, campaign, players[:size], secret)
                rss = sum(node_rss(pid) for pid in pids)
                burst = max(5, min(200, 50_000 // size))
                figures = await measure(clients, pids, dsn, campaign, 8, burst)
                per_socket = (rss - before) / size / 1024
                print(
                    f"{count:5d}  {size:7d}  {rss / 2**20:12.0f}  {per_socket:10.1f}"
                    f"  {figures['p50_ms']:6.0f}  {figures['p99_ms']:6.0f}  "
                    f"{figures['first_p50_ms']:12.0f}  {figures['deliveries_per_s']:12.0f}  "
                    f"{figures['cpu_us_per_delivery']:15.1f}  "
                    f"{figures['deliveries']:.0f}/{figures['expected']:.0f}",
                    flush=True,
                )
                await close_clients(clients, tasks)


async def main(arguments: argparse.Namespace) -> None:
    settings = load_settings()
    raise_file_limit()
    began = time.monotonic()
    sizes = [int(size) for size in (arguments.scale or arguments.sizes).split(",")]
    if arguments.py_spy:
        os.environ["BENCH_PYSPY"] = arguments.py_spy
    with database_server(arguments.cluster, settings) as admin:
        dsn, campaign, _, players = prepare_database(admin, max(sizes), settings)
        base = await baseline(dsn)
        print(f"baseline LISTEN/NOTIFY round trip p50: {base * 1000:.2f} ms", flush=True)
        print(f"machine: {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f} at start", flush=True)
        if arguments.scale:
            node_counts = [int(n) for n in arguments.nodes.split(",")]
            await scaling(sizes, node_counts, dsn, campaign, players, settings)
        else:
            medians = await standard(sizes, arguments.runs, dsn, campaign, players, settings, base)
            if 1000 in medians:
                p50, p99 = medians[1000]["p50_ms"], medians[1000]["p99_ms"]
                met = p50 <= AIM_P50_MS and p99 <= AIM_P99_MS
                print(
                    f"verdict: at 1,000 RLS subscribers p50 {p50:.1f} ms (aim ≤ {AIM_P50_MS:.0f}),"
                    f" p99 {p99:.1f} ms (aim ≤ {AIM_P99_MS:.0f}), medians of "
                    f"{arguments.runs}: {'MET' if met else 'NOT MET'}"
                )
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"drop database if exists {DATABASE} with (force)")
    print(f"load {os.getloadavg()[0]:.2f} at end; total {time.monotonic() - began:.0f} s")
    if profile := os.environ.get("BENCH_PROFILE"):
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", help="socket counts of the scaling table, e.g. 1000,10000")
    parser.add_argument("--nodes", default="1,2", help="node counts of the scaling table")
    parser.add_argument("--cluster", choices=("own", "stack"), default="own")
    parser.add_argument("--py-spy", dest="py_spy", help="raw py-spy samples of the node here")
    # The clients stand in for browsers on other machines; here they share the node's two
    # cores, so they run on uvloop (as the node does under uvicorn) to take less of them.
    uvloop.run(main(parser.parse_args()))
