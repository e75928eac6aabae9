"""The S3-compatible backend (AWS S3, Backblaze B2, Cloudflare R2, MinIO) through boto3.

Objects are `<bucket>/<key>/<version>~` in one S3 bucket. Uploads stream: bodies below one
part go up with a single PUT, larger ones as a multipart upload of `part_size` parts, sent
while the next part arrives (at most `upload_concurrency` + 1 parts per upload in memory); a
failed upload is aborted, leaving nothing. boto3 is synchronous and thread-safe, so each call
runs in a worker thread. The stored ETag is S3's own, as upstream records it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from functions.storage.backends.base import (
    TMP_DIR,
    VERSION_SUFFIX,
    Location,
    StoredFile,
    resumable_piece,
)
from functions.storage.config import S3Settings

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

__all__ = ["S3Backend"]

READ_CHUNK = 1024 * 1024
_MISSING = ("NoSuchKey", "404", "NotFound")


class S3Backend:
    def __init__(self, settings: S3Settings) -> None:
        self.settings = settings
        self.bucket = settings.bucket
        secret = settings.secret_access_key
        key_id = settings.access_key_id
        self.client: S3Client = boto3.client(
            "s3",
            endpoint_url=settings.endpoint_url,
            region_name=settings.region,
            aws_access_key_id=key_id.get_secret_value() if key_id else None,
            aws_secret_access_key=secret.get_secret_value() if secret else None,
            config=Config(
                s3={"addressing_style": "path" if settings.force_path_style else "auto"},
                retries={"max_attempts": 3, "mode": "standard"},
                max_pool_connections=32,
                request_checksum_calculation=settings.checksums,
                response_checksum_validation=settings.checksums,
            ),
        )

    @staticmethod
    def object_key(where: Location) -> str:
        if where.bucket == TMP_DIR:
            return f"{TMP_DIR}/{where.key}"
        return f"{where.bucket}/{where.key}/{where.version}{VERSION_SUFFIX}"

    async def start(self) -> None:
        def ensure() -> None:
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError:
                self.client.create_bucket(Bucket=self.bucket)

        await anyio.to_thread.run_sync(ensure)

    async def close(self) -> None:
        self.client.close()

    gives_etag = True

    async def write(self, where: Location, chunks: AsyncIterator[bytes]) -> str:
        key = self.object_key(where)
        part_size = self.settings.part_size
        buffer = bytearray()
        upload: _Multipart | None = None
        try:
            with _first_error():
                async with anyio.create_task_group() as sending:
                    # Parts go up (worker threads) while the next ones arrive: at most
                    # `upload_concurrency` parts in flight plus the one being filled.
                    slots = anyio.Semaphore(self.settings.upload_concurrency)
                    async for chunk in chunks:
                        buffer += chunk
                        while len(buffer) >= part_size:
                            if upload is None:
                                upload = await _Multipart.begin(self.client, self.bucket, key)
                            part = bytes(memoryview(buffer)[:part_size])
                            del buffer[:part_size]
                            await slots.acquire()
                            sending.start_soon(upload.send_part, upload.next_number(), part, slots)
                    if upload is not None and buffer:
                        await slots.acquire()
                        last = bytes(buffer)
                        sending.start_soon(upload.send_part, upload.next_number(), last, slots)
            if upload is None:
                body = bytes(buffer)
                answer = await anyio.to_thread.run_sync(
                    lambda: self.client.put_object(Bucket=self.bucket, Key=key, Body=body)
                )
                return str(answer["ETag"])
            return await upload.complete()
        except BaseException:
            if upload is not None:
                with anyio.CancelScope(shield=True):
                    await upload.abort()
            raise

    async def open(
        self, where: Location, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        span = f"bytes={start}-{'' if end is None else end}"
        key = self.object_key(where)

        def get() -> Any:
            try:
                return self.client.get_object(Bucket=self.bucket, Key=key, Range=span)["Body"]
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in _MISSING:
                    raise FileNotFoundError(key) from None
                raise

        body = await anyio.to_thread.run_sync(get)
        return _stream(body)

    async def copy(self, source: Location, target: Location) -> None:
        origin = {"Bucket": self.bucket, "Key": self.object_key(source)}
        key = self.object_key(target)

        def managed_copy() -> None:
            try:
                self.client.copy(origin, self.bucket, key)  # type: ignore[arg-type]
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in _MISSING:
                    raise FileNotFoundError(origin["Key"]) from None
                raise

        await anyio.to_thread.run_sync(managed_copy)

    async def delete(self, places: Sequence[Location]) -> None:
        keys = [self.object_key(where) for where in places]
        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            await anyio.to_thread.run_sync(
                lambda b=batch: self.client.delete_objects(  # type: ignore[misc]
                    Bucket=self.bucket, Delete={"Objects": b, "Quiet": True}
                )
            )

    async def walk(self) -> AsyncIterator[StoredFile]:
        for item in await anyio.to_thread.run_sync(_stored, self.client, self.bucket):
            yield item
        for item in await anyio.to_thread.run_sync(_open_uploads, self.client, self.bucket):
            yield item

    async def abort_upload(self, where: Location, upload_id: str) -> None:
        await _Multipart(self.client, self.bucket, self.object_key(where), upload_id).abort()

    # Resumable uploads: an S3 multipart upload of the final key, parts of `part_size`; the
    # bytes past the last whole part wait in the object `~tmp/tus-<version>` (read back and
    # completed by the next PATCH), so memory holds at most one part per request. The state
    # records the upload id, the parts (ETag, number, size) and the pending byte count.

    async def resumable_begin(self, where: Location) -> dict[str, Any]:
        upload = await _Multipart.begin(self.client, self.bucket, self.object_key(where))
        return {"upload_id": upload.upload_id, "parts": [], "pending": 0}

    async def _pending(self, where: Location, size: int) -> bytes:
        if size == 0:
            return b""
        key = self.object_key(resumable_piece(where.version))

        def get() -> bytes:
            body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            return body

        data = await anyio.to_thread.run_sync(get)
        return data[:size]

    async def resumable_append(
        self, where: Location, state: dict[str, Any], offset: int, chunks: AsyncIterator[bytes]
    ) -> tuple[dict[str, Any], int]:
        parts: list[dict[str, Any]] = list(state.get("parts", []))
        in_parts = sum(int(part["Size"]) for part in parts)
        if not in_parts <= offset <= in_parts + int(state.get("pending", 0)):
            raise ValueError("the offset is not where the stored parts end")
        upload = _Multipart(
            self.client, self.bucket, self.object_key(where), str(state["upload_id"])
        )
        upload.parts = [{"ETag": p["ETag"], "PartNumber": p["PartNumber"]} for p in parts]
        buffer = bytearray(await self._pending(where, offset - in_parts))
        written = 0
        async for chunk in chunks:
            buffer += chunk
            written += len(chunk)
            while len(buffer) >= self.settings.part_size:
                size = self.settings.part_size
                await upload.send(bytes(buffer[:size]))
                parts.append({**upload.parts[-1], "Size": size})
                del buffer[:size]
        pending_key = self.object_key(resumable_piece(where.version))
        body = bytes(buffer)
        await anyio.to_thread.run_sync(
            lambda: self.client.put_object(Bucket=self.bucket, Key=pending_key, Body=body)
        )
        return {"upload_id": upload.upload_id, "parts": parts, "pending": len(body)}, written

    async def resumable_finish(self, where: Location, state: dict[str, Any]) -> str:
        key = self.object_key(where)
        upload = _Multipart(self.client, self.bucket, key, str(state["upload_id"]))
        parts: list[dict[str, Any]] = list(state.get("parts", []))
        upload.parts = [{"ETag": p["ETag"], "PartNumber": p["PartNumber"]} for p in parts]
        pending = await self._pending(where, int(state.get("pending", 0)))
        if not parts:
            # Nothing reached a whole part: one PUT (S3 refuses a multipart upload of no part).
            await upload.abort()
            answer = await anyio.to_thread.run_sync(
                lambda: self.client.put_object(Bucket=self.bucket, Key=key, Body=pending)
            )
            etag = str(answer["ETag"])
        else:
            if pending:
                await upload.send(pending)
            etag = await upload.complete()
        await self.delete([resumable_piece(where.version)])
        return etag

    async def resumable_abort(self, where: Location, state: dict[str, Any]) -> None:
        if state.get("upload_id"):
            await self.abort_upload(where, str(state["upload_id"]))
        await self.delete([resumable_piece(where.version)])


@contextmanager
def _first_error() -> Iterator[None]:
    """A task group's lone error as itself (a refused body stays a StorageError)."""
    try:
        yield
    except BaseExceptionGroup as group:
        if len(group.exceptions) == 1:
            raise group.exceptions[0] from None
        raise


def _stored(client: S3Client, bucket: str) -> list[StoredFile]:
    found = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            parsed = _parse_key(item["Key"])
            if parsed is not None:
                found.append(StoredFile(parsed, item["Size"], item["LastModified"].timestamp()))
    return found


def _open_uploads(client: S3Client, bucket: str) -> list[StoredFile]:
    found = []
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket):
        for item in page.get("Uploads", []):
            parsed = _parse_key(item["Key"])
            if parsed is not None:
                started = item["Initiated"].timestamp()
                found.append(StoredFile(parsed, 0, started, item["UploadId"]))
    return found


def _parse_key(key: str) -> Location | None:
    if key.startswith(f"{TMP_DIR}/"):
        return Location(TMP_DIR, key.removeprefix(f"{TMP_DIR}/"), "")
    head, _, version = key.rpartition("/")
    bucket, _, name = head.partition("/")
    if not version.endswith(VERSION_SUFFIX) or not bucket or not name:
        return None
    return Location(bucket, name, version.removesuffix(VERSION_SUFFIX))


async def _stream(body: Any) -> AsyncIterator[bytes]:
    try:
        while True:
            chunk: bytes = await anyio.to_thread.run_sync(body.read, READ_CHUNK)
            if not chunk:
                break
            yield chunk
    finally:
        body.close()


class _Multipart:
    """One multipart upload in progress."""

    def __init__(self, client: S3Client, bucket: str, key: str, upload_id: str) -> None:
        self.client, self.bucket, self.key, self.upload_id = client, bucket, key, upload_id
        self.parts: list[dict[str, Any]] = []
        self._numbers = 0

    @classmethod
    async def begin(cls, client: S3Client, bucket: str, key: str) -> _Multipart:
        created = await anyio.to_thread.run_sync(
            lambda: client.create_multipart_upload(Bucket=bucket, Key=key)
        )
        return cls(client, bucket, key, created["UploadId"])

    async def send(self, data: bytes) -> None:
        number = len(self.parts) + 1
        answer = await anyio.to_thread.run_sync(
            lambda: self.client.upload_part(
                Bucket=self.bucket,
                Key=self.key,
                UploadId=self.upload_id,
                PartNumber=number,
                Body=data,
            )
        )
        self.parts.append({"ETag": answer["ETag"], "PartNumber": number})

    def next_number(self) -> int:
        self._numbers += 1
        return self._numbers

    async def send_part(self, number: int, data: bytes, slot: anyio.Semaphore) -> None:
        """Send part `number` (parts may complete in any order); frees `slot` when done."""
        try:
            answer = await anyio.to_thread.run_sync(
                lambda: self.client.upload_part(
                    Bucket=self.bucket,
                    Key=self.key,
                    UploadId=self.upload_id,
                    PartNumber=number,
                    Body=data,
                )
            )
            self.parts.append({"ETag": answer["ETag"], "PartNumber": number})
        finally:
            slot.release()

    async def complete(self) -> str:
        parts = sorted(self.parts, key=lambda part: int(part["PartNumber"]))
        answer = await anyio.to_thread.run_sync(
            lambda: self.client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=self.key,
                UploadId=self.upload_id,
                MultipartUpload={"Parts": parts},  # type: ignore[typeddict-item]
            )
        )
        return str(answer.get("ETag", ""))

    async def abort(self) -> None:
        def abort() -> None:
            try:
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=self.key, UploadId=self.upload_id
                )
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "NoSuchUpload":
                    raise

        await anyio.to_thread.run_sync(abort)
