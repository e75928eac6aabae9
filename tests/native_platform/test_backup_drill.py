"""The backup drill, on a throwaway durable cluster of its own (the shared test cluster is never
touched): game data written before and after a full backup and a moment T, the data folder
destroyed, restored to T and to the end of the archive; a corrupted backup file fails `verify`
by name; a second drill through pgBackRest's S3 client against a local moto server over TLS."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import psycopg
import pytest
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from native_platform import backup
from native_platform.database import configure_secrets
from native_platform.envfile import write_env_file
from native_platform.migrations import apply_migrations
from native_platform.postgres import PostgresCluster
from native_platform.settings import StackSettings, load_settings
from tests.helpers.servers import free_port

PASSWORD = "correct horse battery staple"
TABLES = ("auth.users", "public.campaigns", "public.characters", "public.dice_rolls")
RFL = str(Path(sys.executable).parent / "rfl")
EXPORTER_QUERIES = (Path(__file__).resolve().parents[2] / "supabase" / "monitoring").joinpath(
    "postgres-exporter-queries.yml"
)


@dataclass
class Drill:
    """A stack-shaped state folder (env file, cluster) that `rfl backup` can be pointed at."""

    env_file: Path
    settings: StackSettings
    cluster: PostgresCluster

    @property
    def dsn(self) -> str:
        return self.settings.database_url.get_secret_value()

    def target(self) -> backup.BackupTarget:
        return backup.stack_target(self.settings, self.env_file)

    def rfl(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "RFL_ENV_FILE": str(self.env_file)}
        return subprocess.run([RFL, *args], env=env, capture_output=True, text=True, check=False)


def make_drill(state: Path, extra_env: dict[str, str] | None = None) -> Drill:
    port = free_port()
    env_file = state / ".env"
    write_env_file(env_file, state, port - 1, free_port(), durable=True)
    with env_file.open("a") as out:
        out.writelines(f"{name}={value}\n" for name, value in (extra_env or {}).items())
    settings = load_settings(env_file)
    cluster = PostgresCluster(state / "postgres", port, durable=True)
    cluster.initialize(settings.postgres_password.get_secret_value())
    cluster.start()
    apply_migrations(settings.database_url.get_secret_value())
    with psycopg.connect(settings.database_url.get_secret_value(), autocommit=True) as conn:
        configure_secrets(conn, settings)
    return Drill(env_file, settings, cluster)


@pytest.fixture
def state_dir() -> Iterator[Path]:
    """A stack state folder outside pytest's tmp_path: every pytest session that starts (other
    runs share the machine) sets /tmp/pytest-of-<user> back to 0700, and the clusters run as
    the postgres user, who then can no longer reach their data folder."""
    folder = Path(tempfile.mkdtemp(prefix="rfl-backup-test-"))
    folder.chmod(0o755)
    yield folder / "state"
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def drill(state_dir: Path) -> Iterator[Drill]:
    state = state_dir
    state.mkdir()
    own = make_drill(state)
    yield own
    own.cluster.stop()


def write_game_data(dsn: str, tag: str, count: int) -> None:
    """`count` players (signed up with PASSWORD), each with a campaign, a character, a roll."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for number in range(count):
            email = f"{tag}{number}@drill.test"
            conn.execute("select auth.sign_up(%s, %s)", (email, PASSWORD))
            with conn.transaction():
                conn.execute("select set_config('app.roll_source', 'dice-service', true)")
                conn.execute(
                    """
                    with player as (select id from auth.users where email = %(email)s),
                    campaign as (
                        insert into public.campaigns (owner_id, name, target_language)
                        select id, %(name)s, 'es' from player returning id, owner_id
                    ),
                    character as (
                        insert into public.characters (campaign_id, owner_id, name)
                        select id, owner_id, %(name)s from campaign returning campaign_id
                    )
                    insert into public.dice_rolls (
                        campaign_id, roller_id, expression, total, server_seed_hash,
                        client_seed, nonce
                    )
                    select id, owner_id, '1d20', 7, repeat('a', 64), %(name)s, 1 from campaign
                    """,
                    {"email": email, "name": f"{tag}{number}"},
                )


def counts(dsn: str) -> dict[str, int]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        found = {}
        for table in TABLES:
            row = conn.execute(f"select count(*) from {table}").fetchone()  # noqa: S608
            assert row is not None
            found[table] = row[0]
        return found


def archive_now(dsn: str) -> None:
    """Close the current WAL segment and wait until it is archived (what archive_timeout does
    within 60 s), so that destroying the data folder loses nothing committed."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute("select pg_walfile_name(pg_switch_wal())").fetchone()
        assert row is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = conn.execute("select last_archived_wal from pg_stat_archiver").fetchone()
            if done and done[0] and done[0] >= row[0]:
                return
            time.sleep(0.2)
    raise AssertionError(f"WAL {row[0]} was not archived within 60 s")


def destroy(cluster: PostgresCluster) -> None:
    """The machine lost its disk: Postgres gone, its data folder gone."""
    cluster.stop()
    shutil.rmtree(cluster.data_dir)


def signs_in(dsn: str, tag: str, count: int) -> bool:
    with psycopg.connect(dsn, autocommit=True) as conn:
        for number in range(count):
            try:
                row = conn.execute(
                    "select auth.sign_in_with_password(%s, %s)",
                    (f"{tag}{number}@drill.test", PASSWORD),
                ).fetchone()
            except psycopg.Error:
                return False
            if not row or "access_token" not in row[0]:
                return False
    return True


def chain_state(dsn: str) -> tuple[bool, bool]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        chain = conn.execute("select is_valid from audit.verify_chain()").fetchone()
        anchored = conn.execute("select is_valid from audit.verify_against_anchor()").fetchone()
    assert chain is not None and anchored is not None
    return chain[0], anchored[0]


def test_drill_restore_to_a_moment_and_to_the_end(drill: Drill) -> None:
    """N rows, full backup, M rows, T, K rows, data folder destroyed: restore to T gives N+M,
    the audit chain verifies and players sign in with their old passwords; restoring to the
    end of the archive (the timeline T branched away from) gives N+M+K."""
    n, m, k = 3, 2, 2
    baseline = counts(drill.dsn)
    write_game_data(drill.dsn, "n", n)
    taken = drill.rfl("backup", "--type", "full")
    assert taken.returncode == 0, taken.stderr
    write_game_data(drill.dsn, "m", m)
    time.sleep(1.1)
    with psycopg.connect(drill.dsn, autocommit=True) as conn:
        moment = conn.execute("select now()").fetchone()
    assert moment is not None
    time.sleep(1.1)
    write_game_data(drill.dsn, "k", k)
    archive_now(drill.dsn)
    destroy(drill.cluster)

    backup.restore_cluster(drill.target(), backup.RestorePoint(time=moment[0].isoformat()))
    assert counts(drill.dsn) == {table: baseline[table] + n + m for table in TABLES}
    assert chain_state(drill.dsn) == (True, True)
    assert signs_in(drill.dsn, "n", n) and signs_in(drill.dsn, "m", m)
    assert not signs_in(drill.dsn, "k", 1)

    drill.cluster.stop()
    aside = backup.restore_cluster(drill.target(), backup.RestorePoint(latest=True, timeline="1"))
    assert aside is not None and aside.is_dir(), "the restored-to-T folder is kept aside"
    assert counts(drill.dsn) == {table: baseline[table] + n + m + k for table in TABLES}
    assert chain_state(drill.dsn) == (True, True)
    assert signs_in(drill.dsn, "k", k)
    assert backup.confirm_restore(drill.cluster) == [aside]


def test_backup_list_shows_sizes_wal_and_the_anchor(drill: Drill) -> None:
    """`rfl backup list`: each backup with its type, sizes, WAL range and audit anchor."""
    write_game_data(drill.dsn, "n", 1)
    assert drill.rfl("backup").returncode == 0
    write_game_data(drill.dsn, "m", 1)
    assert drill.rfl("backup", "--type", "incr").returncode == 0
    listed = drill.rfl("backup", "list")
    assert listed.returncode == 0, listed.stderr
    full, incr = listed.stdout.splitlines()[1:]
    assert " full " in full and " incr " in incr
    with psycopg.connect(drill.dsn, autocommit=True) as conn:
        anchors = conn.execute(
            "select chain_head_id, chain_head_hash from audit.anchors order by id"
        ).fetchall()
    assert [f"#{head} {digest[:12]}" for head, digest in anchors] == [
        line.rsplit(" ", 2)[1] + " " + line.rsplit(" ", 1)[1] for line in (full, incr)
    ]
    assert "MB" in full and "000000010000000000000" in full


def last_backup_metric(dsn: str) -> float:
    """The exporter's rfl_backup_last_timestamp_seconds, by its own query."""
    block = EXPORTER_QUERIES.read_text().split("\nrfl_backup:\n", 1)[1].split("\n  master:")[0]
    query = block.split("query: |\n", 1)[1]
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(query).fetchone()
    assert row is not None
    return float(row[0])


def test_last_backup_metric_counts_completed_backups_only(drill: Drill) -> None:
    """A backup that started (anchored the chain) but never finished leaves the metric alone;
    a completed one moves it."""
    assert last_backup_metric(drill.dsn) == 0
    with psycopg.connect(drill.dsn, autocommit=True) as conn:
        conn.execute("select audit.record_anchor()")
    assert last_backup_metric(drill.dsn) == 0, "an anchor alone is not a backup"
    before = time.time()
    assert drill.rfl("backup").returncode == 0
    done = last_backup_metric(drill.dsn)
    assert before < done <= time.time()
    with psycopg.connect(drill.dsn, autocommit=True) as conn:
        conn.execute("select audit.record_anchor()")
    assert last_backup_metric(drill.dsn) == done


def test_verify_names_a_corrupted_backup_file(drill: Drill) -> None:
    """A flipped byte in one file of the repository: `rfl backup verify` exits 1 naming it."""
    write_game_data(drill.dsn, "n", 1)
    assert drill.rfl("backup").returncode == 0
    clean = drill.rfl("backup", "verify")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    repo = drill.target().folder / "repo" / "backup" / "rfl"
    victim = max(repo.glob("*F/pg_data/base/*/*.zst"), key=lambda path: path.stat().st_size)
    body = bytearray(victim.read_bytes())
    body[len(body) // 2] ^= 0xFF
    victim.write_bytes(bytes(body))
    broken = drill.rfl("backup", "verify")
    assert broken.returncode == 1
    assert str(victim.relative_to(repo)) in broken.stdout
    assert "verify: FAILED" in broken.stderr


def test_backup_refuses_a_cluster_without_archiving(state_dir: Path) -> None:
    """A non-durable cluster (archive_mode off) is refused with the reason, not half-backed-up."""
    state = state_dir
    state.mkdir()
    port = free_port()
    env_file = state / ".env"
    write_env_file(env_file, state, port - 1, free_port(), durable=False)
    settings = load_settings(env_file)
    cluster = PostgresCluster(state / "postgres", port, durable=False)
    cluster.initialize(settings.postgres_password.get_secret_value())
    cluster.start()
    try:
        with pytest.raises(backup.BackupError, match="no WAL archiving"):
            backup.take_backup(backup.stack_target(settings, env_file))
    finally:
        cluster.stop()


# --- the S3 repository ----------------------------------------------------------------------


class KeepAliveTlsHandler(MotoRequestHandler):
    """pgBackRest (OpenSSL 3) reads a body to the TLS close and refuses a close without
    close_notify: keep connections alive and close them properly."""

    protocol_version = "HTTP/1.1"

    def finish(self) -> None:
        super().finish()
        try:
            self.connection.settimeout(2)
            self.connection.unwrap()
        except OSError:
            pass


@pytest.fixture
def s3_endpoint(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """moto's S3 over TLS on a free loopback port, and its self-signed certificate."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    port = free_port()
    app: Any = DomainDispatcherApplication(create_backend_app)
    server = make_server(
        "127.0.0.1",
        port,
        app,
        threaded=True,
        request_handler=KeepAliveTlsHandler,
        ssl_context=(str(cert), str(key)),
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    boto3.client(
        "s3",
        endpoint_url=f"https://127.0.0.1:{port}",
        verify=str(cert),
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    ).create_bucket(Bucket="rfl-backups")
    yield port, cert
    server.shutdown()
    thread.join()


def test_drill_from_the_s3_repository(state_dir: Path, s3_endpoint: tuple[int, Path]) -> None:
    """The same drill with the repository in S3 (pgBackRest's own client): nothing of the
    backup is on local disk, and the destroyed cluster comes back with every row."""
    state = state_dir
    state.mkdir()
    s3 = {
        "BACKUP_REPO_TYPE": "s3",
        "BACKUP_S3_ENDPOINT": "127.0.0.1",
        "BACKUP_S3_PORT": str(s3_endpoint[0]),
        "BACKUP_S3_BUCKET": "rfl-backups",
        "BACKUP_S3_KEY": "testing",
        "BACKUP_S3_KEY_SECRET": "testing",
        "BACKUP_S3_URI_STYLE": "path",
        # pgBackRest matches host names only, not the IP addresses a certificate names.
        "BACKUP_S3_VERIFY_TLS": "false",
    }
    drill = make_drill(state, s3)
    try:
        baseline = counts(drill.dsn)
        write_game_data(drill.dsn, "n", 2)
        taken = drill.rfl("backup")
        assert taken.returncode == 0, taken.stderr
        assert not (drill.target().folder / "repo").exists()
        write_game_data(drill.dsn, "k", 2)
        archive_now(drill.dsn)
        destroy(drill.cluster)
        backup.restore_cluster(drill.target(), backup.RestorePoint(latest=True))
        assert counts(drill.dsn) == {table: baseline[table] + 4 for table in TABLES}
        assert chain_state(drill.dsn) == (True, True)
        assert signs_in(drill.dsn, "k", 2)
    finally:
        drill.cluster.stop()


def test_a_cluster_made_before_archiving_gets_it_at_the_next_up(state_dir: Path) -> None:
    """A running cluster whose settings predate archiving is restarted once by `rfl up`'s
    apply_settings() and archives from then on; a second call changes nothing."""
    root = state_dir / "old" / "postgres"
    root.mkdir(parents=True)
    cluster = PostgresCluster(root, free_port(), durable=True)
    cluster.initialize("an-old-superuser-password")
    conf = cluster.data_dir / "postgresql.rfl.conf"
    old = [line for line in conf.read_text().splitlines(keepends=True) if "archive" not in line]
    conf.write_text("".join(old))
    subprocess.run(
        ["runuser", "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "start", "-w",
         "-D", str(cluster.data_dir), "-l", str(cluster.log_file)],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        assert cluster.psql("show archive_mode") == "off"
        assert cluster.apply_settings() is True
        assert cluster.psql("show archive_mode") == "on"
        assert cluster.apply_settings() is False
    finally:
        cluster.stop()
