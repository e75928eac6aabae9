"""Upload bodies, streamed: the declared content type, cache control and user metadata, and the
file's bytes as an async iterator that never holds more than one chunk.

Two shapes, as upstream's uploader: `multipart/form-data` (the first file part, whatever its
field name; fields before it: `cacheControl` seconds, `contentType`, `metadata`/`userMetadata`
JSON) or the raw body (`Content-Type`, `Cache-Control`, `x-metadata` base64 JSON).
`Guarded` then enforces the size limit while reading, checks the first bytes against the
declared type, hashes for the ETag (unless the backend gives one) and regroups chunks for
the backend.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import orjson
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from functions.storage.errors import StorageError
from functions.storage.mime import SNIFF_BYTES, check_magic

__all__ = ["Guarded", "Incoming", "parse_user_metadata", "read_upload"]

MAX_FIELD_BYTES = 1024 * 1024
BATCH_BYTES = 256 * 1024
DEFAULT_TYPE = "application/octet-stream"


@dataclass
class Incoming:
    content_type: str
    cache_control: str
    user_metadata: dict[str, Any] | None
    chunks: AsyncIterator[bytes]
    declared_length: int | None = None


def parse_user_metadata(raw: bytes | str | None) -> dict[str, Any] | None:
    if raw is None or raw in (b"", ""):
        return None
    if len(raw) > MAX_FIELD_BYTES:
        raise StorageError.too_large("The metadata is too large")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise StorageError.invalid_request("metadata must be a JSON object") from None
    if not isinstance(value, dict):
        raise StorageError.invalid_request("metadata must be a JSON object")
    return value


def _cache_control(seconds: str | None) -> str:
    if seconds and seconds.strip().isdigit():
        return f"max-age={int(seconds)}"
    return "no-cache"


async def read_upload(request: Request) -> Incoming:
    content_type = request.headers.get("content-type", "")
    if content_type.lower().startswith("multipart/form-data"):
        return await _FormReader(request, content_type).incoming()
    encoded = request.headers.get("x-metadata")
    try:
        user_metadata = parse_user_metadata(
            base64.b64decode(encoded, validate=True) if encoded else None
        )
    except binascii.Error:
        raise StorageError.invalid_request("x-metadata must be base64-encoded JSON") from None
    length = request.headers.get("content-length")
    return Incoming(
        content_type or DEFAULT_TYPE,
        request.headers.get("cache-control") or "no-cache",
        user_metadata,
        request.stream(),
        int(length) if length and length.isdigit() else None,
    )


class _FormReader:
    """python-multipart's push parser driven by the request stream, one chunk at a time."""

    def __init__(self, request: Request, content_type: str) -> None:
        _, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if not boundary:
            raise StorageError.invalid_request("Missing multipart boundary")
        self.stream = request.stream().__aiter__()
        self.fields: dict[str, bytearray] = {}
        self.pending: list[bytes] = []
        self.file_type: str | None = None
        self.file_seen = self.file_done = False
        self._current: str | None = None  # "\0file", a field name, or None (ignored part)
        self._headers: dict[str, str] = {}
        self._field = self._value = b""
        self.parser = MultipartParser(
            boundary,
            callbacks={
                "on_part_begin": self._part_begin,
                "on_header_field": self._header_field,
                "on_header_value": self._header_value,
                "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished,
                "on_part_data": self._part_data,
                "on_part_end": self._part_end,
            },
        )

    def _part_begin(self) -> None:
        self._headers, self._current = {}, None

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._field.decode("latin-1").lower()] = self._value.decode("latin-1")
        self._field = self._value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get("content-disposition", ""))
        if b"filename" in options and not self.file_seen:
            self.file_seen, self._current = True, "\0file"
            self.file_type = self._headers.get("content-type")
        elif b"name" in options and not self.file_seen:
            self._current = options[b"name"].decode("utf-8", "replace")
            self.fields[self._current] = bytearray()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._current == "\0file":
            self.pending.append(bytes(data[start:end]))
        elif self._current is not None:
            field = self.fields[self._current]
            field += data[start:end]
            if len(field) > MAX_FIELD_BYTES:
                raise StorageError.too_large("A form field is too large")

    def _part_end(self) -> None:
        if self._current == "\0file":
            self.file_done = True
        self._current = None

    async def _feed(self) -> bool:
        try:
            chunk = await self.stream.__anext__()
        except StopAsyncIteration:
            return False
        self.parser.write(chunk)
        return True

    def _text(self, name: str) -> str | None:
        value = self.fields.get(name)
        return None if value is None else value.decode("utf-8", "replace")

    async def incoming(self) -> Incoming:
        while not self.file_seen:
            if not await self._feed():
                raise StorageError.invalid_request("No content provided")
        metadata = self.fields.get("metadata", self.fields.get("userMetadata"))
        return Incoming(
            self._text("contentType") or self.file_type or DEFAULT_TYPE,
            _cache_control(self._text("cacheControl")),
            parse_user_metadata(bytes(metadata) if metadata is not None else None),
            self._file_chunks(),
        )

    async def _file_chunks(self) -> AsyncIterator[bytes]:
        while True:
            while self.pending:
                yield self.pending.pop(0)
            if self.file_done:
                return
            if not await self._feed():
                raise StorageError.invalid_request("The multipart body ended inside the file")


class Guarded:
    """The file bytes with the size limit enforced as they arrive, the first bytes checked
    against the declared type, and the MD5 and size recorded for the row."""

    def __init__(
        self,
        source: AsyncIterator[bytes],
        limit: int,
        base_type: str,
        too_large: StorageError,
        *,
        md5: bool = True,
    ) -> None:
        self.source, self.limit, self.base_type, self.too_large = (
            source,
            limit,
            base_type,
            too_large,
        )
        self.size = 0
        # The ETag's MD5, unless the backend gives its own (S3): it costs a pass over the bytes.
        self.md5 = hashlib.md5(usedforsecurity=False) if md5 else None
        self._head = b""
        self._sniffed = False

    @property
    def etag(self) -> str:
        assert self.md5 is not None, "hashed only when the backend gives no ETag"
        return f'"{self.md5.hexdigest()}"'

    def _sniff(self, chunk: bytes) -> None:
        if self._sniffed:
            return
        self._head += chunk[: SNIFF_BYTES - len(self._head)]
        if len(self._head) >= SNIFF_BYTES:
            check_magic(self.base_type, self._head)
            self._sniffed = True

    async def chunks(self) -> AsyncIterator[bytes]:
        batch: list[bytes] = []
        batched = 0
        async for chunk in self.source:
            self.size += len(chunk)
            if self.size > self.limit:
                raise self.too_large
            self._sniff(chunk)
            batch.append(chunk)
            batched += len(chunk)
            if batched >= BATCH_BYTES:
                # One copy per batch; hashed once whole (fewer calls than per chunk).
                data = b"".join(batch)
                if self.md5 is not None:
                    self.md5.update(data)
                yield data
                batch.clear()
                batched = 0
        if not self._sniffed:
            check_magic(self.base_type, self._head)
        if batch:
            data = b"".join(batch)
            if self.md5 is not None:
                self.md5.update(data)
            yield data
