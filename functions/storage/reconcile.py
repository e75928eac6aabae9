"""`python -m functions.storage.reconcile [--once] [--interval S] [--grace S]`: remove what a
crash left between the database and the backend.

Writes store the file first and the row second (objects.py), so a crash can leave a file no
row names (or a temporary file of an upload cut short); an operator deleting files by hand can
leave a row without its file. This worker, started with the stack (`[workers.storage-reconcile]`
in supabase/config.toml), finds and removes, each only once older than the grace period:

- version files no `storage.objects` row names, and temporary files under `~tmp`;
- open S3 multipart uploads and resumable pieces no live upload owns;
- rows whose version file is missing (the object cannot be served; its quota is given back);
- expired resumable uploads (row and pieces, whatever their age);
- cached renderings of versions that no longer exist.

Rows are read before the backend is walked, and a row is deleted only if it still names the
version found missing, so an object written or overwritten meanwhile is never touched.
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread

from functions.storage.backends import TMP_DIR, Backend, Location, make_backend
from functions.storage.config import StorageSettings, get_settings
from functions.storage.db import SERVICE, Database
from functions.storage.render import drop_cached_versions
from functions.storage.resumable import STALE_CLAIM
from native_platform.observability.logging import configure_logging

__all__ = ["Report", "main", "reconcile"]

log = logging.getLogger("functions.storage.reconcile")


@dataclass
class Report:
    files_removed: list[Location] = field(default_factory=list)
    uploads_aborted: list[Location] = field(default_factory=list)
    rows_removed: list[tuple[str, str, str]] = field(default_factory=list)
    expired_uploads: list[str] = field(default_factory=list)
    renders_removed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.files_removed)} files and {len(self.uploads_aborted)} open uploads"
            f" without a row, {len(self.rows_removed)} rows without a file,"
            f" {len(self.expired_uploads)} expired resumable uploads,"
            f" {len(self.renders_removed)} stale render caches removed"
        )


@dataclass(frozen=True)
class _Known:
    rows: set[tuple[str, str, str]]
    old_rows: set[tuple[str, str, str]]
    uploads: set[str]

    @property
    def versions(self) -> set[str]:
        return {version for _, _, version in self.rows} | self.uploads


async def _expire_uploads(db: Database, backend: Backend, report: Report) -> None:
    async with db.acting_as(SERVICE) as conn:
        cursor = await conn.execute(
            "delete from storage.resumable_uploads where expires_at < now() and"
            f" (patching_since is null or patching_since < now() - interval '{STALE_CLAIM}')"
            " returning id, bucket_id, name, backend_state"
        )
        expired = await cursor.fetchall()
    for row in expired:
        state = row["backend_state"] if isinstance(row["backend_state"], dict) else {}
        await backend.resumable_abort(
            Location(row["bucket_id"], row["name"], str(row["id"])), state
        )
        report.expired_uploads.append(str(row["id"]))


async def _known(db: Database, grace: int) -> _Known:
    async with db.acting_as(SERVICE) as conn:
        cursor = await conn.execute(
            "select bucket_id, name, version,"
            " updated_at < now() - make_interval(secs => %s) as old"
            " from storage.objects where version is not null",
            (grace,),
        )
        objects = await cursor.fetchall()
        cursor = await conn.execute("select id from storage.resumable_uploads")
        uploads = {str(row["id"]) for row in await cursor.fetchall()}
    rows = {(r["bucket_id"], r["name"], r["version"]) for r in objects}
    old = {(r["bucket_id"], r["name"], r["version"]) for r in objects if r["old"]}
    return _Known(rows, old, uploads)


async def _sweep_backend(
    backend: Backend, known: _Known, cutoff: float, report: Report
) -> set[tuple[str, str, str]]:
    """Remove old files no row or live upload owns; the version files seen."""
    seen: set[tuple[str, str, str]] = set()
    stale: list[Location] = []
    async for found in backend.walk():
        where = found.location
        old = found.modified_at < cutoff
        if where.bucket == TMP_DIR:
            if where.key.removeprefix("tus-") not in known.uploads and old:
                stale.append(where)
        elif found.upload_id is not None:
            if where.version not in known.uploads and old:
                await backend.abort_upload(where, found.upload_id)
                report.uploads_aborted.append(where)
        else:
            triple = (where.bucket, where.key, where.version)
            seen.add(triple)
            if triple not in known.rows and where.version not in known.uploads and old:
                stale.append(where)
    if stale:
        await backend.delete(stale)
        report.files_removed.extend(stale)
    return seen


async def _drop_rows(db: Database, missing: set[tuple[str, str, str]], report: Report) -> None:
    async with db.acting_as(SERVICE) as conn:
        for bucket_id, name, version in sorted(missing):
            cursor = await conn.execute(
                "delete from storage.objects where bucket_id = %s and name = %s and version = %s",
                (bucket_id, name, version),
            )
            if cursor.rowcount:
                report.rows_removed.append((bucket_id, name, version))


def _stale_renders(cache: Path, versions: set[str], cutoff: float) -> list[str]:
    if not cache.is_dir():
        return []
    return [
        entry.name
        for entry in cache.iterdir()
        if entry.is_dir() and entry.name not in versions and entry.stat().st_mtime < cutoff
    ]


async def reconcile(
    db: Database, backend: Backend, settings: StorageSettings, grace: int | None = None
) -> Report:
    """One pass; `grace` defaults to the settings' `orphan_grace_seconds`."""
    grace = settings.orphan_grace_seconds if grace is None else grace
    cutoff = time.time() - grace
    report = Report()
    await _expire_uploads(db, backend, report)
    known = await _known(db, grace)
    seen = await _sweep_backend(backend, known, cutoff, report)
    await _drop_rows(db, known.old_rows - seen, report)
    renders = await anyio.to_thread.run_sync(
        _stale_renders, settings.render_cache, known.versions, cutoff
    )
    await anyio.to_thread.run_sync(drop_cached_versions, settings.render_cache, renders)
    report.renders_removed.extend(renders)
    return report


async def _run(once: bool, interval: float, grace: int | None) -> int:
    settings = get_settings()
    db = Database(settings.database_url.get_secret_value(), 60_000, 2)
    backend = make_backend(settings)
    await backend.start()
    await db.open()
    try:
        while True:
            try:
                report = await reconcile(db, backend, settings, grace)
                log.info("storage reconciliation: %s", report.summary())
            except Exception:
                if once:
                    raise
                log.exception("storage reconciliation failed; trying again later")
            if once:
                return 0
            await anyio.sleep(interval)
    finally:
        await db.close()
        await backend.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m functions.storage.reconcile")
    parser.add_argument("--once", action="store_true", help="one pass, then exit")
    parser.add_argument("--interval", type=float, default=600.0, help="seconds between passes")
    parser.add_argument(
        "--grace", type=int, default=None, help="seconds a leftover must be older than"
    )
    args: Any = parser.parse_args(argv)
    configure_logging("storage-reconcile")
    try:
        return anyio.run(_run, args.once, args.interval, args.grace)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
