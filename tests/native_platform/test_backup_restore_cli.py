"""`rfl restore` end to end through the CLI, on a scratch stack of its own (own state folder,
ports and config; the shared test stack is never touched): it refuses while services run unless
--force, stops and restarts the stack, keeps the pre-restore cluster aside until --confirm, and
leaves the stack consistent: realtime's slot recreated, every search document equal to the
database (reindexed through the aliases), every storage object's bytes served again (the file
backend's objects are in the backup set), the same secrets and API keys."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from supabase import Client, ClientOptions, create_client

from native_platform.envfile import write_env_file
from native_platform.settings import StackSettings, load_settings
from tests.helpers.servers import free_port
from tests.native_platform.test_backup_drill import (  # noqa: F401 (state_dir: a fixture)
    TABLES,
    chain_state,
    counts,
    signs_in,
    state_dir,
)
from tests.native_platform.test_backup_drill import write_game_data as write_players

ROOT = Path(__file__).resolve().parents[2]
RFL = str(Path(sys.executable).parent / "rfl")
BUCKET = "drill"


@dataclass
class Scratch:
    """A stack started by `rfl up` from its own env file and a trimmed copy of config.toml."""

    env: dict[str, str]
    settings: StackSettings
    http: httpx.Client

    @property
    def dsn(self) -> str:
        return self.settings.database_url.get_secret_value()

    def rfl(self, *args: str) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        done = subprocess.run(
            [RFL, *args], env=self.env, capture_output=True, text=True, check=False, timeout=300
        )
        sys.stderr.write(f"rfl {' '.join(args)}: {time.monotonic() - started:.1f}s\n")
        return done

    def service_client(self) -> Client:
        key = self.settings.service_role_key.get_secret_value()
        options = ClientOptions(httpx_client=self.http)
        return create_client(self.settings.api_url, key, options=options)


def free_pair() -> int:
    """A free port whose next port is free too (API and Postgres, Typesense's peering and API)."""
    while True:
        port = free_port()
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port


def scratch_config(folder: Path) -> Path:
    """config.toml without the monitoring and mail processes (not what a restore is about)."""
    text = (ROOT / "supabase" / "config.toml").read_text()
    for block in ("metrics", "inbucket"):
        text = re.sub(rf"(\n\[{block}\]\nenabled = )true", r"\1false", text)
    text = text.replace('sql_paths = ["../seed.sql"]', f'sql_paths = ["{ROOT / "seed.sql"}"]')
    path = folder / "config.toml"
    path.write_text(text)
    return path


@pytest.fixture
def scratch(state_dir: Path) -> Iterator[Scratch]:  # noqa: F811
    state = state_dir
    env_file = state / ".env"
    write_env_file(env_file, state, free_pair(), free_pair() + 1, durable=True)
    env = {
        **os.environ,
        "RFL_ENV_FILE": str(env_file),
        "RFL_CONFIG_FILE": str(scratch_config(state.parent)),
    }
    env.pop("RFL_STORAGE_FILE_ROOT", None)
    env.pop("RFL_STORAGE_BACKEND", None)
    with httpx.Client(timeout=30) as http:
        own = Scratch(env, load_settings(env_file), http)
        up = own.rfl("up")
        try:
            assert up.returncode == 0, up.stdout + up.stderr
            yield own
        finally:
            own.rfl("down")


def publish_and_upload(stack: Scratch, tag: str, count: int) -> dict[str, bytes]:
    """`count` players (test_backup_drill's game data) with public campaigns (search
    documents), and one storage object each; return the objects' bytes by path."""
    write_players(stack.dsn, tag, count)
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        conn.execute(
            "update public.campaigns set visibility = 'public' where name like %s", (f"{tag}%",)
        )
    bucket = stack.service_client().storage.from_(BUCKET)
    bodies = {f"{tag}/{n}.bin": f"{tag}{n}".encode() * 1000 for n in range(count)}
    for path, body in bodies.items():
        bucket.upload(path, body, {"content-type": "application/octet-stream"})
    return bodies


def wait_indexed(dsn: str) -> None:
    """The indexer drained the search outbox."""
    deadline = time.monotonic() + 60
    with psycopg.connect(dsn, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("select count(*) from app_private.search_outbox").fetchone()
            if row and row[0] == 0:
                return
            time.sleep(0.3)
    raise AssertionError("the indexer did not drain the search outbox within 60 s")


def search_verify(stack: Scratch) -> subprocess.CompletedProcess[str]:
    """The indexer's own check: every document of every alias equals the database."""
    return subprocess.run(
        [sys.executable, "-m", "functions.indexer", "verify"],
        env=stack.env,
        capture_output=True,
        text=True,
        check=False,
    )


def stored_objects(stack: Scratch) -> dict[str, bytes]:
    """Every object row of the bucket, with the bytes the API serves for it."""
    with psycopg.connect(stack.dsn, autocommit=True) as conn:
        rows = conn.execute(
            "select name from storage.objects where bucket_id = %s", (BUCKET,)
        ).fetchall()
    bucket = stack.service_client().storage.from_(BUCKET)
    return {name: bucket.download(name) for (name,) in rows}


def realtime_slots(dsn: str) -> int:
    deadline = time.monotonic() + 30
    with psycopg.connect(dsn, autocommit=True) as conn:
        while True:
            row = conn.execute(
                "select count(*) from pg_replication_slots where slot_name like 'realtime%'"
            ).fetchone()
            assert row is not None
            if row[0] or time.monotonic() > deadline:
                return int(row[0])
            time.sleep(0.3)


@pytest.mark.timeout(300)
def test_rfl_restore_through_the_cli_leaves_the_stack_consistent(scratch: Scratch) -> None:
    """N players and objects, `rfl backup`, M more, T, K more; `rfl restore --to T` refuses while
    the stack runs, restores with --force: exactly N+M, search and storage equal to the
    database, slots, passwords and keys as before; `rfl restore --latest --timeline 1` brings
    K back; `rfl restore --confirm` deletes both folders kept aside."""
    n, m, k = 2, 2, 2
    env_before = Path(scratch.env["RFL_ENV_FILE"]).read_text()
    scratch.service_client().storage.create_bucket(BUCKET)
    baseline = counts(scratch.dsn)
    objects = publish_and_upload(scratch, "n", n)
    taken = scratch.rfl("backup", "--type", "full")
    assert taken.returncode == 0, taken.stderr
    objects |= publish_and_upload(scratch, "m", m)
    time.sleep(1.1)
    with psycopg.connect(scratch.dsn, autocommit=True) as conn:
        moment = conn.execute("select now()").fetchone()
    assert moment is not None
    time.sleep(1.1)
    later = publish_and_upload(scratch, "k", k)
    wait_indexed(scratch.dsn)
    assert search_verify(scratch).returncode == 0
    # The file backend lost the backed-up objects' files: the backup set brings them back.
    storage = scratch.settings.state_dir / "storage"
    lost = [path for path in storage.rglob("*") if path.is_file() and "/n/" in str(path)]
    assert len(lost) == n
    for path in lost:
        path.unlink()

    refused = scratch.rfl("restore", "--to", moment[0].isoformat())
    assert refused.returncode != 0 and "services are running" in refused.stderr, refused.stderr
    restored = scratch.rfl("restore", "--to", moment[0].isoformat(), "--force")
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "rfl restore --confirm" in restored.stdout

    assert counts(scratch.dsn) == {table: baseline[table] + n + m for table in TABLES}
    assert chain_state(scratch.dsn) == (True, True)
    assert signs_in(scratch.dsn, "n", n) and signs_in(scratch.dsn, "m", m)
    assert not signs_in(scratch.dsn, "k", 1)
    assert realtime_slots(scratch.dsn) >= 1
    checked = search_verify(scratch)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert stored_objects(scratch) == objects, "same keys served: the secrets are unchanged"
    assert Path(scratch.env["RFL_ENV_FILE"]).read_text() == env_before

    latest = scratch.rfl("restore", "--latest", "--timeline", "1", "--force")
    assert latest.returncode == 0, latest.stdout + latest.stderr
    assert counts(scratch.dsn) == {table: baseline[table] + n + m + k for table in TABLES}
    assert signs_in(scratch.dsn, "k", k)
    assert search_verify(scratch).returncode == 0
    assert stored_objects(scratch) == objects | later

    aside = sorted((scratch.settings.state_dir / "postgres").glob("data.before-restore-*"))
    assert len(aside) == 2
    confirmed = scratch.rfl("restore", "--confirm")
    assert confirmed.returncode == 0 and "deleted 2" in confirmed.stdout
    assert not any(path.exists() for path in aside)
