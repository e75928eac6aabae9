"""Object operations: each pairs the backend with the database so that no row is left without
its file and no file without its row.

Writes store the new version's file first, then write the row as the caller (RLS decides) and
delete the file again if that fails; the replaced version's file is deleted only after the row
committed. A crash between the two steps leaves a file no row names, which reconciliation
(`functions.storage.reconcile`) removes. Before any byte is read, an upload is checked the way
upstream's probe does: the row is written as the caller in a transaction that is rolled back.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio.to_thread
from psycopg.types.json import Jsonb
from starlette.requests import Request

from functions.storage import store
from functions.storage.backends import Backend, Location
from functions.storage.config import StorageSettings
from functions.storage.db import SERVICE, Database
from functions.storage.errors import StorageError
from functions.storage.keys import check_key
from functions.storage.mime import check_allowed
from functions.storage.render import drop_cached_versions
from functions.storage.uploads import Guarded, read_upload
from native_platform.caller import CallerContext

__all__ = ["Objects", "metadata_of"]

PLACEHOLDER = ".emptyFolderPlaceholder"


def _owner(sub: str | None) -> tuple[str | None, str | None]:
    """(owner uuid or None, owner_id) of a JWT `sub`."""
    if not sub:
        return None, None
    try:
        return str(uuid.UUID(sub)), sub
    except ValueError:
        return None, sub


def metadata_of(etag: str, size: int, content_type: str, cache_control: str) -> dict[str, Any]:
    """The server metadata of a stored version, as upstream records it."""
    return {
        "eTag": etag,
        "size": size,
        "mimetype": content_type,
        "cacheControl": cache_control,
        "lastModified": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "contentLength": size,
        "httpStatusCode": 200,
    }


def _sub(caller: CallerContext) -> str | None:
    value = caller.claims.get("sub")
    return value if isinstance(value, str) and value else None


@dataclass
class Objects:
    db: Database
    backend: Backend
    settings: StorageSettings

    async def _discard(self, places: list[Location]) -> None:
        """Delete files whose rows are gone, and their cached renderings; a failure leaves
        work for reconciliation."""
        with contextlib.suppress(Exception):
            await self.backend.delete(places)
        versions = [where.version for where in places if where.version]
        if versions:
            with contextlib.suppress(Exception):
                await anyio.to_thread.run_sync(
                    drop_cached_versions, self.settings.render_cache, versions
                )

    async def find(self, caller: CallerContext, bucket_id: str, key: str) -> store.ObjectRow:
        """The object as `caller` sees it (RLS), or NoSuchBucket / NoSuchKey."""
        check_key(key)
        async with self.db.acting_as(caller) as conn:
            found = await store.get_object(conn, bucket_id, key)
            if found is None:
                if not await store.bucket_exists(conn, bucket_id):
                    raise StorageError.no_such_bucket()
                raise StorageError.no_such_key()
        return found

    async def find_public(self, bucket_id: str, key: str) -> store.ObjectRow:
        """An object of a public bucket, whoever asks."""
        check_key(key)
        async with self.db.acting_as(SERVICE) as conn:
            bucket = await store.get_bucket(conn, bucket_id)
            if bucket is None or not bucket.public:
                raise StorageError.no_such_bucket()
            found = await store.get_object(conn, bucket_id, key)
        if found is None:
            raise StorageError.no_such_key()
        return found

    def row_values(
        self, bucket_id: str, key: str, version: str, owner_sub: str | None, **extra: Any
    ) -> dict[str, Any]:
        owner, owner_id = _owner(owner_sub)
        user_metadata = extra.get("user_metadata")
        return {
            "bucket_id": bucket_id,
            "name": key,
            "owner": owner,
            "owner_id": owner_id,
            "version": version,
            "metadata": Jsonb(extra.get("metadata") or {"size": 0}),
            "user_metadata": None if user_metadata is None else Jsonb(user_metadata),
        }

    async def probe_upload(
        self, caller: CallerContext, bucket_id: str, key: str, upsert: bool, owner: str | None
    ) -> tuple[store.Bucket, int | None]:
        """Whether `caller` may write the key (rolled back); the bucket and remaining quota."""
        check_key(key)
        async with self.db.acting_as(caller, rollback=True) as conn:
            bucket = await store.get_bucket(conn, bucket_id)
            if bucket is None:
                raise StorageError.no_such_bucket()
            probe = self.row_values(bucket_id, key, str(uuid.uuid4()), owner)
            await store.write_object(conn, probe, upsert=upsert)
            remaining = await store.quota_remaining(conn)
        if owner is not None and caller.role == "service_role":
            async with self.db.acting_as(
                CallerContext("authenticated", {"role": "authenticated", "sub": owner})
            ) as conn:
                remaining = await store.quota_remaining(conn)
        return bucket, remaining

    def size_limit(
        self, bucket: store.Bucket, remaining: int | None, key: str
    ) -> tuple[int, StorageError]:
        limit = min(
            bucket.file_size_limit or self.settings.file_size_limit, self.settings.file_size_limit
        )
        too_large = StorageError.too_large()
        if key.endswith(PLACEHOLDER):
            limit = 0
        if remaining is not None and remaining < limit:
            limit, too_large = remaining, StorageError.too_large("The storage quota is exceeded")
        return limit, too_large

    async def upload(
        self,
        caller: CallerContext,
        bucket_id: str,
        key: str,
        request: Request,
        *,
        upsert: bool,
        owner: str | None = None,
    ) -> store.ObjectRow:
        """Stream the request body into the backend, then record it as `caller`."""
        owner = owner if caller.role == "service_role" else _sub(caller)
        bucket, remaining = await self.probe_upload(caller, bucket_id, key, upsert, owner)
        limit, too_large = self.size_limit(bucket, remaining, key)
        incoming = await read_upload(request)
        if incoming.declared_length is not None and incoming.declared_length > limit:
            raise too_large
        base = check_allowed(incoming.content_type, bucket.allowed_mime_types)
        guarded = Guarded(incoming.chunks, limit, base, too_large, md5=not self.backend.gives_etag)
        where = Location(bucket_id, key, str(uuid.uuid4()))
        etag = await self.backend.write(where, guarded.chunks())
        metadata = metadata_of(
            etag or guarded.etag, guarded.size, incoming.content_type, incoming.cache_control
        )
        values = self.row_values(
            bucket_id,
            key,
            where.version,
            owner,
            metadata=metadata,
            user_metadata=incoming.user_metadata,
        )
        return await self.record(caller, values, where, upsert)

    async def record(
        self, caller: CallerContext, values: dict[str, Any], where: Location, upsert: bool
    ) -> store.ObjectRow:
        """Write the row of a stored file; on failure the file goes, on success the old one."""
        previous = None
        try:
            async with self.db.acting_as(caller) as conn:
                if upsert:
                    previous = await store.get_object(
                        conn, where.bucket, where.key, for_update=True
                    )
                row = await store.write_object(conn, values, upsert=upsert)
        except BaseException:
            await self._discard([where])
            raise
        if previous is not None and previous.version != where.version:
            await self._discard([Location(where.bucket, where.key, previous.version)])
        return row

    async def move(
        self, caller: CallerContext, source: tuple[str, str], target: tuple[str, str]
    ) -> store.ObjectRow:
        check_key(source[1])
        check_key(target[1])
        found = await self.find(caller, *source)
        copied = Location(*target, str(uuid.uuid4()))
        try:
            await self.backend.copy(Location(*source, found.version), copied)
        except FileNotFoundError:
            raise StorageError.no_such_key() from None
        try:
            async with self.db.acting_as(caller) as conn:
                moved = await store.rename_object(conn, source, target, copied.version)
                if moved is None:
                    raise StorageError.no_such_key()
        except BaseException:
            await self._discard([copied])
            raise
        await self._discard([Location(*source, found.version)])
        return moved

    async def copy(
        self,
        caller: CallerContext,
        source: tuple[str, str],
        target: tuple[str, str],
        *,
        upsert: bool,
        user_metadata: dict[str, Any] | None,
        copy_metadata: bool,
        overrides: dict[str, Any] | None,
    ) -> store.ObjectRow:
        check_key(target[1])
        found = await self.find(caller, *source)
        copied = Location(*target, str(uuid.uuid4()))
        try:
            await self.backend.copy(Location(*source, found.version), copied)
        except FileNotFoundError:
            raise StorageError.no_such_key() from None
        metadata = dict(found.metadata)
        if overrides:
            if "mimetype" in overrides:
                metadata["mimetype"] = str(overrides["mimetype"])
            if "cacheControl" in overrides:
                metadata["cacheControl"] = str(overrides["cacheControl"])
        kept = found.row["user_metadata"] if copy_metadata else None
        values = self.row_values(
            *target,
            copied.version,
            _sub(caller),
            metadata=metadata,
            user_metadata=user_metadata if user_metadata is not None else kept,
        )
        return await self.record(caller, values, copied, upsert)

    async def remove(
        self, caller: CallerContext, bucket_id: str, keys: list[str]
    ) -> list[store.ObjectRow]:
        async with self.db.acting_as(caller) as conn:
            removed = await store.delete_objects(conn, bucket_id, keys)
        await self._discard([Location(bucket_id, r.row["name"], r.version) for r in removed])
        return removed

    async def empty_bucket(self, bucket_id: str, batch: int = 1000) -> None:
        """Remove every object of a bucket as the service, a batch at a time."""
        while True:
            async with self.db.acting_as(SERVICE) as conn:
                cursor = await conn.execute(
                    "select name from storage.objects where bucket_id = %s limit %s",
                    (bucket_id, batch),
                )
                names = [row["name"] for row in await cursor.fetchall()]
                removed = await store.delete_objects(conn, bucket_id, names)
            await self._discard([Location(bucket_id, r.row["name"], r.version) for r in removed])
            if len(names) < batch:
                return
