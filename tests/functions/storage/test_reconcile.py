"""The reconciliation worker (`python -m functions.storage.reconcile --once`, as the stack's
[workers.storage-reconcile] runs it) after crashes mid-upload: a version file whose row was
never written, a temporary file of a body cut off, a resumable upload abandoned until it
expired, a row whose file is gone, a stale rendering; nothing younger than the grace period
and nothing that belongs to a live object or upload is touched."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import psycopg
from psycopg.conninfo import make_conninfo

from functions.storage.backends import Location
from functions.storage.backends.file import FileBackend
from native_platform.settings import StackSettings
from tests.functions.storage.conftest import PNG, World, put, stored_files
from tests.functions.storage.test_render import cache_root
from tests.functions.storage.test_resumable import CHUNK, metadata, png_of, tus_client

ROOT = Path(__file__).resolve().parents[3]
HOUR_AGO = time.time() - 3600 * 2


def run_worker(world: World, stack: StackSettings, grace: int) -> str:
    assert world.root is not None
    login = make_conninfo(
        world.dsn,
        user="authenticator",
        password=stack.authenticator_password.get_secret_value(),
    )
    env = {
        **os.environ,
        "RFL_STORAGE_DATABASE_URL": login,
        "RFL_STORAGE_FILE_ROOT": str(world.root),
        "RFL_STORAGE_BACKEND": "file",
    }
    done = subprocess.run(
        [sys.executable, "-m", "functions.storage.reconcile", "--once", "--grace", str(grace)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    # The worker logs JSON lines to stdout (native_platform.observability.logging).
    return done.stdout + done.stderr


def age(path: Path) -> None:
    os.utime(path, (HOUR_AGO, HOUR_AGO))


def test_reconciliation_removes_what_crashes_left(
    world: World, stack_settings: StackSettings
) -> None:
    assert world.root is not None
    campaign = world.campaign
    # A live object, and one whose file an operator deleted by hand.
    kept = f"{campaign}/reconcile/kept.png"
    put(world, "gm", "campaign-maps", kept, PNG, "image/png")
    lost = f"{campaign}/reconcile/lost.png"
    put(world, "gm", "campaign-maps", lost, PNG, "image/png")
    with psycopg.connect(world.dsn, autocommit=True) as db:
        row = db.execute("select version from storage.objects where name = %s", (lost,)).fetchone()
        assert row is not None
        lost_file = FileBackend(world.root).path(Location("campaign-maps", lost, row[0]))
        lost_file.unlink()
        db.execute("set session_replication_role = replica")  # keep updated_at as set here
        db.execute(
            "update storage.objects set updated_at = now() - interval '2 hours' where name = %s",
            (lost,),
        )
    # Crash between the file and the row: a version file no row names.
    orphan = Location("campaign-maps", f"{campaign}/reconcile/orphan.png", str(uuid.uuid4()))
    backend = FileBackend(world.root)

    async def write() -> None:
        async def body() -> AsyncIterator[bytes]:
            yield PNG

        await backend.write(orphan, body())

    anyio.run(write)
    age(backend.path(orphan))
    # Crash mid-body: the temporary file of a plain upload.
    temporary = world.root / "~tmp" / uuid.uuid4().hex
    temporary.write_bytes(b"half a body")
    age(temporary)
    young = world.root / "~tmp" / uuid.uuid4().hex
    young.write_bytes(b"still being written")
    # A resumable upload abandoned half-way, and one still going.
    abandoned_path = f"{campaign}/reconcile/abandoned.png"
    abandoned = tus_client(world, "gm").uploader(
        file_stream=io.BytesIO(png_of(CHUNK + 10)),
        chunk_size=CHUNK,
        metadata=metadata(abandoned_path),
    )
    abandoned.upload_chunk()  # type: ignore[no-untyped-call]
    going_path = f"{campaign}/reconcile/going.png"
    going = tus_client(world, "gm").uploader(
        file_stream=io.BytesIO(png_of(CHUNK + 10)), chunk_size=CHUNK, metadata=metadata(going_path)
    )
    going.upload_chunk()  # type: ignore[no-untyped-call]
    with psycopg.connect(world.dsn, autocommit=True) as db:
        db.execute(
            "update storage.resumable_uploads set expires_at = now() - interval '1 second'"
            " where name = %s",
            (abandoned_path,),
        )
    for piece in (world.root / "~tmp").glob("tus-*"):
        age(piece)
    # A rendering of a version that no longer exists.
    stale_render = cache_root(world) / str(uuid.uuid4())
    stale_render.mkdir(parents=True)
    (stale_render / "x.png").write_bytes(PNG)
    age(stale_render)

    # With the default grace (1 h) only the expired upload goes; then with none, the rest.
    run_worker(world, stack_settings, 3600 * 3)
    with psycopg.connect(world.dsn, autocommit=True) as db:
        names = {r[0] for r in db.execute("select name from storage.resumable_uploads")}
    assert abandoned_path not in names and going_path in names
    assert backend.path(orphan).exists() and temporary.exists()

    output = run_worker(world, stack_settings, 600)
    assert "rows without a file" in output
    assert not backend.path(orphan).exists()
    assert not temporary.exists()
    assert young.exists()  # younger than the grace period
    assert not stale_render.exists()
    pieces = sorted(p.name for p in (world.root / "~tmp").glob("tus-*"))
    assert len(pieces) == 1  # the live upload's piece stays
    with psycopg.connect(world.dsn, autocommit=True) as db:
        rows = {
            r[0]
            for r in db.execute(
                "select name from storage.objects where name like %s", (f"{campaign}/reconcile/%",)
            )
        }
    assert rows == {kept}
    gm = world.client("gm").storage.from_("campaign-maps")
    assert gm.download(kept) == PNG
    # The live upload finishes normally after reconciliation.
    going.upload()
    assert gm.info(going_path)["size"] == CHUNK + 10
    assert all(not p.name.startswith("tus-") for p in stored_files(world.root))
