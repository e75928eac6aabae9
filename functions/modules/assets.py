"""Scene and handout assets of game modules into storage (issue 21, docs/modules.md).

The files a module's scenes name (`provides.scenes[i].assets[j]`, relative to its folder) are
stored in the `module-assets` bucket at `<module id>/<version>/<asset path>` as the storage
service lays objects out: the bytes in its backend (`functions.storage.backends`) under a new
version, then the `storage.objects` row, in the install's transaction — so a failed install
records no object, and the file it left is removed by the storage reconciliation worker, as
the storage service's own failed uploads are. The bucket's policy lets the campaigns enabling
that version read them.

Refused before anything is installed, naming the field: an asset that is missing, not a regular
file, outside the module's folder once symbolic links are resolved, larger than the bucket's
limit or of a type it does not take. (Manifest validation already refuses absolute paths and
`.`/`..` segments.)
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from functions.modules.manifest import Manifest, ManifestError
from functions.storage.backends import Backend, Location
from functions.storage.objects import metadata_of

__all__ = ["BUCKET", "Asset", "module_folders", "module_assets", "store_assets"]

BUCKET = "module-assets"
_CHUNK = 1 << 20
_TYPES = {".md": "text/markdown"}  # the platform's table may lack Markdown


@dataclass(frozen=True)
class Asset:
    key: str  # <module id>/<version>/<asset path>
    path: Path
    mime: str
    size: int
    md5: str


def module_folders(paths: list[Path]) -> list[Path]:
    """The folder of each module `load_paths` reads, in the same order."""
    folders: list[Path] = []
    for path in paths:
        if path.is_dir() and not (path / "module.json").exists():
            folders += sorted(p.parent for p in path.glob("*/module.json"))
        else:
            folders.append(path if path.is_dir() else path.parent)
    return folders


def _bucket_rules(conn: psycopg.Connection[Any]) -> tuple[int, set[str]]:
    row = conn.execute(
        "select file_size_limit, allowed_mime_types from storage.buckets where id = %s",
        (BUCKET,),
    ).fetchone()
    if row is None:
        raise ManifestError("provides.scenes", f"the {BUCKET} bucket does not exist")
    return int(row[0]), set(row[1] or ())


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return f'"{digest.hexdigest()}"'


def module_assets(conn: psycopg.Connection[Any], manifest: Manifest, folder: Path) -> list[Asset]:
    """The module's asset files, checked (see the module docstring); ManifestError names the
    field of the first refused one."""
    limit, types = _bucket_rules(conn)
    root = folder.resolve()
    found: dict[str, Asset] = {}
    for i, scene in enumerate(manifest.provides.scenes):
        for j, relative in enumerate(scene.assets):
            field = f"provides.scenes[{i}].assets[{j}]"
            path = (root / relative).resolve()
            if not path.is_relative_to(root):
                raise ManifestError(field, f"{relative!r} leads outside the module's folder")
            if not path.is_file():
                raise ManifestError(field, f"{relative!r} is not a file of the module")
            size = path.stat().st_size
            if size > limit:
                raise ManifestError(field, f"{relative!r} is larger than {limit} bytes")
            mime = _TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or ""
            if mime not in types:
                raise ManifestError(field, f"{relative!r}: type {mime or 'unknown'} not allowed")
            key = f"{manifest.id}/{manifest.version}/{relative}"
            found[key] = Asset(key, path, mime, size, _md5(path))
    return list(found.values())


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


async def store_assets(
    conn: psycopg.Connection[Any], backend: Backend, assets: list[Asset]
) -> tuple[list[str], list[Location]]:
    """Write each asset whose stored copy differs (by MD5) and its row, on `conn` (in the
    caller's transaction, as the service role). Returns the keys written and the replaced
    versions' files, which the caller deletes once the transaction committed."""
    written: list[str] = []
    replaced: list[Location] = []
    for asset in assets:
        row = conn.execute(
            "select version, metadata ->> 'eTag' from storage.objects"
            " where bucket_id = %s and name = %s for update",
            (BUCKET, asset.key),
        ).fetchone()
        if row is not None and row[1] == asset.md5:
            continue
        where = Location(BUCKET, asset.key, str(uuid.uuid4()))
        etag = await backend.write(where, _chunks(asset.path))
        metadata = metadata_of(etag or asset.md5, asset.size, asset.mime, "max-age=3600")
        conn.execute(
            "insert into storage.objects (bucket_id, name, version, metadata)"
            " values (%s, %s, %s, %s)"
            " on conflict (bucket_id, name) do update set version = excluded.version,"
            " metadata = excluded.metadata, updated_at = now()",
            (BUCKET, asset.key, where.version, json.dumps(metadata)),
        )
        written.append(asset.key)
        if row is not None and row[0]:
            replaced.append(Location(BUCKET, asset.key, str(row[0])))
    return written, replaced
