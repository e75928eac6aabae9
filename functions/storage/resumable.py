"""Resumable uploads: the TUS 1.0.0 protocol as Supabase serves it at `/upload/resumable`.

An upload is created (POST, `Upload-Length`, `Upload-Metadata` with bucketName, objectName,
contentType, cacheControl, metadata; `x-upsert`) after the same write probe as a plain upload,
as the caller; its URL names `base64url("<bucket>/<key>/<version>")`. PATCH requests append at
`Upload-Offset` into the backend's temporary piece (a file, or an S3 multipart upload with the
bytes past the last whole part parked in a small object), never holding more than one part;
HEAD tells the offset, DELETE terminates. The request that reaches `Upload-Length` turns the
piece into the object's version file and writes the row as the caller (RLS decides), exactly
as a plain upload does, so an unfinished upload is never an object.

The database row (`storage.resumable_uploads`) is the truth about the offset: a PATCH cut short
keeps what arrived and records it, so the client resumes from HEAD's offset; a PATCH that fails
records nothing and the next one overwrites whatever the backend holds past the offset.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb
from starlette.requests import ClientDisconnect, Request

from functions.storage.backends import Backend, Location
from functions.storage.config import StorageSettings
from functions.storage.db import SERVICE, Database
from functions.storage.errors import StorageError
from functions.storage.keys import check_key
from functions.storage.mime import check_allowed
from functions.storage.objects import Objects, metadata_of
from functions.storage.uploads import Guarded, parse_user_metadata
from native_platform.caller import CallerContext
from native_platform.digits import is_ascii_digits

__all__ = [
    "CHUNK_TYPE",
    "TUS_EXTENSIONS",
    "TUS_VERSION",
    "Resumable",
    "Upload",
    "decode_upload_id",
    "encode_upload_id",
    "parse_metadata",
    "until_disconnect",
]

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,creation-with-upload,termination,expiration"
CHUNK_TYPE = "application/offset+octet-stream"
# A PATCH that crashed with its process leaves its claim; another may take over after this.
STALE_CLAIM = "5 minutes"

_COLUMNS = (
    "id, bucket_id, name, owner_id, signed, upload_length, upload_offset, upsert, content_type,"
    " cache_control, user_metadata, backend_state, expires_at, expires_at < now() as expired"
)


def tus_error(status: int, message: str, code: str = "InvalidRequest") -> StorageError:
    """A TUS-level refusal (sent as plain text with this status)."""
    return StorageError(code, status, message, code, status)


def encode_upload_id(bucket: str, key: str, version: str) -> str:
    raw = f"{bucket}/{key}/{version}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_upload_id(upload_id: str) -> tuple[str, str, str]:
    """(bucket, key, version) of an upload URL's last segment; 404 when it names nothing."""
    try:
        raw = base64.urlsafe_b64decode(upload_id + "=" * (-len(upload_id) % 4)).decode()
        bucket, rest = raw.split("/", 1)
        key, version = rest.rsplit("/", 1)
        uuid.UUID(version)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise tus_error(404, "Upload not found", "NoSuchUpload") from None
    return bucket, key, version


def parse_metadata(header: str | None) -> dict[str, str]:
    """`Upload-Metadata`: comma-separated `key base64(value)` pairs (the value may be absent)."""
    found: dict[str, str] = {}
    for pair in (header or "").split(","):
        pair = pair.strip()
        if not pair:
            continue
        name, _, encoded = pair.partition(" ")
        try:
            found[name] = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise tus_error(400, f"Upload-Metadata: {name} is not base64") from None
    return found


async def until_disconnect(request: Request) -> AsyncIterator[bytes]:
    """The request body; a client gone mid-body just ends it (what arrived is kept)."""
    try:
        async for chunk in request.stream():
            yield chunk
    except ClientDisconnect:
        return


@dataclass(frozen=True)
class Upload:
    row: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.row["id"])

    @property
    def location(self) -> Location:
        return Location(self.row["bucket_id"], self.row["name"], self.id)

    @property
    def offset(self) -> int:
        return int(self.row["upload_offset"])

    @property
    def length(self) -> int:
        return int(self.row["upload_length"])

    @property
    def expires_at(self) -> datetime:
        value = self.row["expires_at"]
        assert isinstance(value, datetime)
        return value

    @property
    def state(self) -> dict[str, Any]:
        value = self.row["backend_state"]
        return value if isinstance(value, dict) else {}

    @property
    def upload_id(self) -> str:
        return encode_upload_id(self.row["bucket_id"], self.row["name"], self.id)


def _sub(caller: CallerContext) -> str | None:
    value = caller.claims.get("sub")
    return value if isinstance(value, str) and value else None


def _cache_control(seconds: str | None) -> str:
    text = (seconds or "").strip()
    if is_ascii_digits(text):
        return f"max-age={int(text)}"
    return "no-cache"


@dataclass
class Resumable:
    db: Database
    backend: Backend
    objects: Objects
    settings: StorageSettings

    async def create(
        self,
        caller: CallerContext,
        length: int,
        metadata: dict[str, str],
        *,
        upsert: bool,
        signed_owner: str | None = None,
        signed: bool = False,
    ) -> Upload:
        """Check the caller may write the key (as a plain upload would), then open the upload."""
        bucket_id = metadata.get("bucketName") or ""
        key = metadata.get("objectName") or ""
        if not bucket_id or not key:
            raise tus_error(400, "Upload-Metadata must name bucketName and objectName")
        check_key(key)
        owner = signed_owner if signed else _sub(caller)
        bucket, remaining = await self.objects.probe_upload(caller, bucket_id, key, upsert, owner)
        limit, too_large = self.objects.size_limit(bucket, remaining, key)
        if length > limit:
            raise too_large
        content_type = metadata.get("contentType") or "application/octet-stream"
        check_allowed(content_type, bucket.allowed_mime_types)
        user_metadata = None
        if metadata.get("metadata"):
            user_metadata = parse_user_metadata(metadata["metadata"])
        version = str(uuid.uuid4())
        where = Location(bucket_id, key, version)
        state = await self.backend.resumable_begin(where)
        try:
            async with self.db.acting_as(SERVICE) as conn:
                cursor = await conn.execute(
                    "insert into storage.resumable_uploads (id, bucket_id, name, owner_id,"
                    " signed, upload_length, upsert, content_type, cache_control,"
                    " user_metadata, backend_state, expires_at) values (%s, %s, %s, %s, %s,"
                    " %s, %s, %s, %s, %s, %s, now() + make_interval(secs => %s))"
                    f" returning {_COLUMNS}",
                    (
                        version,
                        bucket_id,
                        key,
                        owner,
                        signed,
                        length,
                        upsert,
                        content_type,
                        _cache_control(metadata.get("cacheControl")),
                        None if user_metadata is None else Jsonb(user_metadata),
                        Jsonb(state),
                        self.settings.resumable_expiry_seconds,
                    ),
                )
                row = await cursor.fetchone()
        except BaseException:
            await self.backend.resumable_abort(where, state)
            raise
        assert row is not None
        return Upload(row)

    async def find(
        self,
        caller: CallerContext,
        upload_id: str,
        *,
        signed: bool = False,
        signed_owner: str | None = None,
    ) -> Upload:
        """The upload, if `caller` started it (or holds the signed URL it came from)."""
        bucket_id, key, version = decode_upload_id(upload_id)
        async with self.db.acting_as(SERVICE) as conn:
            cursor = await conn.execute(
                f"select {_COLUMNS} from storage.resumable_uploads"
                " where id = %s and bucket_id = %s and name = %s",
                (version, bucket_id, key),
            )
            row = await cursor.fetchone()
        if row is None:
            raise tus_error(404, "Upload not found", "NoSuchUpload")
        upload = Upload(row)
        if signed:
            allowed = row["signed"] and signed_owner == row["owner_id"]
        else:
            allowed = not row["signed"] and (
                caller.role == "service_role" or _sub(caller) == row["owner_id"]
            )
        if not allowed:
            raise tus_error(404, "Upload not found", "NoSuchUpload")
        if row["expired"]:
            raise tus_error(410, "The upload has expired", "UploadExpired")
        return upload

    async def receive(
        self, caller: CallerContext, upload: Upload, offset: int, source: AsyncIterator[bytes]
    ) -> int:
        """Append a PATCH body at `offset`; the new offset. The last byte writes the object."""
        if offset != upload.offset:
            raise tus_error(409, f"Upload-Offset is {upload.offset}, not {offset}", "Conflict")
        async with self.db.acting_as(SERVICE) as conn:
            cursor = await conn.execute(
                "update storage.resumable_uploads set patching_since = now()"
                " where id = %s and upload_offset = %s and (patching_since is null"
                f" or patching_since < now() - interval '{STALE_CLAIM}') returning id",
                (upload.id, offset),
            )
            claimed = await cursor.fetchone()
        if claimed is None:
            raise tus_error(409, "The upload is being written by another request", "Conflict")
        where = upload.location
        try:
            sniffed = check_allowed(str(upload.row["content_type"]), None) if offset == 0 else ""
            guarded = Guarded(
                source,
                upload.length - offset,
                sniffed,
                tus_error(413, "The body goes past Upload-Length", "EntityTooLarge"),
                md5=False,  # the ETag comes from resumable_finish
            )
            state, written = await self.backend.resumable_append(
                where, upload.state, offset, guarded.chunks()
            )
            async with self.db.acting_as(SERVICE) as conn:
                await conn.execute(
                    "update storage.resumable_uploads set upload_offset = %s,"
                    " backend_state = %s, patching_since = null where id = %s",
                    (offset + written, Jsonb(state), upload.id),
                )
        except BaseException:
            async with self.db.acting_as(SERVICE) as conn:
                await conn.execute(
                    "update storage.resumable_uploads set patching_since = null where id = %s",
                    (upload.id,),
                )
            raise
        if offset + written == upload.length:
            await self.complete(caller, upload, state)
        return offset + written

    async def complete(self, caller: CallerContext, upload: Upload, state: dict[str, Any]) -> None:
        """The piece becomes the version file and the row is written (as the caller, or as the
        service for a signed upload); the upload is gone either way."""
        where = upload.location
        try:
            etag = await self.backend.resumable_finish(where, state)
            metadata = metadata_of(
                etag, upload.length, upload.row["content_type"], upload.row["cache_control"]
            )
            values = self.objects.row_values(
                where.bucket,
                where.key,
                where.version,
                upload.row["owner_id"],
                metadata=metadata,
                user_metadata=upload.row["user_metadata"],
            )
            writer = SERVICE if upload.row["signed"] else caller
            await self.objects.record(writer, values, where, bool(upload.row["upsert"]))
        finally:
            await self.forget(upload)

    async def forget(self, upload: Upload) -> None:
        async with self.db.acting_as(SERVICE) as conn:
            await conn.execute("delete from storage.resumable_uploads where id = %s", (upload.id,))

    async def terminate(self, upload: Upload) -> None:
        """DELETE: the received bytes and the upload go."""
        await self.forget(upload)
        await self.backend.resumable_abort(upload.location, upload.state)

    async def finish_empty(self, caller: CallerContext, upload: Upload) -> None:
        """An upload of length 0 is complete as soon as it exists."""
        state, _ = await self.backend.resumable_append(upload.location, upload.state, 0, _nothing())
        await self.complete(caller, upload, state)


async def _nothing() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover - makes this an async generator
