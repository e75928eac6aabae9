"""The backend protocol and the names it deals in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["TMP_DIR", "VERSION_SUFFIX", "Backend", "Location", "StoredFile", "resumable_piece"]

# A version's file is named `<version>~`: `~` is outside the key alphabet, so no object key's
# segment can ever be a version file of another key (`a` and `a/<version of a>`).
VERSION_SUFFIX = "~"
# Temporary files (partial uploads, resumable uploads' pieces) live under this pseudo-bucket;
# `~` is outside the bucket name alphabet too.
TMP_DIR = "~tmp"


@dataclass(frozen=True)
class Location:
    """One version of one object."""

    bucket: str
    key: str
    version: str


@dataclass(frozen=True)
class StoredFile:
    """A file found in the backend, for reconciliation."""

    location: Location
    size: int
    modified_at: float
    # An S3 multipart upload still open for `location` (nothing readable is stored yet).
    upload_id: str | None = None


def resumable_piece(version: str) -> Location:
    """The temporary piece of the resumable upload that will become `version`."""
    return Location(TMP_DIR, f"tus-{version}", "")


class Backend(Protocol):
    async def start(self) -> None:
        """Prepare the store (create the folder or the S3 bucket when missing)."""

    # Whether `write` answers the stored file's ETag (S3 does, as upstream records S3's own);
    # otherwise the service computes an MD5 while streaming.
    gives_etag: bool

    async def write(self, where: Location, chunks: AsyncIterator[bytes]) -> str | None:
        """Store the chunks as `where`; nothing is left behind if the iterator raises. The
        stored file's ETag (quoted) when `gives_etag`, else None."""

    async def open(
        self, where: Location, start: int = 0, end: int | None = None
    ) -> AsyncIterator[bytes]:
        """The bytes start..end (inclusive) of `where`; FileNotFoundError when it is missing."""

    async def copy(self, source: Location, target: Location) -> None:
        """Copy a stored file; FileNotFoundError when the source is missing."""

    async def delete(self, places: Sequence[Location]) -> None:
        """Delete files; missing ones are ignored."""

    def walk(self) -> AsyncIterator[StoredFile]:
        """Every stored version file, temporary piece and open multipart upload."""

    async def abort_upload(self, where: Location, upload_id: str) -> None:
        """Abort an open multipart upload (reconciliation); a no-op where there are none."""

    # Resumable uploads: the backend keeps the bytes received so far outside any object,
    # described by a JSON-able `state` that the database keeps with the upload's offset. The
    # database is the truth: `append` starts again from `offset` whatever the backend holds
    # beyond it, so a PATCH that failed half-way leaves nothing that counts.

    async def resumable_begin(self, where: Location) -> dict[str, Any]:
        """Prepare an upload that will become `where`; its initial state."""

    async def resumable_append(
        self, where: Location, state: dict[str, Any], offset: int, chunks: AsyncIterator[bytes]
    ) -> tuple[dict[str, Any], int]:
        """Store the chunks after the first `offset` bytes; the new state and bytes written.
        A source that ends early (client gone) still keeps what arrived."""

    async def resumable_finish(self, where: Location, state: dict[str, Any]) -> str:
        """Make the received bytes the file `where`; its ETag (quoted)."""

    async def resumable_abort(self, where: Location, state: dict[str, Any]) -> None:
        """Drop everything received; missing pieces are ignored."""

    async def close(self) -> None:
        """Release connections."""
