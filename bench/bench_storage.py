"""Storage throughput: upload and download MB/s of 1 MB and 100 MB objects through the storage
service, against a plain file copy and a direct S3 put/get of the same bytes in the same run,
and list latency on a bucket of 10,000 objects.

Run with the stack's env file: `RFL_ENV_FILE=.local/<you>/.env .venv/bin/python
bench/bench_storage.py [--rounds 3] [--large-mb 100] [--objects 10000]`. It creates its own
scratch database (all migrations), starts moto's S3 server and the storage service (uvicorn,
one worker each) in processes of their own on free loopback ports of 26300-26399 — one with
the file backend, one with the S3 backend — and removes everything afterwards. Requests go
straight to the service (no gateway) as the service role, raw bodies (no multipart). Each round
times the movers in turn (file service, file copy, S3 service, direct S3 put/get, and boto3's
managed multipart upload with the service's part size: the same S3 requests the service makes
past one part), so load on a shared machine hits them alike; figures are medians of
`--rounds` rounds, ratios the median of each round's service/baseline ratio; 1 MB figures
time 10 objects per round. The load average is printed before and after.
"""

from __future__ import annotations

import argparse
import io
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
from boto3.s3.transfer import TransferConfig

from native_platform.scratch import migrated_database
from native_platform.settings import StackSettings, load_settings

ROOT = Path(__file__).resolve().parents[1]
MB = 1_000_000
SMALL_PER_ROUND = 10
S3_BUCKET = "rfl-bench-storage"
PART_SIZE = 8 * 1024 * 1024  # the service's default RFL_STORAGE_S3_PART_SIZE


# The storage area's own port range on shared machines (moto and the service).
PORTS = range(26300, 26400)


# Service throughput as a share of a plain file copy and of a direct S3 put (issue 16).
STORAGE_AIM = 0.5


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 26300-26399")


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
def process(
    command: list[str], env: dict[str, str], url: str, path: str, cwd: Path = ROOT
) -> Iterator[str]:
    server = subprocess.Popen(command, cwd=cwd, env=env, stderr=subprocess.DEVNULL)
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
def storage_server(
    login: str, root: Path, s3_url: str | None, source: Path = ROOT
) -> Iterator[str]:
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
    with process(command, env, f"http://127.0.0.1:{port}", "/status", source) as url:
        yield url


def mbps(size: int, count: int, action: Callable[[int], object], first: int) -> float:
    """MB/s of `count` actions on objects numbered from `first`."""
    start = time.perf_counter()
    for n in range(first, first + count):
        action(n)
    return size * count / MB / (time.perf_counter() - start)


def s3_client(url: str) -> Any:
    return boto3.client(
        "s3",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )


class Service:
    """Uploads and downloads through the storage service (raw bodies, service role)."""

    def __init__(self, url: str, key: str, bucket: str, body: bytes) -> None:
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/octet-stream"}
        self.client = httpx.Client(base_url=url, headers=headers, timeout=300)
        self.bucket, self.body = bucket, body

    def put(self, n: int) -> None:
        self.client.post(
            f"/object/{self.bucket}/{len(self.body)}/{n}", content=self.body
        ).raise_for_status()

    def get(self, n: int) -> None:
        with self.client.stream("GET", f"/object/{self.bucket}/{len(self.body)}/{n}") as response:
            response.raise_for_status()
            for _ in response.iter_bytes(1024 * 1024):
                pass

    def clear(self, numbers: range) -> None:
        names = [f"{len(self.body)}/{n}" for n in numbers]
        answer = self.client.request(
            "DELETE",
            f"/object/{self.bucket}",
            json={"prefixes": names},
            headers={"Content-Type": "application/json"},
        )
        if answer.status_code != 200:
            raise RuntimeError(answer.text)


class FileCopy:
    """The plain-file baseline: copy a source file, read the copy."""

    def __init__(self, folder: Path, body: bytes) -> None:
        self.folder = folder
        self.source = folder / "source"
        self.source.write_bytes(body)

    def put(self, n: int) -> None:
        shutil.copyfile(self.source, self.folder / f"copy-{n}")

    def get(self, n: int) -> None:
        with (self.folder / f"copy-{n}").open("rb") as handle:
            while handle.read(1024 * 1024):
                pass

    def clear(self, numbers: range) -> None:
        for n in numbers:
            (self.folder / f"copy-{n}").unlink(missing_ok=True)


class DirectS3:
    """The S3 baseline: boto3 put/get of the same bytes against the same server."""

    def __init__(self, url: str, body: bytes) -> None:
        self.client = s3_client(url)
        self.bucket = S3_BUCKET + "-direct"
        if self.bucket not in {b["Name"] for b in self.client.list_buckets()["Buckets"]}:
            self.client.create_bucket(Bucket=self.bucket)
        self.body = body

    def put(self, n: int) -> None:
        self.client.put_object(Bucket=self.bucket, Key=f"{len(self.body)}/{n}", Body=self.body)

    def get(self, n: int) -> None:
        stream = self.client.get_object(Bucket=self.bucket, Key=f"{len(self.body)}/{n}")["Body"]
        while stream.read(1024 * 1024):
            pass

    def clear(self, numbers: range) -> None:
        for n in numbers:
            self.client.delete_object(Bucket=self.bucket, Key=f"{len(self.body)}/{n}")


class DirectS3Multipart(DirectS3):
    """boto3's managed multipart upload with the service's part size and concurrency: the
    same S3 requests the service makes for a body past one part (moto assembles parts much
    slower than it stores one PUT, so this shows what part of the gap is S3's own)."""

    def __init__(self, url: str, body: bytes) -> None:
        super().__init__(url, body)
        self.config = TransferConfig(
            multipart_threshold=PART_SIZE, multipart_chunksize=PART_SIZE, max_concurrency=2
        )

    def put(self, n: int) -> None:
        key = f"mp/{len(self.body)}/{n}"
        self.client.upload_fileobj(io.BytesIO(self.body), self.bucket, key, Config=self.config)

    def get(self, n: int) -> None:
        stream = self.client.get_object(Bucket=self.bucket, Key=f"mp/{len(self.body)}/{n}")
        while stream["Body"].read(1024 * 1024):
            pass

    def clear(self, numbers: range) -> None:
        for n in numbers:
            self.client.delete_object(Bucket=self.bucket, Key=f"mp/{len(self.body)}/{n}")


Mover = Service | FileCopy | DirectS3
LABELS = ("file svc", "file cp", "s3 svc", "s3 direct")


def interleaved(movers: dict[str, Mover], size: int, count: int, rounds: int) -> dict[str, Any]:
    """Each round times every mover in turn (so a load spike on the shared machine hits all
    of them alike): uploads, then downloads of what was uploaded; medians over rounds, and
    the median of each round's service/baseline ratio."""
    rates: dict[tuple[str, str], list[float]] = {}
    for direction in ("put", "get"):
        for r in range(rounds):
            for label, mover in movers.items():
                action = getattr(mover, direction)
                rate = mbps(size, count, action, r * count)
                rates.setdefault((label, direction), []).append(rate)
    for mover in movers.values():
        mover.clear(range(rounds * count))
    found: dict[str, Any] = {}
    for direction in ("put", "get"):
        med = {label: statistics.median(rates[(label, direction)]) for label in movers}
        ratios = {
            base: statistics.median(
                svc / ref
                for svc, ref in zip(
                    rates[(svc_label, direction)], rates[(base, direction)], strict=True
                )
            )
            for svc_label, base in (
                ("file svc", "file cp"),
                ("s3 svc", "s3 direct"),
                ("s3 svc", "s3 multipart"),
            )
        }
        found[direction] = (med, ratios)
    return found


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
    requests: dict[str, tuple[str, dict[str, Any]]] = {
        "root (100 folders)": ("list", {"prefix": "", "limit": 100}),
        "one folder (100 files)": ("list", {"prefix": "f0042", "limit": 100}),
        "search in a folder": ("list", {"prefix": "f0042", "limit": 100, "search": "o0042"}),
        "list-v2 root, delimiter": ("list-v2", {"with_delimiter": True, "limit": 100}),
        "list-v2 folder, flat": ("list-v2", {"prefix": "f0042/", "limit": 100}),
        "list-v2 first 1000, flat": ("list-v2", {"limit": 1000}),
    }
    found: dict[str, float] = {}
    with httpx.Client(base_url=url, headers=headers) as client:
        for label, (route, body) in requests.items():
            times = []
            for _ in range(rounds * 10):
                start = time.perf_counter()
                client.post(f"/object/{route}/listing", json=body).raise_for_status()
                times.append(time.perf_counter() - start)
            found[label] = statistics.median(times) * 1000
    return found


def run(stack: StackSettings, args: argparse.Namespace) -> None:
    key = stack.service_role_key.get_secret_value()
    sizes = [(1 * MB, SMALL_PER_ROUND), (args.large_mb * MB, 1)]
    print(f"load before: {os.getloadavg()}")
    with (
        migrated_database(stack, f"rfl_bench_storage_{os.getpid()}") as dsn,
        tempfile.TemporaryDirectory(prefix="rfl-bench-storage-") as scratch,
        moto_server() as s3_url,
    ):
        login = stack.authenticator_url(dsn.rsplit("/", 1)[1])
        with psycopg.connect(dsn, autocommit=True) as db:
            db.execute(
                "insert into storage.buckets (id, name)"
                " values ('bench-file', 'bench-file'), ('bench-s3', 'bench-s3')"
            )
        folder = Path(scratch)
        baseline = folder / "baseline"
        baseline.mkdir()
        table: list[tuple[str, dict[str, float], dict[str, float]]] = []
        with (
            storage_server(login, folder / "file", None, args.service_src) as file_url,
            storage_server(login, folder / "s3", s3_url, args.service_src) as s3_service_url,
        ):
            for size, count in sizes:
                body = os.urandom(size)
                movers: dict[str, Mover] = {
                    "file svc": Service(file_url, key, "bench-file", body),
                    "file cp": FileCopy(baseline, body),
                    "s3 svc": Service(s3_service_url, key, "bench-s3", body),
                    "s3 direct": DirectS3(s3_url, body),
                    "s3 multipart": DirectS3Multipart(s3_url, body),
                }
                found = interleaved(movers, size, count, args.rounds)
                for direction, word in (("put", "upload"), ("get", "download")):
                    med, ratios = found[direction]
                    table.append((f"{size // MB} MB {word}", med, ratios))
            listing = list_latency(file_url, key, dsn, args.objects, args.rounds)
    print(
        f"Storage MB/s (median of {args.rounds} interleaved rounds; 1 MB rounds move "
        f"{SMALL_PER_ROUND} objects; ratio = median of the rounds' svc/baseline)"
    )
    heads = ("file svc", "file cp", "ratio", "s3 svc", "s3 put", "ratio", "s3 mp", "ratio")
    print(f"{'':18}" + "".join(f"{h:>10}" if h != "ratio" else f"{h:>7}" for h in heads))
    for label, med, ratios in table:
        print(
            f"{label:18}{med['file svc']:10.1f}{med['file cp']:10.1f}{ratios['file cp']:7.2f}"
            f"{med['s3 svc']:10.1f}{med['s3 direct']:10.1f}{ratios['s3 direct']:7.2f}"
            f"{med['s3 multipart']:10.1f}{ratios['s3 multipart']:7.2f}"
        )
    # Issue 16's aim: the service moves bytes at >= 0.5x a plain copy and a direct S3 put.
    worst, what = min(
        (ratios[baseline], f"{label} against {baseline}")
        for label, _, ratios in table
        for baseline in ("file cp", "s3 direct")
    )
    met = "met" if worst >= STORAGE_AIM else "NOT met"
    print(f"verdict: worst ratio {worst:.2f}, {what} (aim >= {STORAGE_AIM}): {met}")
    print(f"List latency, bucket of {args.objects} objects (median, ms)")
    for label, ms in listing.items():
        print(f"  {label:28}{ms:8.2f}")
    print(f"load after: {os.getloadavg()}")


def main() -> None:
    parser = argparse.ArgumentParser(
        prog="bench/bench_storage.py", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--large-mb", type=int, default=100)
    parser.add_argument("--objects", type=int, default=10_000)
    parser.add_argument(
        "--service-src",
        type=Path,
        default=ROOT,
        help="run the service from another source tree (e.g. `git archive` of an older commit)",
    )
    run(load_settings(), parser.parse_args())


if __name__ == "__main__":
    main()
