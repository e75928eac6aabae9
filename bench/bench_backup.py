"""Backup and restore speed: pgBackRest full backup MB/s (zstd, encrypted, local repository)
against `pg_basebackup` (plain, uncompressed) of the same cluster in the same run, and the time
of a pgBackRest restore (to the end of the archive, Postgres promoted and accepting writes).

Run: `.venv/bin/python bench/bench_backup.py [--mb 200] [--rounds 1]`. It creates a throwaway
durable cluster of its own under a temporary folder on a free loopback port (no stack needed,
the shared test cluster is not touched), fills a table with `--mb` MB of incompressible-ish rows,
measures, and removes everything. MB/s is the database size divided by wall time.

Opt-in scenarios (docs/operations.md):
- `--restore-gb 1`: the restore time of a database of that many GB (one full backup, no
  pg_basebackup rounds).
- `--rpo [--rpo-seconds 90]`: the RPO with archiving at its defaults. One row a 20 ms commits for
  that long, then the machine dies without warning (kill -9 of the postmaster, the archiver and
  every other process of the cluster, the data folder lost); `restore --latest` from the
  repository, and the seconds between the last committed row and the last restored one are lost.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import psycopg
from pydantic import SecretStr

from native_platform import backup
from native_platform.backup_repo import BackupTarget, RepoSettings
from native_platform.oscommands import chown_to_service_user, run_as_service_user
from native_platform.postgres import BIN_DIR, PostgresCluster

MB = 1_000_000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fill(dsn: str, megabytes: int) -> int:
    """Rows of random-looking text (md5 chains) until the database is about `megabytes` larger."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("create table bench_rows (id bigint primary key, body text not null)")
        rows = megabytes * MB // 300
        conn.execute(
            "insert into bench_rows select i, repeat(md5(i::text) || md5((i * 7)::text), 4)"
            " from generate_series(1, %s) as i",
            (rows,),
        )
        conn.execute("checkpoint")
        row = conn.execute("select pg_database_size(current_database())").fetchone()
    assert row is not None
    return int(row[0])


def timed(action: object) -> float:
    start = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - start


def cluster_pids(cluster: PostgresCluster) -> list[int]:
    """The postmaster (first line of postmaster.pid) and its children (the archiver among them)."""
    postmaster = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
    children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
    return [postmaster, *map(int, children)]


def write_until(dsn: str, stop: threading.Event, committed: list[datetime]) -> None:
    """One committed row every 20 ms; `committed` keeps the newest commit's time."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("create table rpo_rows (id bigserial primary key, at timestamptz not null)")
        while not stop.is_set():
            try:
                row = conn.execute(
                    "insert into rpo_rows (at) values (clock_timestamp()) returning at"
                ).fetchone()
            except psycopg.OperationalError:
                return
            assert row is not None
            committed[:] = [row[0]]
            time.sleep(0.02)


def measure_rpo(cluster: PostgresCluster, dsn: str, target: BackupTarget, seconds: float) -> None:
    """Writes, a sudden death of every Postgres process, restore --latest: what was lost."""
    target.run("backup", "--type=full")
    stop, committed = threading.Event(), list[datetime]()
    writer = threading.Thread(target=write_until, args=(dsn, stop, committed))
    writer.start()
    time.sleep(seconds)
    for pid in cluster_pids(cluster):
        os.kill(pid, signal.SIGKILL)
    stop.set()
    writer.join()
    shutil.rmtree(cluster.data_dir)
    restore = timed(lambda: backup.restore_cluster(target, backup.RestorePoint(latest=True)))
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("select count(*), max(at) from rpo_rows").fetchone()
    assert row is not None
    lost = (committed[0] - row[1]).total_seconds() if row[1] else seconds
    print(
        f"RPO: {lost:.1f} s of writes lost (last commit {committed[0]:%H:%M:%S.%f},"
        f" last restored {row[1]:%H:%M:%S.%f}, {row[0]} rows back) after {seconds:.0f} s of"
        f" writes; restore --latest {restore:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=200, help="data to add to the cluster (MB)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--restore-gb", type=float, help="only the restore time of a database of this size"
    )
    parser.add_argument("--rpo", action="store_true", help="only the RPO (see above)")
    parser.add_argument("--rpo-seconds", type=float, default=90.0)
    args = parser.parse_args()
    if args.restore_gb:
        args.mb, args.rounds = int(args.restore_gb * 1000), 0
    if args.rpo:
        args.mb = 0
    folder = Path(tempfile.mkdtemp(prefix="rfl-bench-backup-"))
    cluster = PostgresCluster(folder / "postgres", free_port(), durable=True)
    (folder / "postgres").mkdir()
    password = secrets.token_urlsafe(16)
    try:
        cluster.initialize(password)
        cluster.start()
        dsn = f"postgresql://postgres:{password}@127.0.0.1:{cluster.port}/postgres"
        size = fill(dsn, args.mb)
        repo = RepoSettings(cipher_pass=SecretStr(secrets.token_urlsafe(32)), _env_file=None)  # type: ignore[call-arg]
        target = BackupTarget(cluster=cluster, dsn=dsn, repo=repo)
        backup.ensure_stanza(target)
        print(f"database size: {size / MB:.0f} MB; load average {os.getloadavg()[0]:.1f}")
        if args.rpo:
            measure_rpo(cluster, dsn, target, args.rpo_seconds)
            return
        for round_number in range(args.rounds):
            base = folder / f"basebackup-{round_number}"
            base.mkdir()
            chown_to_service_user(base)
            plain = timed(
                lambda base=base: run_as_service_user(
                    [str(BIN_DIR / "pg_basebackup"), "-h", "127.0.0.1", "-p",
                     str(cluster.port), "-U", "postgres", "-D", str(base), "-X", "fetch",
                     "-c", "fast"],
                    env={**os.environ, "PGPASSWORD": password},
                )
            )  # fmt: skip
            shutil.rmtree(base)
            ours = timed(lambda: target.run("backup", "--type=full"))
            stored = backup.list_backups(target)[-1].repository_bytes
            print(
                f"round {round_number + 1}: pg_basebackup {size / MB / plain:.0f} MB/s"
                f" ({plain:.1f} s); pgBackRest full {size / MB / ours:.0f} MB/s ({ours:.1f} s,"
                f" stored {stored / MB:.0f} MB)"
            )
        if args.restore_gb:
            ours = timed(lambda: target.run("backup", "--type=full"))
            print(f"pgBackRest full backup: {ours:.1f} s")
        cluster.stop()
        restore = timed(lambda: backup.restore_cluster(target, backup.RestorePoint(latest=True)))
        print(
            f"restore --latest of {size / MB:.0f} MB: {restore:.1f} s"
            f" (load average {os.getloadavg()[0]:.1f})"
        )
        print(
            f"verdict: restore of {size / MB:.0f} MB in {restore:.1f} s; backup speed against"
            " pg_basebackup per round above (issue 15 sets no numeric aim: informational)"
        )
    finally:
        cluster.stop()
        subprocess.run(["rm", "-rf", str(folder)], check=False)


if __name__ == "__main__":
    main()
