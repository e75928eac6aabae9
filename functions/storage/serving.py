"""Sending an object: headers from the row's metadata, conditional requests, one byte range,
the `download` disposition, and the bytes streamed from the backend."""

from __future__ import annotations

import re
from datetime import UTC
from email.utils import format_datetime
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from functions.storage.backends import Backend, Location
from functions.storage.errors import StorageError
from functions.storage.store import ObjectRow

__all__ = ["disposition", "send_object"]

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def disposition(download: str | None) -> dict[str, str]:
    if download is None:
        return {}
    if download == "":
        return {"Content-Disposition": "attachment;"}
    plain = re.sub(r"[^A-Za-z0-9._ -]", "_", download)
    encoded = quote(download, safe="")
    return {"Content-Disposition": f"attachment; filename={plain}; filename*=UTF-8''{encoded}"}


def _headers(obj: ObjectRow, download: str | None) -> dict[str, str]:
    meta = obj.metadata
    headers = {
        "Content-Type": str(meta.get("mimetype") or "application/octet-stream"),
        "ETag": str(meta.get("eTag") or ""),
        "Cache-Control": str(meta.get("cacheControl") or "no-cache"),
        "Accept-Ranges": "bytes",
        "X-Robots-Tag": "none",
        "X-Content-Type-Options": "nosniff",
        # Uploaded HTML or SVG opened directly must not run scripts on our origin.
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    updated = obj.row.get("updated_at")
    if updated is not None:
        headers["Last-Modified"] = format_datetime(updated.astimezone(UTC), usegmt=True)
    return headers | disposition(download)


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one range asked for, or None for the whole body; 416 when unsatisfiable."""
    if not header:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None  # several ranges or another unit: send everything, as the RFC allows
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        start, end = max(size - int(last), 0), size - 1
    else:
        start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise StorageError(
            "InvalidRange",
            416,
            "Range Not Satisfiable",
            "InvalidRange",
            416,
            {"Content-Range": f"bytes */{size}"},
        )
    return start, end


async def send_object(
    request: Request, backend: Backend, obj: ObjectRow, download: str | None
) -> Response:
    headers = _headers(obj, download)
    etag = headers["ETag"]
    if etag and request.headers.get("if-none-match") in (etag, "*"):
        return Response(status_code=304, headers=headers)
    size = obj.size
    span = _byte_range(request.headers.get("range"), size)
    status, start, end = (200, 0, size - 1) if span is None else (206, *span)
    if span is not None:
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(max(end - start + 1, 0))
    if request.method == "HEAD":
        return Response(status_code=status, headers=headers)
    where = Location(obj.row["bucket_id"], obj.row["name"], obj.version)
    try:
        chunks = await backend.open(where, start, end if size else None)
    except FileNotFoundError:
        raise StorageError.no_such_key() from None
    return StreamingResponse(chunks, status_code=status, headers=headers)
