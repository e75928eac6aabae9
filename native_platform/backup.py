"""`rfl backup` and `rfl restore`: pgBackRest backups of the native cluster, the audit chain's
anchor with each one, and restores that leave the stack consistent (docs/operations.md).

The platform never imports the product: after a restore the search index is rebuilt by running
the configured indexer worker's module (`python -m <module> reindex`), as the supervisor runs it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import psycopg

from native_platform.backup_repo import BackupError, BackupTarget, load_repo_settings
from native_platform.oscommands import chown_to_service_user
from native_platform.postgres import PostgresCluster
from native_platform.project_config import ProjectConfig
from native_platform.settings import StackSettings
from native_platform.stack import Stack

__all__ = [
    "BackupEntry",
    "BackupError",
    "BackupTarget",
    "RestorePoint",
    "confirm_restore",
    "list_backups",
    "restore_cluster",
    "restore_stack",
    "stack_target",
    "take_backup",
    "verify_backups",
]

BackupType = Literal["full", "diff", "incr"]
ASIDE_PREFIX = "data.before-restore-"
# The worker whose module rebuilds the search index (`python -m <module> reindex`).
INDEXER_WORKER = "indexer"
PROMOTION_TIMEOUT = 600.0
# What `pgbackrest verify` logs before a bad file's name.
VERIFY_PROBLEMS = ("invalid checksum", "invalid size", "file missing", "invalid result")


@dataclass(frozen=True)
class BackupEntry:
    """One backup of the repository, as `rfl backup list` shows it."""

    label: str
    type: str
    started: datetime
    stopped: datetime
    database_bytes: int
    repository_bytes: int
    wal_start: str
    wal_stop: str
    annotation: dict[str, str]

    @property
    def seconds(self) -> int:
        return int((self.stopped - self.started).total_seconds())

    @property
    def anchor(self) -> str:
        head = self.annotation.get("audit_head_id")
        if head is None:
            return "-"
        digest = self.annotation.get("audit_head_hash", "")[:12]
        return f"#{head} {digest}" if head else "empty chain"


@dataclass(frozen=True)
class RestorePoint:
    """What to restore: the end of the archive, a moment, or one backup's consistent point."""

    latest: bool = False
    time: str | None = None
    label: str | None = None
    # Recover along this timeline instead of the newest: after a restore to a moment, the
    # history it branched away from is still in the archive (`--timeline 1` brings it back).
    timeline: str | None = None

    def pgbackrest_args(self) -> list[str]:
        along = [f"--target-timeline={self.timeline}"] if self.timeline else []
        return along + self.target_args()

    def target_args(self) -> list[str]:
        if self.time is not None:
            target = parse_time(self.time).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            return ["--type=time", f"--target={target}+00", "--target-action=promote"]
        if self.label is not None:
            return [f"--set={self.label}", "--type=immediate", "--target-action=promote"]
        return []


def stack_target(settings: StackSettings, env_file: Path | None) -> BackupTarget:
    """The stack's cluster, its `postgres` database and the storage file backend's folder."""
    cluster = PostgresCluster(
        settings.state_dir / "postgres", settings.postgres_port, settings.postgres_durable
    )
    storage = os.environ.get("RFL_STORAGE_FILE_ROOT") or settings.state_dir / "storage"
    return BackupTarget(
        cluster=cluster,
        dsn=settings.database_url.get_secret_value(),
        repo=load_repo_settings(env_file),
        storage_dir=Path(storage),
    )


# --- backup ---------------------------------------------------------------------------------


def ensure_stanza(target: BackupTarget) -> None:
    """Write the config and create the stanza (idempotent); archiving must already be on."""
    if not target.cluster.is_running():
        raise BackupError("Postgres is not running: start the stack with `rfl up` first")
    mode = target.cluster.psql("show archive_mode")
    if mode != "on":
        raise BackupError(
            "WAL archiving is off on this cluster: run `rfl up` once (it restarts Postgres with"
            " archive_mode = on)"
            if target.cluster.durable
            else "a non-durable (test) cluster has no WAL archiving: nothing to back up"
        )
    target.write_config()
    target.run("stanza-create")


def take_backup(target: BackupTarget, kind: BackupType = "full") -> BackupEntry:
    """Anchor the audit chain, take a `kind` backup, capture the storage folder; return it."""
    ensure_stanza(target)
    anchor = record_anchor(target.dsn)
    notes = [f"--annotation={name}={value}" for name, value in anchor.items()]
    target.run("backup", f"--type={kind}", *notes)
    newest = list_backups(target)[-1]
    capture_storage(target, newest.label)
    record_completion(target.dsn, anchor.get("audit_anchor_id"), newest)
    return newest


def record_anchor(dsn: str) -> dict[str, str]:
    """Write the chain head to audit.anchors (when the migration is there); the annotation."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        present = conn.execute("select to_regprocedure('audit.record_anchor()')").fetchone()
        if not present or present[0] is None:
            return {}
        row = conn.execute(
            "select id, coalesce(chain_head_id, 0), coalesce(chain_head_hash, '')"
            " from audit.record_anchor()"
        ).fetchone()
    assert row is not None
    return {"audit_anchor_id": str(row[0]), "audit_head_id": str(row[1]), "audit_head_hash": row[2]}


def record_completion(dsn: str, anchor_id: str | None, entry: BackupEntry) -> None:
    """Note the finished backup in audit.backup_completions (when the migration is there): the
    "last backup" metric counts completed backups, not the anchors every attempt writes."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        present = conn.execute("select to_regclass('audit.backup_completions')").fetchone()
        if not present or present[0] is None:
            return
        conn.execute(
            "insert into audit.backup_completions (anchor_id, label, backup_type)"
            " values (%s, %s, %s)",
            (int(anchor_id) if anchor_id else None, entry.label, entry.type),
        )


def list_backups(target: BackupTarget) -> list[BackupEntry]:
    """The repository's backups, oldest first (empty before the first backup)."""
    if not target.config_file.exists():
        target.write_config()
    return [backup_entry(item) for item in target.info().get("backup", [])]


def backup_entry(item: dict[str, Any]) -> BackupEntry:
    stamp, archive, info = item["timestamp"], item.get("archive") or {}, item["info"]
    return BackupEntry(
        label=item["label"],
        type=item["type"],
        started=datetime.fromtimestamp(stamp["start"], UTC),
        stopped=datetime.fromtimestamp(stamp["stop"], UTC),
        database_bytes=int(info["size"]),
        repository_bytes=int(info["repository"]["delta"]),
        wal_start=archive.get("start") or "-",
        wal_stop=archive.get("stop") or "-",
        annotation={str(k): str(v) for k, v in (item.get("annotation") or {}).items()},
    )


def verify_backups(target: BackupTarget) -> tuple[bool, str]:
    """`pgbackrest verify`: every backup file and WAL segment of the repository read back and
    checked; the report names each bad file. The live audit chain is checked too, against the
    newest anchor. (pgBackRest 2.45 exits 0 even when files are bad: its log decides.)"""
    target.write_config()
    result = target.run("verify", "--output=text", "--log-level-console=info", check=False)
    said = result.stdout + result.stderr
    bad = [
        f"{problem}: {path}"
        for problem, path in re.findall(f"({'|'.join(VERIFY_PROBLEMS)}) '([^']+)'", said)
    ]
    summary = [line for line in said.splitlines() if "INFO:" not in line and line.strip()]
    ok = result.returncode == 0 and not bad and "status: error" not in said
    lines = [*summary, *(f"bad file: {item}" for item in bad)]
    chain = check_chain(target.dsn)
    if chain is not None:
        lines.append(f"audit chain: {chain}")
    return ok and chain is None, "\n".join(lines)


def check_chain(dsn: str) -> str | None:
    """None when the audit chain verifies and still holds its last anchor, else the reason."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        present = conn.execute("select to_regprocedure('audit.verify_against_anchor()')")
        found = present.fetchone()
        if not found or found[0] is None:
            return None
        row = conn.execute("select is_valid, reason from audit.verify_chain()").fetchone()
        if row and not row[0]:
            return str(row[1])
        row = conn.execute("select is_valid, reason from audit.verify_against_anchor()").fetchone()
        if row and not row[0]:
            return str(row[1])
    return None


# --- storage files ----------------------------------------------------------------------------


def capture_storage(target: BackupTarget, label: str) -> Path | None:
    """Tar the file backend's folder next to the backup (object versions are immutable files,
    so a later extract only adds what is missing); drop tarballs of expired backups."""
    if target.storage_dir is None or not target.storage_dir.is_dir():
        return None
    target.storage_snapshots.mkdir(parents=True, exist_ok=True)
    tarball = target.storage_snapshots / f"{label}.tar"
    partial = tarball.with_suffix(".tar.partial")
    with tarfile.open(partial, "w") as archive:
        archive.add(target.storage_dir, arcname=".")
    partial.replace(tarball)
    kept = {entry.label for entry in list_backups(target)}
    for old in target.storage_snapshots.glob("*.tar"):
        if old.stem not in kept:
            old.unlink()
    return tarball


def restore_storage(target: BackupTarget, point: RestorePoint) -> Path | None:
    """Add the object files of the newest tarball not after `point` to the storage folder;
    files already there are kept (the reconcile worker drops those no row names)."""
    if target.storage_dir is None or not target.storage_snapshots.is_dir():
        return None
    labels = sorted(path.stem for path in target.storage_snapshots.glob("*.tar"))
    if point.label is not None:
        labels = [label for label in labels if label <= point.label]
    elif point.time is not None:
        cutoff = parse_time(point.time)
        stopped = {entry.label: entry.stopped for entry in list_backups(target)}
        labels = [label for label in labels if label in stopped and stopped[label] <= cutoff]
    if not labels:
        return None
    tarball = target.storage_snapshots / f"{labels[-1]}.tar"
    target.storage_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tarball) as archive:
        members = [
            member
            for member in archive.getmembers()
            if not (target.storage_dir / member.name).exists()
        ]
        # Extraction filters came with Python 3.11.4; Debian 12's python3 (3.11.2, the
        # container images' backup job) has none: the tarball is our own, written by backup.
        if hasattr(tarfile, "data_filter"):
            archive.extractall(target.storage_dir, members=members, filter="data")
        else:
            archive.extractall(target.storage_dir, members=members)  # noqa: S202
    return tarball


def parse_time(value: str) -> datetime:
    """An ISO 8601 moment; without a zone it is UTC. BackupError when it is not one."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BackupError(f"not an ISO 8601 time: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# --- restore ----------------------------------------------------------------------------------


def restore_cluster(target: BackupTarget, point: RestorePoint) -> Path | None:
    """Restore the stopped cluster to `point`: the current data folder is moved aside (returned;
    None when there was none), pgBackRest restores, Postgres replays WAL and is promoted."""
    cluster = target.cluster
    if cluster.is_running():
        raise BackupError("Postgres is running: stop it before a restore")
    target.write_config()
    if not list_backups(target):
        raise BackupError("the repository holds no backup to restore")
    aside = None
    if cluster.data_dir.exists():
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = cluster.root / f"{ASIDE_PREFIX}{stamp}"
        cluster.data_dir.rename(aside)
    cluster.data_dir.mkdir(mode=0o700)
    chown_to_service_user(cluster.data_dir)
    try:
        target.run("restore", *point.pgbackrest_args())
        start_and_promote(cluster)
    except (BackupError, subprocess.CalledProcessError) as error:
        detail = error.stderr if isinstance(error, subprocess.CalledProcessError) else str(error)
        raise BackupError(
            f"restore failed: {detail.strip()}; the pre-restore data folder is {aside}"
            f" (see {cluster.log_file})"
        ) from None
    restore_storage(target, point)
    return aside


def start_and_promote(cluster: PostgresCluster) -> None:
    """Start the restored cluster and wait until recovery ended and it accepts writes."""
    cluster.start()
    deadline = time.monotonic() + PROMOTION_TIMEOUT
    while time.monotonic() < deadline:
        if cluster.psql("select pg_is_in_recovery()") == "f":
            return
        time.sleep(0.2)
    raise BackupError(f"still recovering after {PROMOTION_TIMEOUT:.0f}s")


def confirm_restore(cluster: PostgresCluster) -> list[Path]:
    """Delete the data folders kept aside by earlier restores; return them."""
    gone = sorted(cluster.root.glob(f"{ASIDE_PREFIX}*"))
    for folder in gone:
        shutil.rmtree(folder)
    return gone


def busy_services(stack: Stack) -> list[str]:
    """What writes to the database now: running services, and other clients of Postgres."""
    busy = [
        service.name
        for service in (stack.api, stack.typesense, *stack.workers.values())
        if service.is_running()
    ]
    if stack.postgres.is_running():
        clients = stack.postgres.psql(
            "select count(*) from pg_stat_activity"
            " where backend_type = 'client backend' and pid <> pg_backend_pid()"
        )
        if clients not in ("", "0"):
            busy.append(f"{clients} Postgres client connection(s)")
    return busy


def archive_current_wal(cluster: PostgresCluster, timeout: float = 60.0) -> None:
    """Close the current WAL segment and wait until it is archived, so a restore `--latest`
    of a cluster that still runs loses nothing; a cluster without archiving is left alone."""
    if not cluster.is_running() or cluster.psql("show archive_mode") != "on":
        return
    segment = cluster.psql("select pg_walfile_name(pg_switch_wal())")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cluster.psql("select last_archived_wal from pg_stat_archiver") >= segment:
            return
        time.sleep(0.2)
    raise BackupError(f"WAL segment {segment} was not archived within {timeout:.0f}s")


def restore_stack(
    stack: Stack, target: BackupTarget, point: RestorePoint, force: bool = False
) -> Path | None:
    """Stop the stack, restore its cluster, start everything again and rebuild what lives
    outside the database (the search index); return the folder kept aside."""
    busy = busy_services(stack)
    if busy and not force:
        raise BackupError(
            f"services are running ({', '.join(busy)}): stop them with `rfl down`, or pass --force"
        )
    for service in (*stack.workers.values(), stack.api, stack.typesense):
        service.stop()
    archive_current_wal(stack.postgres)
    stack.down()
    aside = restore_cluster(target, point)
    stack.up()
    rebuild_search(stack.config)
    return aside


def rebuild_search(config: ProjectConfig) -> None:
    """Run `python -m <indexer module> reindex` (the env file in force is inherited) when the
    config declares that worker: the index is rebuilt from the restored database."""
    worker = config.enabled_workers().get(INDEXER_WORKER)
    if worker is None:
        return
    result = subprocess.run(
        [sys.executable, "-m", worker.module, "reindex"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(
            f"restored, but the search reindex failed (exit {result.returncode}); run"
            f" `python -m {worker.module} reindex`: {result.stderr.strip()[-500:]}"
        )
