"""Storage throughput: upload and download MB/s of 1 MB and 100 MB objects through the storage
service, against a plain file copy and a direct S3 put/get of the same bytes in the same run,
and list latency on a bucket of 10,000 objects.

Run with the stack's env file: `RFL_ENV_FILE=.local/<you>/.env .venv/bin/python
bench/bench_storage.py [--rounds 3] [--large-mb 100] [--objects 10000]`. It creates its own
scratch database (all migrations), starts moto's S3 server and the storage service (uvicorn,
one worker) in processes of their own on free loopback ports — once with the file backend,
once with the S3 backend — and removes everything afterwards. Requests go straight to the
service (no gateway) as the service role, raw bodies (no multipart). Figures are medians of
`--rounds` rounds; 1 MB figures time 10 objects per round.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import httpx
import psycopg

from native_platform.scratch import migrated_database
from native_platform.settings import StackSettings, load_settings

ROOT = Path(__file__).resolve().parents[1]
MB = 1_000_000
SMALL_PER_ROUND = 10
S3_BUCKET = "rfl-bench-storage"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_up(url: str, process: subprocess.Popen[bytes], path: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}{path}").status_code < 500:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


@contextmanager
def process(command: list[str], env: dict[str, str], url: str, path: str) -> Iterator[str]:
    server = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
    try:
        wait_up(url, server, path)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


@contextmanager
def moto_server() -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    with process(command, dict(os.environ), url, "/"):
        yield url


@contextmanager
def storage_server(login: str, root: Path, s3_url: str | None) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "RFL_STORAGE_DATABASE_URL": login,
        "RFL_STORAGE_FILE_ROOT": str(root),
        "RFL_STORAGE_FILE_SIZE_LIMIT": str(200 * 1024 * 1024),
        "RFL_STORAGE_BACKEND": "s3" if s3_url else "file",
    }
    if s3_url:
        env |= {
            "RFL_STORAGE_S3_BUCKET": S3_BUCKET,
            "RFL_STORAGE_S3_ENDPOINT_URL": s3_url,
            "RFL_STORAGE_S3_ACCESS_KEY_ID": "bench",
            "RFL_STORAGE_S3_SECRET_ACCESS_KEY": "bench",
        }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "functions.storage.main:create_app",
        "--port",
        str(port),
        "--log-level",
        "warning",
    ]
    with process(command, env, f"http://127.0.0.1:{port}", "/status") as url:
        yield url


def median_mbps(rounds: int, size: int, count: int, action: Callable[[int], object]) -> float:
    rates, n = [], 0
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(count):
            n += 1
            action(n)
        rates.append(size * count / MB / (time.perf_counter() - start))
    return statistics.median(rates)


def s3_client(url: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )


def service_rates(url: str, key: str, body: bytes, count: int, rounds: int) -> tuple[float, float]:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/octet-stream"}
    with httpx.Client(base_url=url, headers=headers, timeout=300) as client:

        def upload(n: int) -> None:
            response = client.post(f"/object/bench/{len(body)}/{n}", content=body)
            response.raise_for_status()

        def download(n: int) -> None:
            with client.stream("GET", f"/object/bench/{len(body)}/{n}") as response:
                response.raise_for_status()
                for _ in response.iter_bytes(1024 * 1024):
                    pass

        up = median_mbps(rounds, len(body), count, upload)
        down = median_mbps(rounds, len(body), count, download)
    return up, down


def file_rates(folder: Path, body: bytes, count: int, rounds: int) -> tuple[float, float]:
    source = folder / "source"
    source.write_bytes(body)

    def copy(n: int) -> None:
        shutil.copyfile(source, folder / f"copy-{n}")

    def read(n: int) -> None:
        with (folder / f"copy-{n}").open("rb") as handle:
            while handle.read(1024 * 1024):
                pass

    return median_mbps(rounds, len(body), count, copy), median_mbps(rounds, len(body), count, read)


def s3_rates(url: str, body: bytes, count: int, rounds: int) -> tuple[float, float]:
    client = s3_client(url)
    bucket = S3_BUCKET + "-direct"
    client.create_bucket(Bucket=bucket)

    def put(n: int) -> None:
        client.put_object(Bucket=bucket, Key=f"{len(body)}/{n}", Body=body)

    def get(n: int) -> None:
        stream = client.get_object(Bucket=bucket, Key=f"{len(body)}/{n}")["Body"]
        while stream.read(1024 * 1024):
            pass

    return median_mbps(rounds, len(body), count, put), median_mbps(rounds, len(body), count, get)


def list_latency(url: str, key: str, dsn: str, objects: int, rounds: int) -> dict[str, float]:
    """Rows only (listing reads no file): `objects` keys in folders of 100."""
    with psycopg.connect(dsn, autocommit=True) as db:
        db.execute("insert into storage.buckets (id, name) values ('listing', 'listing')")
        db.execute(
            "insert into storage.objects (bucket_id, name, version, metadata)"
            " select 'listing', pg_catalog.format('f%%s/o%%s.png', lpad((i / 100)::text, 4, '0'),"
            " lpad(i::text, 6, '0')), gen_random_uuid()::text,"
            " jsonb_build_object('size', 1, 'mimetype', 'image/png')"
            " from generate_series(0, %s - 1) as i",
            (objects,),
        )
    headers = {"Authorization": f"Bearer {key}"}
    bodies = {
        "root (100 folders)": {"prefix": "", "limit": 100},
        "one folder (100 files)": {"prefix": "f0042", "limit": 100},
        "search in a folder": {"prefix": "f0042", "limit": 100, "search": "o0042"},
    }
    found: dict[str, float] = {}
    with httpx.Client(base_url=url, headers=headers) as client:
        for label, body in bodies.items():
            times = []
            for _ in range(rounds * 10):
                start = time.perf_counter()
                client.post("/object/list/listing", json=body).raise_for_status()
                times.append(time.perf_counter() - start)
            found[label] = statistics.median(times) * 1000
    return found


def run(stack: StackSettings, args: argparse.Namespace) -> None:
    key = stack.service_role_key.get_secret_value()
    sizes = [(1 * MB, SMALL_PER_ROUND), (args.large_mb * MB, 1)]
    bodies = {size: os.urandom(size) for size, _ in sizes}
    rows: list[tuple[str, float, float, float, float, float, float]] = []
    with (
        migrated_database(stack, f"rfl_bench_storage_{os.getpid()}") as dsn,
        tempfile.TemporaryDirectory(prefix="rfl-bench-storage-") as scratch,
        moto_server() as s3_url,
    ):
        login = stack.authenticator_url(dsn.rsplit("/", 1)[1])
        with psycopg.connect(dsn, autocommit=True) as db:
            db.execute("insert into storage.buckets (id, name) values ('bench', 'bench')")
        folder = Path(scratch)
        baseline = folder / "baseline"
        baseline.mkdir()
        results: dict[str, dict[int, tuple[float, float]]] = {"file": {}, "s3": {}}
        for backend, endpoint in (("file", None), ("s3", s3_url)):
            root = folder / backend
            with storage_server(login, root, endpoint) as url:
                for size, count in sizes:
                    results[backend][size] = service_rates(
                        url, key, bodies[size], count, args.rounds
                    )
                    with psycopg.connect(dsn, autocommit=True) as db:
                        db.execute("delete from storage.objects where bucket_id = 'bench'")
                if backend == "file":
                    listing = list_latency(url, key, dsn, args.objects, args.rounds)
        for size, count in sizes:
            copy = file_rates(baseline, bodies[size], count, args.rounds)
            direct = s3_rates(s3_url, bodies[size], count, args.rounds)
            file_up, file_down = results["file"][size]
            s3_up, s3_down = results["s3"][size]
            label = f"{size // MB} MB"
            rows.append(
                (
                    f"{label} upload",
                    file_up,
                    copy[0],
                    file_up / copy[0],
                    s3_up,
                    direct[0],
                    s3_up / direct[0],
                )
            )
            rows.append(
                (
                    f"{label} download",
                    file_down,
                    copy[1],
                    file_down / copy[1],
                    s3_down,
                    direct[1],
                    s3_down / direct[1],
                )
            )
            for path in baseline.iterdir():
                path.unlink()
    print(
        f"Storage MB/s (median of {args.rounds} rounds; 1 MB rounds move {SMALL_PER_ROUND} objects)"
    )
    heads = ("file svc", "file cp", "ratio", "s3 svc", "s3 put", "ratio")
    print(f"{'':18}" + "".join(f"{h:>10}" if h != "ratio" else f"{h:>7}" for h in heads))
    for label, fs, fc, fr, ss, sd, sr in rows:
        print(f"{label:18}{fs:10.1f}{fc:10.1f}{fr:7.2f}{ss:10.1f}{sd:10.1f}{sr:7.2f}")
    print(f"List latency, bucket of {args.objects} objects (median, ms)")
    for label, ms in listing.items():
        print(f"  {label:28}{ms:8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="bench/bench_storage.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--large-mb", type=int, default=100)
    parser.add_argument("--objects", type=int, default=10_000)
    run(load_settings(), parser.parse_args())


if __name__ == "__main__":
    main()
